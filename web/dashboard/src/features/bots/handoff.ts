// The "Handoff to a person" part of a bot's behaviour as the settings form edits it:
// intents as text, fallbacks as text, opening hours as one row per weekday.
import type { Behaviour } from '../../api/types';

export type BusinessHours = NonNullable<Behaviour['business_hours']>;
export type Weekday = BusinessHours['days'][number]['day'];

export const WEEKDAYS: ReadonlyArray<{ day: Weekday; label: string }> = [
  { day: 'mon', label: 'Monday' },
  { day: 'tue', label: 'Tuesday' },
  { day: 'wed', label: 'Wednesday' },
  { day: 'thu', label: 'Thursday' },
  { day: 'fri', label: 'Friday' },
  { day: 'sat', label: 'Saturday' },
  { day: 'sun', label: 'Sunday' },
];

/** The server's defaults for bots saved before handoff settings existed. */
export const DEFAULT_HANDOFF_INTENTS = ['human_agent'];
export const DEFAULT_FALLBACKS = 3;
export const FALLBACKS_MAX = 10;
export const HANDOFF_INTENTS_MAX = 20;
const INTENT_NAME_MAX = 64;

/** One weekday's row: `open` says whether the day has hours at all. */
export interface DayRow {
  day: Weekday;
  open: boolean;
  from: string;
  to: string;
}

export interface HandoffValues {
  handoffIntentsText: string;
  fallbacksBeforeHandoff: string;
  autoAssign: boolean;
  alwaysOpen: boolean;
  timezone: string;
  days: DayRow[];
}

export type HandoffErrors = Partial<Record<keyof HandoffValues, string>>;

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Weekdays 09:00–17:00: what a bot starts with when it stops being always open. */
export function defaultDays(): DayRow[] {
  return WEEKDAYS.map(({ day }) => ({ day, open: day !== 'sat' && day !== 'sun', from: '09:00', to: '17:00' }));
}

// The server writes midnight at the end of a day as 24:00, which a time input cannot show;
// the form shows it as 00:00 (a close of 00:00 can only mean midnight, as close follows open).
const closeToForm = (close: string) => (close === '24:00' ? '00:00' : close);
const closeFromForm = (to: string) => (to === '00:00' ? '24:00' : to);

export function handoffToForm(behaviour: Behaviour): HandoffValues {
  const hours = behaviour.business_hours ?? null;
  return {
    handoffIntentsText: (behaviour.handoff_intents ?? DEFAULT_HANDOFF_INTENTS).join(', '),
    fallbacksBeforeHandoff: String(behaviour.fallbacks_before_handoff ?? DEFAULT_FALLBACKS),
    autoAssign: behaviour.auto_assign ?? false,
    alwaysOpen: hours === null,
    timezone: hours?.timezone ?? browserTimeZone(),
    days: hours
      ? WEEKDAYS.map(({ day }) => {
          const first = hours.days.find((d) => d.day === day);
          return first
            ? { day, open: true, from: first.open, to: closeToForm(first.close) }
            : { day, open: false, from: '09:00', to: '17:00' };
        })
      : defaultDays(),
  };
}

/** Intent names from "human_agent, refund" (commas or spaces), without blanks or repeats. */
export function parseIntents(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))];
}

/** Periods beyond a day's first one (set through the API): the form shows only the first, and keeps the rest. */
export function extraPeriods(hours: BusinessHours | null | undefined, day: Weekday): BusinessHours['days'] {
  return (hours?.days ?? []).filter((d) => d.day === day).slice(1);
}

/** The handoff fields of the behaviour sent on save; `current` keeps extra periods per day. */
export function handoffFromForm(
  values: HandoffValues,
  current?: Behaviour,
): Required<Pick<Behaviour, 'handoff_intents' | 'business_hours' | 'auto_assign' | 'fallbacks_before_handoff'>> {
  return {
    handoff_intents: parseIntents(values.handoffIntentsText),
    fallbacks_before_handoff: Number(values.fallbacksBeforeHandoff.trim()),
    auto_assign: values.autoAssign,
    business_hours: values.alwaysOpen
      ? null
      : {
          timezone: values.timezone.trim(),
          days: values.days
            .filter((d) => d.open)
            .flatMap((d) => [
              { day: d.day, open: d.from, close: closeFromForm(d.to) },
              ...extraPeriods(current?.business_hours, d.day),
            ]),
        },
  };
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with one open day's times, if anything. */
export function dayProblem(row: DayRow): string | undefined {
  if (!row.open) return undefined;
  if (!/^\d\d:\d\d$/.test(row.from) || !/^\d\d:\d\d$/.test(row.to)) return 'needs an opening and a closing time';
  if (row.to !== '00:00' && row.to <= row.from) return 'closes before it opens';
  return undefined;
}

/** Checks done before asking the server (which checks again). */
export function validateHandoff(values: HandoffValues): HandoffErrors {
  const errors: HandoffErrors = {};
  const intents = parseIntents(values.handoffIntentsText);
  if (intents.length > HANDOFF_INTENTS_MAX) errors.handoffIntentsText = `List at most ${HANDOFF_INTENTS_MAX} intents`;
  else if (intents.some((i) => i.length > INTENT_NAME_MAX)) errors.handoffIntentsText = `Intent names are at most ${INTENT_NAME_MAX} characters`;
  const text = values.fallbacksBeforeHandoff.trim();
  const n = Number(text);
  if (text === '' || !Number.isInteger(n) || n < 0 || n > FALLBACKS_MAX) {
    errors.fallbacksBeforeHandoff = `Enter a whole number from 0 (never) to ${FALLBACKS_MAX}`;
  }
  if (!values.alwaysOpen) {
    const zone = values.timezone.trim();
    if (zone === '') errors.timezone = 'Enter a time zone, e.g. Europe/Berlin';
    else if (!isTimeZone(zone)) errors.timezone = `“${zone}” is not a time zone; use a name like Europe/Berlin`;
    const bad = values.days.map((d) => [d, dayProblem(d)] as const).filter(([, p]) => p);
    if (bad.length > 0) {
      const [row, problem] = bad[0]!;
      errors.days = `${WEEKDAYS.find((w) => w.day === row.day)!.label} ${problem}`;
    }
  }
  return errors;
}

export function handoffEqual(a: HandoffValues, b: HandoffValues): boolean {
  return (
    a.handoffIntentsText === b.handoffIntentsText &&
    a.fallbacksBeforeHandoff === b.fallbacksBeforeHandoff &&
    a.autoAssign === b.autoAssign &&
    a.alwaysOpen === b.alwaysOpen &&
    a.timezone === b.timezone &&
    a.days.length === b.days.length &&
    a.days.every((d, i) => {
      const e = b.days[i]!;
      return d.day === e.day && d.open === e.open && d.from === e.from && d.to === e.to;
    })
  );
}
