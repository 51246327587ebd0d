import { describe, expect, it } from 'vitest';
import { settingsBody, settingsErrors, timeZoneOptions, validLanguage } from './workspaces';

describe('workspace settings', () => {
  it('accepts language tags like the server', () => {
    for (const ok of ['en', 'pt-BR', 'zh-Hant-TW', 'es-419', 'fil']) expect(validLanguage(ok)).toBe(true);
    for (const bad of ['', 'e', 'english', 'en_US', 'en-', 'en-a']) expect(validLanguage(bad)).toBe(false);
  });

  it('lists zones sorted, keeping the saved one and leaving UTC to the default option', () => {
    expect(timeZoneOptions('Mars/Base', ['UTC', 'Europe/Paris', 'America/New_York'])).toEqual(['America/New_York', 'Europe/Paris', 'Mars/Base']);
    expect(timeZoneOptions(null, ['Europe/Paris'])).toEqual(['Europe/Paris']);
  });

  it('checks the form and sends blanks as null', () => {
    expect(settingsErrors({ name: ' ', timeZone: '', botLanguage: 'english' })).toEqual({
      name: 'Enter a name',
      bot_language: 'Use a language code such as en or pt-BR',
    });
    expect(settingsErrors({ name: 'Shop', timeZone: 'Europe/Paris', botLanguage: 'fr' })).toEqual({});
    expect(settingsBody({ name: ' Shop ', timeZone: '', botLanguage: ' ' })).toEqual({ name: 'Shop', time_zone: null, bot_language: null });
  });
});
