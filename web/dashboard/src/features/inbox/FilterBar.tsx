import { useEffect, useId, useRef, useState, type InputHTMLAttributes } from 'react';
import type { Bot } from '../../api/types';
import { Link } from '../../lib/router';
import { Button } from '../../ui/Button';
import { Input, Select } from '../../ui/Input';
import { intentLabel } from '../../ui/insight/insight';
import type { Counts, Sort } from './contract';
import { DEFAULT_FILTERS, SORTS, VIEWS, effectiveSort, inboxPath, isFiltered, type InboxFilters, type StatusFilter } from './filters';

const STATUS_OPTIONS: Array<{ value: StatusFilter; label: string }> = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
];

/** The built-in intents (parley-domain's insight::intent::names), offered in the intent filter. */
const BUILTIN_INTENTS = [
  'human_agent',
  'complaint',
  'refund',
  'return_request',
  'cancellation',
  'order_status',
  'pricing',
  'demo_request',
  'enterprise_inquiry',
  'bulk_order',
] as const;

/** The views as links (so each can be opened in a new tab or shared), with their counts of open conversations. */
export function ViewTabs({ filters, counts, conversationId }: { filters: InboxFilters; counts: Counts | undefined; conversationId: string | undefined }) {
  return (
    <nav className="inbox-views" aria-label="Views">
      <ul>
        {VIEWS.map((v) => {
          const on = filters.view === v.value;
          const count = counts?.[v.value];
          return (
            <li key={v.value}>
              <Link
                to={inboxPath({ ...filters, view: v.value }, conversationId)}
                className={on ? 'inbox-view inbox-view-on' : 'inbox-view'}
                aria-current={on ? 'page' : undefined}
              >
                <span>{v.label}</span>
                {count !== undefined && (
                  <span className={v.value === 'waiting' && count > 0 ? 'view-count view-count-alert' : 'view-count'}>
                    <span className="sr-only">: </span>
                    {count}
                    <span className="sr-only"> open</span>
                  </span>
                )}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/**
 * A text field that applies what was typed a moment after typing stops (or on Enter), and
 * follows the value when it changes from outside (the back button, Reset).
 */
function LazyInput({
  value,
  onCommit,
  delayMs = 300,
  ...rest
}: { value: string; onCommit: (value: string) => void; delayMs?: number } & Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'>) {
  const [draft, setDraft] = useState(value);
  const commitRef = useRef(onCommit);
  commitRef.current = onCommit;
  const valueRef = useRef(value);
  valueRef.current = value;
  // Outside changes win; our own commit comes back equal (give or take spaces at the ends).
  useEffect(() => {
    setDraft((d) => (d.trim() === value.trim() ? d : value));
  }, [value]);
  useEffect(() => {
    if (draft.trim() === valueRef.current.trim()) return;
    const t = setTimeout(() => commitRef.current(draft), delayMs);
    return () => clearTimeout(t);
  }, [draft, delayMs]);
  return (
    <Input
      {...rest}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          if (draft.trim() !== value.trim()) onCommit(draft);
        }
      }}
    />
  );
}

export function FilterBar({
  filters,
  counts,
  bots,
  rangeError,
  onChange,
}: {
  filters: InboxFilters;
  counts: Counts | undefined;
  bots: readonly Bot[];
  rangeError: string | null;
  onChange: (change: Partial<InboxFilters>) => void;
}) {
  const intentsId = useId();
  const withCount = (label: string, n: number | undefined) => (n === undefined ? label : `${label} (${n})`);
  return (
    <>
      <form className="inbox-filters" role="search" aria-label="Filter conversations" onSubmit={(e) => e.preventDefault()}>
        <Select aria-label="Bot" value={filters.botId} onChange={(e) => onChange({ botId: e.target.value })} className="filter-bot">
          <option value="">All bots</option>
          {bots.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </Select>
        <fieldset className="segmented" aria-label="Status">
          {STATUS_OPTIONS.map((o) => (
            <label key={o.value} className={filters.status === o.value ? 'segment segment-on' : 'segment'}>
              <input type="radio" name="status" value={o.value} checked={filters.status === o.value} onChange={() => onChange({ status: o.value })} />
              {o.label}
            </label>
          ))}
        </fieldset>
        <LazyInput
          type="search"
          aria-label="Search conversations"
          placeholder="Search messages or email"
          value={filters.q}
          onCommit={(q) => onChange({ q })}
          className="filter-search"
        />
        <label className="filter-date">
          <span>From</span>
          <Input
            type="date"
            value={filters.from}
            max={filters.to || undefined}
            onChange={(e) => onChange({ from: e.target.value })}
            aria-invalid={rangeError ? true : undefined}
          />
        </label>
        <label className="filter-date">
          <span>To</span>
          <Input
            type="date"
            value={filters.to}
            min={filters.from || undefined}
            onChange={(e) => onChange({ to: e.target.value })}
            aria-invalid={rangeError ? true : undefined}
          />
        </label>
      </form>
      <div className="inbox-filters inbox-filters-more" role="group" aria-label="More filters">
        <button
          type="button"
          className={filters.sentiment ? 'filter-chip filter-chip-on' : 'filter-chip'}
          aria-pressed={filters.sentiment === 'negative'}
          onClick={() => onChange({ sentiment: filters.sentiment ? '' : 'negative' })}
        >
          {withCount('Negative sentiment', counts?.negative)}
        </button>
        <Select aria-label="Lead" value={filters.lead} onChange={(e) => onChange({ lead: e.target.value as InboxFilters['lead'] })} className="filter-lead">
          <option value="">Any lead</option>
          <option value="hot">{withCount('Hot leads', counts?.hot)}</option>
          <option value="warm">{withCount('Warm leads', counts?.warm)}</option>
        </Select>
        <LazyInput
          aria-label="Intent"
          placeholder="Intent, e.g. refund"
          list={intentsId}
          value={filters.intent}
          onCommit={(intent) => onChange({ intent: intent.trim().toLowerCase().replace(/\s+/g, '_') })}
          className="filter-intent"
        />
        <datalist id={intentsId}>
          {BUILTIN_INTENTS.map((name) => (
            <option key={name} value={name}>
              {intentLabel(name)}
            </option>
          ))}
        </datalist>
        <LazyInput aria-label="Tag" placeholder="Tag" value={filters.tag} onCommit={(tag) => onChange({ tag: tag.trim() })} className="filter-tag" />
        <label className="filter-sort">
          <span>Sort</span>
          <Select
            value={effectiveSort(filters)}
            onChange={(e) => {
              const sort = e.target.value as Sort;
              // The view's own order is left out of the address.
              onChange({ sort: sort === effectiveSort({ view: filters.view, sort: '' }) ? '' : sort });
            }}
          >
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </Select>
        </label>
        {isFiltered(filters) && (
          <Button size="sm" variant="ghost" onClick={() => onChange({ ...DEFAULT_FILTERS, view: filters.view })}>
            Reset filters
          </Button>
        )}
      </div>
      {rangeError && (
        <p className="form-error filter-error" role="alert">
          {rangeError}
        </p>
      )}
    </>
  );
}
