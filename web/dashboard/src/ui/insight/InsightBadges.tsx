// Small insight marks: a message's sentiment and intents, a conversation's
// sentiment dot and lead priority. Colour is never the only carrier: each has
// text (visible or for screen readers) saying the same.
import type { IntentMatch, Priority, SentimentLabel } from '../../api/insight';
import { Badge } from '../Badge';
import { INTENT_THRESHOLD, PRIORITY_LABEL, formatScore, intentLabel, intentTitle, labelOf, sentimentText } from './insight';

const LABEL_TEXT: Record<SentimentLabel, string> = { positive: 'Positive', neutral: 'Neutral', negative: 'Negative' };

/** A visitor message's sentiment: label and score, coloured by label. */
export function SentimentBadge({ label, score }: { label: SentimentLabel; score: number }) {
  const text = sentimentText(label, score);
  return (
    <span className={`sentiment-badge sentiment-${label}`} title={text}>
      <span className="sr-only">{text}</span>
      <span aria-hidden="true">
        {LABEL_TEXT[label]} <span className="sentiment-score">{formatScore(score)}</span>
      </span>
    </span>
  );
}

/**
 * A conversation's sentiment as a word ("Negative", "Neutral", "Positive"), coloured by
 * label, with the score on hover and for screen readers.
 */
export function SentimentLabelBadge({ label, score }: { label: SentimentLabel; score: number | null }) {
  const title = score === null ? `Sentiment: ${label}` : sentimentText(label, score);
  return (
    <span className={`sentiment-badge sentiment-${label}`} title={title}>
      {LABEL_TEXT[label]}
      {score !== null && <span className="sr-only"> sentiment, score {formatScore(score)}</span>}
    </span>
  );
}

/** The conversation's rolling sentiment as a dot for list rows; nothing before any visitor message. */
export function SentimentDot({ score }: { score: number | null }) {
  if (score === null) return null;
  const label = labelOf(score);
  const text = sentimentText(label, score);
  return <span className={`sentiment-dot sentiment-${label}`} role="img" aria-label={text} title={text} />;
}

/**
 * Intents found in a message, most confident first; weak matches are dimmed, not hidden.
 * Confidence is in the tooltip, or shown when tuning (`showConfidence`).
 */
export function IntentChips({
  intents,
  threshold = INTENT_THRESHOLD,
  showConfidence = false,
}: {
  intents: readonly IntentMatch[];
  /** The bot's detection threshold, where known; the server's default otherwise. */
  threshold?: number;
  showConfidence?: boolean;
}) {
  if (intents.length === 0) return null;
  return (
    <ul className="intent-chips" aria-label="Intents">
      {intents.map((m) => (
        <li
          key={m.intent}
          className={m.confidence >= threshold ? 'intent-chip' : 'intent-chip intent-chip-weak'}
          title={intentTitle(m, threshold)}
        >
          {intentLabel(m.intent)}
          <span className={showConfidence ? 'intent-confidence' : 'sr-only'}> {Math.round(m.confidence * 100)}%</span>
        </li>
      ))}
    </ul>
  );
}

const PRIORITY_TONE = { hot: 'danger', warm: 'warning', cold: 'neutral' } as const;

/** A lead's priority, with its score where there is room ("Hot lead · 72"). */
export function PriorityBadge({ priority, score }: { priority: Priority; score?: number }) {
  return (
    <Badge tone={PRIORITY_TONE[priority]}>
      {PRIORITY_LABEL[priority]}
      {score !== undefined && ` · ${score}`}
    </Badge>
  );
}
