import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { MAX_POINTS, type DraftErrors, type IntentDraft } from './intents';

/** One custom intent's fields; a fieldset named after the intent so each group reads on its own. */
export function IntentFields({
  draft,
  errors,
  readOnly,
  onChange,
  onRemove,
}: {
  draft: IntentDraft;
  errors: DraftErrors;
  readOnly: boolean;
  onChange: (patch: Partial<IntentDraft>) => void;
  onRemove: () => void;
}) {
  const title = draft.name.trim() || 'New intent';
  return (
    <fieldset className="intent-item">
      <legend className="intent-legend">{title}</legend>
      <div className="intent-top">
        <Field label="Name" error={errors.name} className="intent-name">
          {(p) => (
            <Input
              {...p}
              className="mono"
              value={draft.name}
              readOnly={readOnly}
              spellCheck={false}
              autoComplete="off"
              placeholder="rent_kayak"
              onChange={(e) => onChange({ name: e.target.value })}
            />
          )}
        </Field>
        <Field label="Lead points" error={errors.leadPoints} className="intent-points">
          {(p) => (
            <Input
              {...p}
              type="number"
              inputMode="numeric"
              min={-MAX_POINTS}
              max={MAX_POINTS}
              step={1}
              value={draft.leadPoints}
              readOnly={readOnly}
              onChange={(e) => onChange({ leadPoints: e.target.value })}
            />
          )}
        </Field>
        {!readOnly && (
          <Button size="sm" variant="ghost" className="btn-danger-text intent-remove" aria-label={`Remove intent ${title}`} onClick={onRemove}>
            Remove
          </Button>
        )}
      </div>
      <div className="intent-cues">
        <Field label="Phrases" error={errors.phrases} hint="One per line; whole words, any case.">
          {(p) => (
            <Textarea
              {...p}
              rows={4}
              value={draft.phrases}
              readOnly={readOnly}
              placeholder={'rent a kayak\nkayak rental'}
              onChange={(e) => onChange({ phrases: e.target.value })}
            />
          )}
        </Field>
        <Field
          label="Patterns"
          error={errors.patterns}
          hint={
            <>
              One per line; <code>*</code> is up to three words, <code>#</code> a number.
            </>
          }
        >
          {(p) => (
            <Textarea
              {...p}
              rows={4}
              className="mono"
              value={draft.patterns}
              readOnly={readOnly}
              spellCheck={false}
              placeholder={'rent * kayaks\n# kayaks'}
              onChange={(e) => onChange({ patterns: e.target.value })}
            />
          )}
        </Field>
      </div>
    </fieldset>
  );
}
