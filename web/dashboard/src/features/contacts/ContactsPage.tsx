import { useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link, navigate, useLocation } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { Input, Select } from '../../ui/Input';
import { PriorityBadge } from '../../ui/insight/InsightBadges';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import {
  LEADS,
  NO_FILTERS,
  STAGES,
  contactLabel,
  contactsQuery,
  exportCsvHref,
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
  stageLabel,
  type ContactFilters,
  type LeadFilter,
} from './contacts';
import type { Contact, ContactList } from './contract';
import './contacts.css';

const LEAD_LABEL: Record<string, string> = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };

/** /contacts: visitors who gave an email or a name, or showed buying signals. */
export function ContactsPage() {
  const api = useApi();
  const { search } = useLocation();
  const filters = filtersFromSearch(search);
  const key = filtersToSearch(filters);
  const list = useResource(() => api.send<ContactList>('GET', '/api/v1/contacts', { query: contactsQuery(filters) }), `contacts${key}`);
  const [text, setText] = useState(filters.q);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });

  // The address changed (back, forward, a link): the search box follows it.
  useEffect(() => setText(filters.q), [filters.q]);

  const apply = (next: ContactFilters) => navigate(`/contacts${filtersToSearch(next)}`, { replace: true });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply({ ...filters, q: text });
  };

  const loadMore = async () => {
    const page = list.latest();
    if (!page?.next_before || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const next = await api.send<ContactList>('GET', '/api/v1/contacts', { query: contactsQuery(filters, page.next_before) });
      const current = list.latest() ?? page;
      const seen = new Set(current.items.map((c) => c.id));
      list.setData({ items: [...current.items, ...next.items.filter((c) => !seen.has(c.id))], next_before: next.next_before });
      setMore({ busy: false, error: null });
    } catch (e) {
      setMore({ busy: false, error: errorMessage(e) });
    }
  };

  const filtered = hasFilters(filters);

  return (
    <>
      <PageHeader
        title="Contacts"
        description="Visitors who gave an email or a name, or showed buying signals, with their lead score."
        actions={
          <a
            className="btn btn-secondary"
            href={exportCsvHref(filters)}
            download
            title={filtered ? 'Download the contacts these filters select as a CSV file' : 'Download every contact as a CSV file'}
          >
            Export CSV
          </a>
        }
      />

      <form className="contacts-filters" role="search" aria-label="Filter contacts" onSubmit={submit}>
        <Input
          type="search"
          aria-label="Search contacts"
          className="contacts-search"
          placeholder="Search email, name or company"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit">Search</Button>
        <Select
          aria-label="Lead"
          className="contacts-select"
          value={filters.lead}
          onChange={(e) => apply({ ...filters, lead: e.target.value as LeadFilter })}
        >
          <option value="">Any lead</option>
          {LEADS.map((lead) => (
            <option key={lead} value={lead}>
              {LEAD_LABEL[lead]}
            </option>
          ))}
        </Select>
        <Select aria-label="Stage" className="contacts-select" value={filters.stage} onChange={(e) => apply({ ...filters, stage: e.target.value })}>
          <option value="">Any stage</option>
          {STAGES.map((stage) => (
            <option key={stage} value={stage}>
              {stageLabel(stage)}
            </option>
          ))}
          {filters.stage && !(STAGES as readonly string[]).includes(filters.stage) && <option value={filters.stage}>{stageLabel(filters.stage)}</option>}
        </Select>
        {filtered && (
          <Button variant="ghost" onClick={() => apply(NO_FILTERS)}>
            Clear filters
          </Button>
        )}
      </form>

      {list.error !== undefined && list.data === undefined ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <Loading label="Loading contacts" />
      ) : (
        <>
          <Table<Contact>
            label="Contacts"
            rows={list.data.items}
            rowKey={(c) => c.id}
            empty={
              filtered ? (
                <div className="empty-state">
                  <p className="empty-title">No contacts match these filters</p>
                  <p className="empty-text">Try other words, or another lead or stage.</p>
                  <Button onClick={() => apply(NO_FILTERS)}>Clear filters</Button>
                </div>
              ) : (
                <div className="empty-state">
                  <p className="empty-title">No contacts yet</p>
                  <p className="empty-text">
                    Visitors become contacts when they give an email or a name in the chat, or show buying signals (a lead score
                    above 0). They appear here with their score and conversations.
                  </p>
                  <Link to="/inbox">Go to the inbox</Link>
                </div>
              )
            }
            columns={[
              {
                key: 'contact',
                header: 'Contact',
                render: (c) => (
                  <div className="contact-cell">
                    <Link to={`/contacts/${encodeURIComponent(c.id)}`} className="table-link">
                      {contactLabel(c)}
                    </Link>
                    {c.name?.trim() && c.email && <span className="contact-email">{c.email}</span>}
                  </div>
                ),
              },
              { key: 'company', header: 'Company', render: (c) => c.company || <span className="muted">—</span> },
              { key: 'lead', header: 'Lead score', render: (c) => <PriorityBadge priority={c.lead_priority} score={c.lead_score} /> },
              { key: 'stage', header: 'Stage', render: (c) => (c.stage ? stageLabel(c.stage) : <span className="muted">—</span>) },
              { key: 'conversations', header: 'Conversations', className: 'cell-num', render: (c) => c.conversations },
              {
                key: 'seen',
                header: 'Last seen',
                render: (c) => (
                  <time dateTime={c.last_seen_at} title={formatDateTime(c.last_seen_at)}>
                    {formatRelative(c.last_seen_at)}
                  </time>
                ),
              },
            ]}
          />
          {list.data.next_before && (
            <div className="contacts-more">
              <Button onClick={() => void loadMore()} loading={more.busy}>
                Load more
              </Button>
              {more.error && (
                <p className="form-error" role="alert">
                  Could not load more contacts: {more.error}
                </p>
              )}
            </div>
          )}
        </>
      )}
    </>
  );
}
