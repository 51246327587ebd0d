import { describe, expect, it } from 'vitest';
import type { Bot } from '../../api/types';
import { bot } from '../../test/fakeFetch';
import { botToForm, formToUpdate, formsEqual, mapServerFields, validateBotForm } from './botForm';
import { browserTimeZone } from './handoff';

const HOURS = {
  timezone: 'Europe/Berlin',
  days: [
    { day: 'mon', open: '09:00', close: '17:00' },
    { day: 'fri', open: '10:00', close: '24:00' },
  ],
} as const;
const base = bot() as Bot;
/** A bot as the server returns it now, with every handoff setting. */
const sample = bot({
  behaviour: {
    ...base.behaviour,
    handoff_intents: ['human_agent', 'complaint'],
    business_hours: HOURS,
    auto_assign: true,
    fallbacks_before_handoff: 2,
  },
}) as Bot;

describe('bot form conversion', () => {
  it('round-trips a bot into the PATCH body unchanged', () => {
    const update = formToUpdate(botToForm(sample));
    expect(update).toEqual({
      name: sample.name,
      allowed_origins: sample.allowed_origins,
      appearance: sample.appearance,
      behaviour: sample.behaviour,
    });
  });

  it('round-trips a bot that is always open', () => {
    const open = { ...sample, behaviour: { ...sample.behaviour, business_hours: null } };
    expect(formToUpdate(botToForm(open)).behaviour).toEqual(open.behaviour);
  });

  it('sends back the behaviour and appearance fields the form does not edit', () => {
    const current = { ...sample, behaviour: { ...sample.behaviour, later_setting: 'x' } } as Bot;
    const update = formToUpdate({ ...botToForm(current), memoryTurns: '12' }, current);
    expect(update.behaviour).toEqual({ ...current.behaviour, memory_turns: 12 });
    expect(update.appearance).toEqual(current.appearance);
  });

  it('sends an empty avatar URL as null and memory turns as a number', () => {
    const values = { ...botToForm(sample), avatarUrl: '   ', memoryTurns: '25' };
    const update = formToUpdate(values);
    expect(update.appearance?.avatar_url).toBeNull();
    expect(update.behaviour?.memory_turns).toBe(25);
  });

  it('trims the name, lower-cases the colour and converts origins text', () => {
    const values = { ...botToForm(sample), name: '  Sales  ', primaryColor: '#AABBCC', originsText: 'https://A.com/\n\nhttps://b.com' };
    const update = formToUpdate(values);
    expect(update.name).toBe('Sales');
    expect(update.appearance?.primary_color).toBe('#aabbcc');
    expect(update.allowed_origins).toEqual(['https://a.com', 'https://b.com']);
  });

  it('shows a null avatar as an empty box', () => {
    expect(botToForm(sample).avatarUrl).toBe('');
    expect(botToForm({ ...sample, appearance: { ...sample.appearance, avatar_url: 'https://x/a.png' } }).avatarUrl).toBe('https://x/a.png');
  });

  it('detects changes', () => {
    const a = botToForm(sample);
    expect(formsEqual(a, { ...a })).toBe(true);
    expect(formsEqual(a, { ...a, greeting: 'Hello' })).toBe(false);
  });
});

describe('handoff settings', () => {
  it('shows the server defaults for a bot saved before they existed', () => {
    const values = botToForm(base);
    expect(values).toMatchObject({
      handoffIntentsText: 'human_agent',
      fallbacksBeforeHandoff: '3',
      autoAssign: false,
      alwaysOpen: true,
      timezone: browserTimeZone(),
    });
    expect(values.days.filter((d) => d.open).map((d) => d.day)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri']);
    expect(formToUpdate(values).behaviour).toEqual({
      ...base.behaviour,
      handoff_intents: ['human_agent'],
      business_hours: null,
      auto_assign: false,
      fallbacks_before_handoff: 3,
    });
  });

  it('shows one row per weekday, with midnight as 00:00', () => {
    const values = botToForm(sample);
    expect(values).toMatchObject({ handoffIntentsText: 'human_agent, complaint', fallbacksBeforeHandoff: '2', autoAssign: true, alwaysOpen: false });
    expect(values.days.map((d) => d.day)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    expect(values.days[0]).toEqual({ day: 'mon', open: true, from: '09:00', to: '17:00' });
    expect(values.days[1]).toMatchObject({ day: 'tue', open: false });
    expect(values.days[4]).toEqual({ day: 'fri', open: true, from: '10:00', to: '00:00' });
  });

  it('sends what the form holds: intents as a list, ticked days only, always open as null', () => {
    const values = botToForm(sample);
    const days = values.days.map((d) =>
      d.day === 'mon' ? { ...d, open: false } : d.day === 'sat' ? { ...d, open: true, from: '10:00', to: '14:00' } : d,
    );
    const update = formToUpdate(
      { ...values, handoffIntentsText: ' refund, complaint  human_agent,,refund ', fallbacksBeforeHandoff: ' 0 ', autoAssign: false, timezone: ' America/Denver ', days },
      sample,
    );
    expect(update.behaviour).toMatchObject({
      handoff_intents: ['refund', 'complaint', 'human_agent'],
      fallbacks_before_handoff: 0,
      auto_assign: false,
      business_hours: {
        timezone: 'America/Denver',
        days: [
          { day: 'fri', open: '10:00', close: '24:00' },
          { day: 'sat', open: '10:00', close: '14:00' },
        ],
      },
    });
    expect(formToUpdate({ ...values, alwaysOpen: true }, sample).behaviour?.business_hours).toBeNull();
    expect(formToUpdate({ ...values, handoffIntentsText: '  ' }, sample).behaviour?.handoff_intents).toEqual([]);
  });

  it("keeps a day's further periods, set through the API, unless the day is unticked", () => {
    const split = {
      ...sample,
      behaviour: {
        ...sample.behaviour,
        business_hours: { timezone: 'UTC', days: [{ day: 'mon', open: '08:00', close: '12:00' }, { day: 'mon', open: '13:00', close: '17:00' }] },
      },
    } as Bot;
    const values = botToForm(split);
    expect(values.days[0]).toEqual({ day: 'mon', open: true, from: '08:00', to: '12:00' });
    expect(formToUpdate(values, split).behaviour?.business_hours).toEqual(split.behaviour.business_hours);
    const closed = { ...values, days: values.days.map((d) => (d.day === 'mon' ? { ...d, open: false } : d)) };
    expect(formToUpdate(closed, split).behaviour?.business_hours).toEqual({ timezone: 'UTC', days: [] });
  });

  it('detects a change to a day', () => {
    const a = botToForm(sample);
    const b = { ...a, days: a.days.map((d) => (d.day === 'tue' ? { ...d, open: true } : d)) };
    expect(formsEqual(a, b)).toBe(false);
    expect(formsEqual(a, botToForm(sample))).toBe(true);
  });

  it('checks fallbacks, intents, the time zone and each open day', () => {
    const valid = botToForm(sample);
    expect(validateBotForm(valid)).toEqual({});
    for (const bad of ['-1', '11', '2.5', '', 'three']) {
      expect(validateBotForm({ ...valid, fallbacksBeforeHandoff: bad }).fallbacksBeforeHandoff, bad).toBeDefined();
    }
    for (const ok of ['0', '10']) expect(validateBotForm({ ...valid, fallbacksBeforeHandoff: ok }), ok).toEqual({});
    const many = Array.from({ length: 21 }, (_, i) => `intent_${i}`).join(', ');
    expect(validateBotForm({ ...valid, handoffIntentsText: many }).handoffIntentsText).toBe('List at most 20 intents');
    expect(validateBotForm({ ...valid, handoffIntentsText: 'x'.repeat(65) }).handoffIntentsText).toBeDefined();
    expect(validateBotForm({ ...valid, timezone: 'Mars/Olympus' }).timezone).toMatch(/not a time zone/);
    expect(validateBotForm({ ...valid, timezone: ' ' }).timezone).toBe('Enter a time zone, e.g. Europe/Berlin');
    const late = valid.days.map((d) => (d.day === 'mon' ? { ...d, from: '18:00' } : d));
    expect(validateBotForm({ ...valid, days: late }).days).toBe('Monday closes before it opens');
    const blank = valid.days.map((d) => (d.day === 'fri' ? { ...d, to: '' } : d));
    expect(validateBotForm({ ...valid, days: blank }).days).toBe('Friday needs an opening and a closing time');
    // An unticked day's times, and hours when always open, are not checked; no open day is allowed.
    const unticked = late.map((d) => (d.day === 'mon' ? { ...d, open: false } : d));
    expect(validateBotForm({ ...valid, days: unticked })).toEqual({});
    expect(validateBotForm({ ...valid, alwaysOpen: true, timezone: 'nowhere', days: late })).toEqual({});
    expect(validateBotForm({ ...valid, days: valid.days.map((d) => ({ ...d, open: false })) })).toEqual({});
  });

  it("puts the server's handoff errors at their fields", () => {
    expect(
      mapServerFields({
        'behaviour.handoff_intents': 'at most 20 intent names of 1 to 64 characters',
        'behaviour.fallbacks_before_handoff': 'must be between 0 (never) and 10',
        'behaviour.business_hours.timezone': 'must be an IANA time zone such as Europe/Berlin',
        'behaviour.business_hours.days[3].close': 'each period needs open and close as HH:MM, open before close',
      }),
    ).toEqual({
      errors: {
        handoffIntentsText: 'at most 20 intent names of 1 to 64 characters',
        fallbacksBeforeHandoff: 'must be between 0 (never) and 10',
        timezone: 'must be an IANA time zone such as Europe/Berlin',
        days: 'each period needs open and close as HH:MM, open before close',
      },
      other: [],
    });
    expect(mapServerFields({ 'behaviour.business_hours.days': 'at most 21 periods' }).errors).toEqual({ days: 'at most 21 periods' });
  });
});

describe('validateBotForm', () => {
  const valid = botToForm(sample);

  it('passes a valid form', () => {
    expect(validateBotForm(valid)).toEqual({});
  });

  it('flags each invalid field', () => {
    const errors = validateBotForm({
      ...valid,
      name: '  ',
      originsText: 'example.com',
      primaryColor: 'blue',
      avatarUrl: 'javascript:alert(1)',
      memoryTurns: '51',
    });
    expect(Object.keys(errors).sort()).toEqual(['avatarUrl', 'memoryTurns', 'name', 'originsText', 'primaryColor']);
  });

  it('bounds memory turns to whole numbers from 1 to 50', () => {
    for (const bad of ['0', '51', '2.5', '', 'ten']) expect(validateBotForm({ ...valid, memoryTurns: bad }).memoryTurns, bad).toBeDefined();
    for (const ok of ['1', '50', ' 7 ']) expect(validateBotForm({ ...valid, memoryTurns: ok }).memoryTurns, ok).toBeUndefined();
  });
});

describe('mapServerFields', () => {
  it('maps top-level and nested server field names onto the editor', () => {
    const { errors, other } = mapServerFields({
      name: 'must not be empty',
      'allowed_origins[1]': 'not an origin',
      'appearance.primary_color': 'must be #rrggbb',
      'behaviour/memory_turns': 'must be 1..50',
      fallback_message: 'too long',
    });
    expect(errors).toEqual({
      name: 'must not be empty',
      originsText: 'not an origin',
      primaryColor: 'must be #rrggbb',
      memoryTurns: 'must be 1..50',
      fallbackMessage: 'too long',
    });
    expect(other).toEqual([]);
  });

  it('keeps unknown fields so they are still shown', () => {
    expect(mapServerFields({ colour_scheme: 'unknown' })).toEqual({ errors: {}, other: ['colour_scheme: unknown'] });
  });
});
