// Workspace settings and switching: the shapes of /api/v1/workspace(s) and the checks
// the settings form makes before the server makes them for good.
import type { Role } from '../../api/types';

export interface WorkspaceSettings {
  id: string;
  name: string;
  time_zone: string | null;
  bot_language: string | null;
}

export interface WorkspaceEntry {
  id: string;
  name: string;
  role: Role;
  current: boolean;
}

export interface WorkspaceList {
  items: WorkspaceEntry[];
  can_create: boolean;
}

/** A BCP 47-style tag like the server accepts: `en`, `pt-BR`, `zh-Hant-TW`, `es-419`. */
export function validLanguage(tag: string): boolean {
  return tag.length <= 35 && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag);
}

/** IANA zones this browser knows, with `current` kept even when the browser lacks it. */
export function timeZoneOptions(current: string | null, known: readonly string[] = supportedZones()): string[] {
  const zones = new Set(known);
  zones.delete('UTC');
  if (current && current !== 'UTC') zones.add(current);
  return [...zones].sort((a, b) => a.localeCompare(b));
}

function supportedZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

export interface SettingsForm {
  name: string;
  timeZone: string;
  botLanguage: string;
}

/** What the form lacks, per field (the server's field names). */
export function settingsErrors(form: SettingsForm): Record<string, string> {
  const errors: Record<string, string> = {};
  const name = form.name.trim();
  if (!name) errors.name = 'Enter a name';
  else if ([...name].length > 100) errors.name = 'Use at most 100 characters';
  const lang = form.botLanguage.trim();
  if (lang && !validLanguage(lang)) errors.bot_language = 'Use a language code such as en or pt-BR';
  return errors;
}

/** The request body: blanks become null (UTC, no default language). */
export function settingsBody(form: SettingsForm): { name: string; time_zone: string | null; bot_language: string | null } {
  return {
    name: form.name.trim(),
    time_zone: form.timeZone.trim() || null,
    bot_language: form.botLanguage.trim() || null,
  };
}
