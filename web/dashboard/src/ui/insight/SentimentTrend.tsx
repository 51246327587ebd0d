import type { ConversationSentiment } from '../../api/insight';
import { TREND_ARROW, formatScore, labelOf, sparkline, trendSummary } from './insight';

const WIDTH = 168;
const HEIGHT = 44;
const PAD = 5;

/**
 * The conversation's mood: a sparkline of each visitor message's score (an
 * inline SVG, so no chart library) with the server's first/last/rolling average
 * and trend as text. The line comes from the messages so it follows live ones;
 * the numbers are the server's fold, the same the list's dot shows.
 */
export function SentimentTrend({ scores, sentiment }: { scores: readonly number[]; sentiment: ConversationSentiment }) {
  const line = sparkline(scores, WIDTH, HEIGHT, PAD);
  if (!line || sentiment.count === 0) {
    return <p className="muted small">No visitor messages scored yet.</p>;
  }
  return (
    <div className="sentiment-trend">
      <svg
        className="sparkline"
        role="img"
        aria-label={trendSummary(sentiment)}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
      >
        <line className="sparkline-zero" x1={0} x2={WIDTH} y1={line.zeroY} y2={line.zeroY} />
        {line.points.length > 1 && <path className="sparkline-line" d={line.path} />}
        {line.points.map((p, i) => (
          <circle key={i} className={`sparkline-point sentiment-${labelOf(scores[i] ?? 0)}`} cx={p.x} cy={p.y} r={2.75} />
        ))}
      </svg>
      <dl className="trend-stats">
        <div>
          <dt>First</dt>
          <dd>{formatScore(sentiment.first)}</dd>
        </div>
        <div>
          <dt>Last</dt>
          <dd>{formatScore(sentiment.last)}</dd>
        </div>
        <div>
          <dt title="Weighted towards recent messages">Average</dt>
          <dd>{formatScore(sentiment.average)}</dd>
        </div>
        <div>
          <dt>Trend</dt>
          <dd className={`trend trend-${sentiment.trend}`}>
            <span aria-hidden="true">{TREND_ARROW[sentiment.trend]}</span> {sentiment.trend}
          </dd>
        </div>
      </dl>
    </div>
  );
}
