import { describe, expect, it } from 'vitest';
import type { Bot } from '../../api/types';
import { bot } from '../../test/fakeFetch';
import { botToForm, formToUpdate, formsEqual, mapServerFields, validateBotForm } from './botForm';

const sample = bot() as Bot;

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

  it('sends back the behaviour and appearance fields the form does not edit', () => {
    const current = {
      ...sample,
      behaviour: { ...sample.behaviour, handoff_intents: ['human_agent', 'refund'], business_hours: null, auto_assign: true },
    } as Bot;
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
