import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import type { Analysis } from '../../api/insight';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Textarea } from '../../ui/Input';
import { IntentChips, SentimentBadge } from '../../ui/insight/InsightBadges';
import { LeadFieldList } from '../../ui/insight/LeadPanel';

/**
 * Runs a sample visitor message through the bot's analysis, so an owner can
 * tune phrases and patterns against real wording before visitors send it.
 * The server uses the saved intents, hence the note while there are unsaved edits.
 */
export function TryMessage({ botId, unsaved, threshold }: { botId: string; unsaved: boolean; threshold: number }) {
  const api = useApi();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Analysis | null>(null);

  const run = async (event: FormEvent) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.intents.analyze(botId, body));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Try a message" headingId="try-heading" description="What the bot detects in a visitor message: intents, sentiment and lead details.">
      <form className="try-form" onSubmit={run} aria-labelledby="try-heading">
        <Textarea
          aria-label="Message to analyze"
          rows={3}
          placeholder="We need 40 kayaks for a school trip next month"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {unsaved && <p className="field-hint">Uses the saved intents: save to try your changes.</p>}
        <div className="try-actions">
          <Button type="submit" size="sm" loading={busy} disabled={!text.trim()}>
            Analyze
          </Button>
        </div>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
      {result && <AnalysisView result={result} threshold={threshold} />}
    </Card>
  );
}

function AnalysisView({ result, threshold }: { result: Analysis; threshold: number }) {
  return (
    <div className="analysis" aria-label="Analysis" role="region" aria-live="polite">
      <div className="analysis-row">
        <span className="analysis-label">Sentiment</span>
        <SentimentBadge label={result.sentiment.label} score={result.sentiment.score} />
      </div>
      <div className="analysis-row">
        <span className="analysis-label">Intents</span>
        {result.intents.length > 0 ? (
          <IntentChips intents={result.intents} threshold={threshold} showConfidence />
        ) : (
          <span className="muted small">None detected</span>
        )}
      </div>
      <LeadFieldList fields={result.fields} />
    </div>
  );
}
