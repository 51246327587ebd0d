import type { LeadFields, LeadState } from '../../api/insight';
import { Badge } from '../Badge';
import { breakdownTotal, formatPoints, leadFieldRows, signalLabel } from './insight';
import { PriorityBadge } from './InsightBadges';

/**
 * The conversation's lead: score with its bar and priority, the signals that
 * make it up (each with the words that earned it, so an agent can trust or
 * dismiss the score) and the contact and order details the visitor stated.
 */
export function LeadPanel({ lead }: { lead: LeadState }) {
  return (
    <div className="lead-panel">
      <div className="lead-score-row">
        <span className="lead-score">
          <strong>{lead.score}</strong>
          <span className="lead-score-max">/100</span>
        </span>
        <PriorityBadge priority={lead.priority} />
        {lead.qualified_fired && <Badge tone="success">Qualified</Badge>}
      </div>
      <div
        className={`lead-bar lead-bar-${lead.priority}`}
        role="meter"
        aria-label="Lead score"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={lead.score}
      >
        <span className="lead-bar-fill" style={{ width: `${Math.min(100, Math.max(0, lead.score))}%` }} />
      </div>

      {lead.breakdown.length === 0 ? (
        <p className="muted small">No buying signals yet.</p>
      ) : (
        <table className="lead-breakdown">
          <caption className="sr-only">Lead score breakdown</caption>
          <thead className="sr-only">
            <tr>
              <th scope="col">Signal</th>
              <th scope="col">Points</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {lead.breakdown.map((s) => (
              <tr key={s.name}>
                <th scope="row">{signalLabel(s.name)}</th>
                <td className={s.points < 0 ? 'lead-points lead-points-negative' : 'lead-points'}>{formatPoints(s.points)}</td>
                <td className="lead-evidence">{s.evidence}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td className="lead-points">{breakdownTotal(lead.breakdown)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}

      <LeadFieldList fields={lead.fields} />
    </div>
  );
}

/** The contact and order details stated, as a definition list; nothing when none were. */
export function LeadFieldList({ fields }: { fields: LeadFields }) {
  const rows = leadFieldRows(fields);
  if (rows.length === 0) return null;
  return (
    <dl className="lead-fields" aria-label="Lead details">
      {rows.map((f) => (
        <div key={f.label}>
          <dt>{f.label}</dt>
          <dd>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}
