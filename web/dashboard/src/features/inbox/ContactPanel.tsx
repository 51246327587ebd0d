import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link, useLocation } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { contactKey, contactOrNull, otherConversations, visitorIdentity } from './contact';
import type { Summary } from './contract';
import { inboxPath, parseFilters } from './filters';
import { inboxApi } from './inboxApi';

/** Who the visitor is when known, a link to their contact page, and their other conversations. */
export function ContactPanel({ conversation: c, now }: { conversation: Summary; now: number }) {
  const api = useApi();
  const { search } = useLocation();
  const resource = useResource(() => contactOrNull(() => inboxApi(api).contact(c.visitor_id)), contactKey(c));
  const contact = resource.data;
  const identity = visitorIdentity(contact?.contact, c);
  const others = contact ? otherConversations(contact, c.id) : [];

  return (
    <section className="insight-block inbox-contact" aria-labelledby="contact-heading">
      <div className="inbox-contact-head">
        <h3 className="insight-title" id="contact-heading">
          Contact
        </h3>
        {contact && (
          <Link to={`/contacts/${encodeURIComponent(c.visitor_id)}`} className="inbox-contact-link">
            Open contact page
          </Link>
        )}
      </div>
      {identity ? (
        <dl className="inbox-contact-facts">
          {identity.name && (
            <div>
              <dt>Name</dt>
              <dd>{identity.name}</dd>
            </div>
          )}
          {identity.email && (
            <div>
              <dt>Email</dt>
              <dd>
                <a href={`mailto:${identity.email}`}>{identity.email}</a>
              </dd>
            </div>
          )}
          {identity.company && (
            <div>
              <dt>Company</dt>
              <dd>{identity.company}</dd>
            </div>
          )}
        </dl>
      ) : (
        <p className="muted small">Anonymous visitor — no email or name yet</p>
      )}
      {resource.error !== undefined && contact === undefined ? (
        <div className="inbox-contact-error" role="alert">
          <p className="small">Could not load this visitor’s other conversations. {errorMessage(resource.error)}</p>
          <Button size="sm" variant="ghost" onClick={() => void resource.reload()}>
            Try again
          </Button>
        </div>
      ) : contact === undefined ? (
        <p className="muted small" role="status">
          Looking up this visitor…
        </p>
      ) : (
        contact && (
          <div className="inbox-contact-others">
            <h4 className="inbox-contact-subtitle">Other conversations</h4>
            {others.length === 0 ? (
              <p className="muted small">No other conversations</p>
            ) : (
              <ul className="inbox-contact-list" aria-label="Other conversations">
                {others.map((o) => (
                  <li key={o.id}>
                    <Link to={inboxPath(parseFilters(search), o.id)} className="inbox-contact-conversation">
                      <span className="inbox-contact-preview">{o.preview.trim() || 'No messages yet'}</span>
                      <span className="inbox-contact-meta">
                        {o.status === 'resolved' ? 'Resolved' : 'Open'} ·{' '}
                        <time dateTime={o.last_message_at} title={formatDateTime(o.last_message_at)}>
                          {formatRelative(o.last_message_at, now)}
                        </time>
                      </span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )
      )}
    </section>
  );
}
