import { useApi } from '../../api/context';
import type { components } from '../../api/schema';
import { Link } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { formatRelative } from '../../ui/format';
import { eventLabel } from '../../lib/workflowEvents';

type ExecutionList = components['schemas']['ExecutionList'];

const STATUS_WORDS: Record<string, string> = {
  running: 'running',
  waiting: 'waiting',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  filtered: 'filtered out',
};

/** The automations this conversation's events started, newest first, with links to their logs. */
export function ConversationRuns({ conversationId, now }: { conversationId: string; now: number }) {
  const api = useApi();
  const runs = useResource(
    () => api.send<ExecutionList>('GET', '/api/v1/executions', { query: { conversation_id: conversationId, limit: '5' } }),
    `conversation-runs:${conversationId}`,
  );
  const items = runs.data?.items ?? [];
  return (
    <section className="insight-block" aria-labelledby="runs-heading">
      <h3 className="insight-title" id="runs-heading">
        Automations
      </h3>
      {runs.data === undefined ? (
        <p className="muted small">{runs.error === undefined ? 'Looking for workflow runs…' : 'Could not load the workflow runs.'}</p>
      ) : items.length === 0 ? (
        <p className="muted small">No workflow has run for this conversation</p>
      ) : (
        <ul className="inbox-contact-list" aria-label="Workflow runs">
          {items.map((x) => (
            <li key={x.id}>
              <Link to={`/workflows/executions/${encodeURIComponent(x.id)}`}>{eventLabel(x.event_name)}</Link>{' '}
              <span className="muted small">
                {STATUS_WORDS[x.status] ?? x.status} · {formatRelative(x.created_at, now)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {items.length > 0 && (
        <Link to={`/workflows/executions?conversation=${encodeURIComponent(conversationId)}`} className="small">
          All runs for this conversation
        </Link>
      )}
    </section>
  );
}
