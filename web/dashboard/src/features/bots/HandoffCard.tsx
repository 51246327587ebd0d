import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import type { Bot } from '../../api/types';
import type { BotFormValues } from './botForm';
import {
  FALLBACKS_MAX,
  WEEKDAYS,
  dayProblem,
  extraPeriods,
  type DayRow,
  type HandoffErrors,
  type HandoffValues,
} from './handoff';
import './handoff.css';

type Setter = <K extends keyof BotFormValues>(key: K, value: BotFormValues[K]) => void;

function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: 'timeZone') => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** The bot form's "Handoff to a person" section: when and to whom the bot passes a conversation. */
export function HandoffCard({
  values,
  errors,
  set,
  readOnly,
  saved,
}: {
  values: HandoffValues;
  errors: HandoffErrors;
  set: Setter;
  readOnly: boolean;
  /** The bot as saved, for periods beyond a day's first (kept, not edited here). */
  saved: Bot;
}) {
  const setDay = (day: DayRow['day'], change: Partial<DayRow>) =>
    set(
      'days',
      values.days.map((d) => (d.day === day ? { ...d, ...change } : d)),
    );
  const noDayOpen = !values.alwaysOpen && !values.days.some((d) => d.open);

  return (
    <Card
      title="Handoff to a person"
      headingId="handoff-heading"
      description="When the bot passes a conversation to your team."
    >
      <fieldset className="handoff-fields" disabled={readOnly}>
        <Field
          label="Handoff intents"
          error={errors.handoffIntentsText}
          hint={
            <>
              Intent names, separated by commas, that hand the conversation over by themselves, e.g.{' '}
              <code>human_agent, complaint, refund</code>. Visitors who ask for a person or accept the bot’s offer are
              always handed over. Leave empty for only those.
            </>
          }
        >
          {(p) => (
            <Input
              {...p}
              name="handoff_intents"
              className="mono"
              spellCheck={false}
              autoComplete="off"
              placeholder="human_agent"
              value={values.handoffIntentsText}
              onChange={(e) => set('handoffIntentsText', e.target.value)}
            />
          )}
        </Field>

        <Field
          label="Hand off after this many unanswered questions in a row"
          error={errors.fallbacksBeforeHandoff}
          hint={`When the bot has had to give its fallback message this many times running (0–${FALLBACKS_MAX}; 0 = never).`}
        >
          {(p) => (
            <Input
              {...p}
              name="fallbacks_before_handoff"
              type="number"
              inputMode="numeric"
              min={0}
              max={FALLBACKS_MAX}
              step={1}
              className="input-narrow"
              value={values.fallbacksBeforeHandoff}
              onChange={(e) => set('fallbacksBeforeHandoff', e.target.value)}
            />
          )}
        </Field>

        <div className="field">
          <label className="checkbox-row">
            <input
              type="checkbox"
              name="auto_assign"
              checked={values.autoAssign}
              onChange={(e) => set('autoAssign', e.target.checked)}
              aria-describedby="handoff-assign-hint"
            />
            <span>Assign to online agents in turn</span>
          </label>
          <p className="field-hint" id="handoff-assign-hint">
            Each handed-over conversation goes to the next online agent. Otherwise it waits in the inbox for anyone to
            take it.
          </p>
          {errors.autoAssign && <p className="field-error">{errors.autoAssign}</p>}
        </div>

        <fieldset className="field handoff-hours" aria-describedby="handoff-hours-hint">
          <legend className="field-label">Business hours</legend>
          <label className="switch-row">
            <input
              type="checkbox"
              role="switch"
              className="switch"
              name="always_open"
              checked={values.alwaysOpen}
              onChange={(e) => set('alwaysOpen', e.target.checked)}
            />
            Always open
          </label>
          <p className="field-hint" id="handoff-hours-hint">
            Outside these hours, visitors who ask for a person are told the team will answer by email.
          </p>

          {!values.alwaysOpen && (
            <>
              <Field label="Time zone" error={errors.timezone} hint="The hours below are in this time zone.">
                {(p) => (
                  <>
                    <Input
                      {...p}
                      name="timezone"
                      list="handoff-timezones"
                      spellCheck={false}
                      autoComplete="off"
                      placeholder="Europe/Berlin"
                      className="handoff-zone"
                      value={values.timezone}
                      onChange={(e) => set('timezone', e.target.value)}
                    />
                    <datalist id="handoff-timezones">
                      {timeZones().map((z) => (
                        <option key={z} value={z} />
                      ))}
                    </datalist>
                  </>
                )}
              </Field>

              <div className="handoff-days" role="group" aria-label="Opening hours" aria-describedby={errors.days ? 'handoff-days-error' : undefined}>
                {WEEKDAYS.map(({ day, label }) => {
                  const row = values.days.find((d) => d.day === day)!;
                  const invalid = errors.days !== undefined && dayProblem(row) !== undefined ? true : undefined;
                  const more = row.open ? extraPeriods(saved.behaviour.business_hours, day).length : 0;
                  return (
                    <div key={day} className="handoff-day">
                      <label className="checkbox-row">
                        <input type="checkbox" checked={row.open} onChange={(e) => setDay(day, { open: e.target.checked })} />
                        <span>{label}</span>
                      </label>
                      {row.open ? (
                        <span className="handoff-times">
                          <Input
                            type="time"
                            aria-label={`${label} opens`}
                            aria-invalid={invalid}
                            value={row.from}
                            onChange={(e) => setDay(day, { from: e.target.value })}
                          />
                          <span aria-hidden="true">–</span>
                          <Input
                            type="time"
                            aria-label={`${label} closes`}
                            aria-invalid={invalid}
                            value={row.to}
                            onChange={(e) => setDay(day, { to: e.target.value })}
                          />
                          {more > 0 && <span className="field-hint">and {more} more period{more > 1 ? 's' : ''} set through the API</span>}
                        </span>
                      ) : (
                        <span className="handoff-closed">Closed</span>
                      )}
                    </div>
                  );
                })}
              </div>
              {errors.days && (
                <p className="field-error" id="handoff-days-error">
                  {errors.days}
                </p>
              )}
              {noDayOpen && (
                <p className="field-hint" role="note">
                  No day is ticked, so visitors asking for a person are always told the team will answer by email.
                </p>
              )}
              <p className="field-hint">Close at 00:00 to stay open until midnight.</p>
            </>
          )}
        </fieldset>
      </fieldset>
    </Card>
  );
}
