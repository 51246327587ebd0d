import type { Bot, BotUpdate } from '../../api/types';
import { handoffEqual, handoffFromForm, handoffToForm, validateHandoff, type HandoffValues } from './handoff';
import { originsTextError, originsToText, textToOrigins } from './origins';

/** What the bot editor holds: strings for every input, converted on save. */
export interface BotFormValues extends HandoffValues {
  name: string;
  originsText: string;
  title: string;
  greeting: string;
  primaryColor: string;
  position: 'left' | 'right';
  avatarUrl: string;
  systemPrompt: string;
  memoryTurns: string;
  fallbackMessage: string;
}

export type BotFormField = keyof BotFormValues;
export type BotFormErrors = Partial<Record<BotFormField, string>>;

export const MEMORY_TURNS_MIN = 1;
export const MEMORY_TURNS_MAX = 50;
const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

export function botToForm(bot: Bot): BotFormValues {
  return {
    name: bot.name,
    originsText: originsToText(bot.allowed_origins),
    title: bot.appearance.title,
    greeting: bot.appearance.greeting,
    primaryColor: bot.appearance.primary_color,
    position: bot.appearance.position,
    avatarUrl: bot.appearance.avatar_url ?? '',
    systemPrompt: bot.behaviour.system_prompt,
    memoryTurns: String(bot.behaviour.memory_turns),
    fallbackMessage: bot.behaviour.fallback_message,
    ...handoffToForm(bot.behaviour),
  };
}

/**
 * The PATCH body: name and origins, with appearance and behaviour sent whole. The server
 * replaces those two objects, so what the form does not edit (anything added later) is
 * sent back as `current` has it.
 */
export function formToUpdate(values: BotFormValues, current?: Pick<Bot, 'appearance' | 'behaviour'>): BotUpdate {
  const avatar = values.avatarUrl.trim();
  return {
    name: values.name.trim(),
    allowed_origins: textToOrigins(values.originsText),
    appearance: {
      ...current?.appearance,
      title: values.title.trim(),
      greeting: values.greeting,
      primary_color: values.primaryColor.toLowerCase(),
      position: values.position,
      avatar_url: avatar === '' ? null : avatar,
    },
    behaviour: {
      ...current?.behaviour,
      system_prompt: values.systemPrompt,
      memory_turns: Number(values.memoryTurns),
      fallback_message: values.fallbackMessage,
      ...handoffFromForm(values, current?.behaviour),
    },
  };
}

/** Checks done before asking the server (which checks again). */
export function validateBotForm(values: BotFormValues): BotFormErrors {
  const errors: BotFormErrors = validateHandoff(values);
  if (!values.name.trim()) errors.name = 'Name is required';
  const origins = originsTextError(values.originsText);
  if (origins) errors.originsText = origins;
  if (!HEX_COLOR.test(values.primaryColor)) errors.primaryColor = 'Use a colour like #2563eb';
  const avatar = values.avatarUrl.trim();
  if (avatar !== '' && !/^https?:\/\/\S+$/i.test(avatar)) errors.avatarUrl = 'Use an http:// or https:// URL, or leave empty';
  const turns = values.memoryTurns.trim();
  const n = Number(turns);
  if (turns === '' || !Number.isInteger(n) || n < MEMORY_TURNS_MIN || n > MEMORY_TURNS_MAX) {
    errors.memoryTurns = `Enter a whole number from ${MEMORY_TURNS_MIN} to ${MEMORY_TURNS_MAX}`;
  }
  return errors;
}

// Server field names (snake_case, possibly nested: "appearance.title",
// "appearance/title", "allowed_origins[2]") -> editor fields.
const SERVER_FIELDS: Record<string, BotFormField> = {
  name: 'name',
  allowed_origins: 'originsText',
  title: 'title',
  greeting: 'greeting',
  primary_color: 'primaryColor',
  position: 'position',
  avatar_url: 'avatarUrl',
  system_prompt: 'systemPrompt',
  memory_turns: 'memoryTurns',
  fallback_message: 'fallbackMessage',
  handoff_intents: 'handoffIntentsText',
  fallbacks_before_handoff: 'fallbacksBeforeHandoff',
  auto_assign: 'autoAssign',
  business_hours: 'days',
  timezone: 'timezone',
  days: 'days',
  day: 'days',
  open: 'days',
  close: 'days',
};

/**
 * Maps the `fields` of a server error onto editor fields. Anything that does
 * not belong to a known field is returned in `other` so it is still shown.
 */
export function mapServerFields(fields: Record<string, string>): { errors: BotFormErrors; other: string[] } {
  const errors: BotFormErrors = {};
  const other: string[] = [];
  for (const [key, message] of Object.entries(fields)) {
    const parts = key.split(/[./[\]]+/).filter((p) => p !== '' && !/^\d+$/.test(p));
    const direct = parts.length > 0 ? SERVER_FIELDS[parts[0]!] : undefined;
    const nested = parts.length > 1 ? SERVER_FIELDS[parts[parts.length - 1]!] : undefined;
    const target = parts[0] === 'appearance' || parts[0] === 'behaviour' ? nested : direct;
    if (target && errors[target] === undefined) errors[target] = message;
    else if (!target) other.push(`${key}: ${message}`);
  }
  return { errors, other };
}

export function formsEqual(a: BotFormValues, b: BotFormValues): boolean {
  return handoffEqual(a, b) && (Object.keys(a) as BotFormField[]).every((k) => k === 'days' || a[k] === b[k]);
}
