import { describe, expect, it } from 'vitest';
import { emptyDraft, fromDraft, hasChanges, lines, toDrafts, validateDrafts, type IntentDraft } from './intents';

const draft = (d: Partial<IntentDraft>): IntentDraft => ({ ...emptyDraft(), phrases: 'rent a kayak', ...d });

describe('intent drafts', () => {
  it('round-trips the API shape, one phrase per line', () => {
    const saved = [{ name: 'rent_kayak', phrases: ['rent a kayak', 'kayak rental'], patterns: ['# kayaks'], lead_points: 15 }];
    const [d] = toDrafts(saved);
    expect(d).toMatchObject({ name: 'rent_kayak', phrases: 'rent a kayak\nkayak rental', patterns: '# kayaks', leadPoints: '15' });
    expect(fromDraft(d!)).toEqual(saved[0]);
    expect(hasChanges([d!], saved)).toBe(false);
  });

  it('ignores blank lines and spacing when deciding whether there are changes', () => {
    const saved = [{ name: 'rent_kayak', phrases: ['rent a kayak'], patterns: [], lead_points: 0 }];
    const [d] = toDrafts(saved);
    expect(hasChanges([{ ...d!, phrases: '\n  rent a kayak  \n\n' }], saved)).toBe(false);
    expect(hasChanges([{ ...d!, leadPoints: '5' }], saved)).toBe(true);
    expect(hasChanges([], saved)).toBe(true);
    expect(lines(' a \n\n b\n')).toEqual(['a', 'b']);
  });

  it('sends an empty lead points field as 0', () => {
    expect(fromDraft(draft({ name: 'x', leadPoints: ' ' })).lead_points).toBe(0);
  });
});

describe('intent validation', () => {
  it('accepts a good intent', () => {
    expect(validateDrafts([draft({ name: 'rent_kayak', patterns: 'rent * kayaks\n# kayaks', leadPoints: '-10' })])).toEqual({});
  });

  it('checks names: required, format, built-ins, duplicates', () => {
    const ds = [
      draft({ name: '' }),
      draft({ name: 'Rent Kayak' }),
      draft({ name: '9lives' }),
      draft({ name: 'refund' }),
      draft({ name: 'rent' }),
      draft({ name: 'rent' }),
    ];
    const e = validateDrafts(ds);
    expect(ds.map((d) => e[d.key]?.name)).toEqual([
      'Name is required.',
      expect.stringMatching(/lowercase/),
      expect.stringMatching(/lowercase/),
      '“refund” is a built-in intent.',
      undefined,
      '“rent” is defined twice.',
    ]);
  });

  it('needs a phrase or pattern, and patterns need a word', () => {
    const none = draft({ name: 'a', phrases: '  \n' });
    const bare = draft({ name: 'b', patterns: '* #' });
    const long = draft({ name: 'c', phrases: 'x'.repeat(201) });
    const e = validateDrafts([none, bare, long]);
    expect(e[none.key]).toEqual({ phrases: 'Add at least one phrase or pattern.' });
    expect(e[bare.key]).toEqual({ patterns: 'Pattern “* #” needs at least one word besides * and #.' });
    expect(e[long.key]?.phrases).toMatch(/longer than 200 characters/);
  });

  it('limits lead points to whole numbers within ±100', () => {
    const e = validateDrafts([draft({ name: 'a', leadPoints: '2.5' }), draft({ name: 'b', leadPoints: '101' }), draft({ name: 'c', leadPoints: '-100' })]);
    expect(Object.values(e).map((x) => x.leadPoints)).toEqual(['A whole number from -100 to 100.', 'A whole number from -100 to 100.']);
  });
});
