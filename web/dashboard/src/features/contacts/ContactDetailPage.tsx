import { useApi } from '../../api/context';
import { ApiError } from '../../api/errors';
import { Link } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Card } from '../../ui/Card';
import { formatDateTime, formatRelative } from '../../ui/format';
import { LeadPanel } from '../../ui/insight/LeadPanel';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { contactLabel, stageLabel } from './contacts';
import type { ContactConversation, ContactDetail } from './contract';
import './contacts.css';

function BackLink() {
  return (
    <Link to="/contacts" className="back-link" aria-label="Back to Contacts">
      <span aria-hidden="true">←</span> Contacts
    </Link>
  );
}

/** /contacts/:id: who the contact is, why they scored what they did, and their conversations. */
export function ContactDetailPage({ id }: { id: string }) {
  const api = useApi();
  const detail = useResource(() => api.send<ContactDetail>('GET', `/api/v1/contacts/${encodeURIComponent(id)}`), `contact:${id}`);

  if (detail.error !== undefined && detail.data === undefined) {
    const notFound = detail.error instanceof ApiError && detail.error.status === 404;
    return (
      <>
        <PageHeader title={notFound ? 'Contact not found' : 'Contact'} back={<BackLink />} />
        {notFound ? (
          <p className="muted">This contact does not exist, or its visitor was deleted with their bot.</p>
        ) : (
          <LoadError error={detail.error} onRetry={detail.reload} />
        )}
      </>
    );
  }
  if (detail.data === undefined) return <Loading label="Loading contact" />;

  const { contact, signals, conversations } = detail.data;
  const label = contactLabel(contact);
  return (
    <>
      <PageHeader
        back={<BackLink />}
        title={label}
        description={
          <>
            Last seen <time dateTime={contact.last_seen_at} title={formatDateTime(contact.last_seen_at)}>{formatRelative(contact.last_seen_at)}</time>
            {' · '}
            {contact.conversations} conversation{contact.conversations === 1 ? '' : 's'}
          </>
        }
      />
      <div className="detail-grid">
        <div className="contact-main">
          <Card title="Conversations" headingId="contact-conversations-heading" description="Newest first. Open one to read it in the inbox.">
            {conversations.length === 0 ? (
              <p className="muted small">No conversations to show.</p>
            ) : (
              <ul className="contact-conversations" aria-label="Conversations">
                {conversations.map((c) => (
                  <li key={c.id}>
                    <ConversationLink conversation={c} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
        <aside className="contact-side" aria-label="About this contact">
          <Card title="Details" headingId="contact-details-heading">
            <dl className="contact-facts">
              <div>
                <dt>Email</dt>
                <dd>{contact.email ? <a href={`mailto:${contact.email}`}>{contact.email}</a> : <span className="muted">Not given</span>}</dd>
              </div>
              <div>
                <dt>Name</dt>
                <dd>{contact.name || <span className="muted">Not given</span>}</dd>
              </div>
              <div>
                <dt>Company</dt>
                <dd>{contact.company || <span className="muted">Not given</span>}</dd>
              </div>
              <div>
                <dt>Stage</dt>
                <dd>{stageLabel(contact.stage)}</dd>
              </div>
            </dl>
          </Card>
          <Card title="Lead" headingId="contact-lead-heading" description="The signals behind the score, each with the words that earned it.">
            <LeadPanel
              lead={{ score: contact.lead_score, priority: contact.lead_priority, breakdown: signals, qualified_fired: false, fields: {} }}
            />
          </Card>
        </aside>
      </div>
    </>
  );
}

function ConversationLink({ conversation: c }: { conversation: ContactConversation }) {
  const when = c.last_message_at ?? c.created_at;
  return (
    <Link to={`/inbox/${encodeURIComponent(c.id)}`} className="contact-conversation">
      <span className="contact-conversation-top">
        <span className="contact-conversation-preview">{c.preview?.trim() || 'No messages yet'}</span>
        <time dateTime={when} title={formatDateTime(when)} className="contact-conversation-time">
          {formatRelative(when)}
        </time>
      </span>
      <span className="contact-conversation-meta">
        <Badge tone={c.status === 'open' ? 'success' : 'neutral'}>{c.status === 'open' ? 'Open' : 'Resolved'}</Badge>
        {c.human_handoff && <Badge tone="info">With a person</Badge>}
        <span>
          {c.message_count} message{c.message_count === 1 ? '' : 's'}
        </span>
      </span>
    </Link>
  );
}
