// The contacts list's filters: read from and written to the page's address (so a
// filtered list survives a visit to a contact and back), sent as the API's query, and
// carried by the CSV export's link. Pure, so it is tested without rendering.
import type { Priority } from '../../api/insight';
import type { Contact } from './contract';

export type LeadFilter = '' | Priority;

export interface ContactFilters {
  /** Words to find in the email, name or company. */
  q: string;
  lead: LeadFilter;
  stage: string;
}

export const NO_FILTERS: ContactFilters = { q: '', lead: '', stage: '' };

/** The lead stages workflows set ("Set lead stage"). */
export const STAGES = ['new', 'qualified', 'contacted', 'won', 'lost'] as const;

export const LEADS: readonly Priority[] = ['hot', 'warm', 'cold'];

export const PAGE_SIZE = 50;

export const EXPORT_PATH = '/api/v1/contacts/export.csv';

/** The filters in a page address's query; anything unknown reads as no filter. */
export function filtersFromSearch(search: URLSearchParams): ContactFilters {
  const lead = search.get('lead') ?? '';
  return {
    q: (search.get('q') ?? '').trim(),
    lead: (LEADS as readonly string[]).includes(lead) ? (lead as Priority) : '',
    stage: (search.get('stage') ?? '').trim(),
  };
}

/** The API's query for the filters: trimmed, empty ones left out. */
export function filterParams(filters: ContactFilters): Record<string, string> {
  const out: Record<string, string> = {};
  const q = filters.q.trim();
  const stage = filters.stage.trim();
  if (q) out.q = q;
  if (filters.lead) out.lead = filters.lead;
  if (stage) out.stage = stage;
  return out;
}

/** "?q=acme&lead=hot", or "" without filters: for the page's address and the export link. */
export function filtersToSearch(filters: ContactFilters): string {
  const query = new URLSearchParams(filterParams(filters)).toString();
  return query ? `?${query}` : '';
}

export function hasFilters(filters: ContactFilters): boolean {
  return Object.keys(filterParams(filters)).length > 0;
}

/** The query of GET /api/v1/contacts for one page: the filters, the page size and where the page starts. */
export function contactsQuery(filters: ContactFilters, before?: string | null): Record<string, string | number> {
  return { ...filterParams(filters), limit: PAGE_SIZE, ...(before ? { before } : {}) };
}

/** The CSV export of the contacts the filters select (a plain link: the session cookie goes with it). */
export function exportCsvHref(filters: ContactFilters): string {
  return `${EXPORT_PATH}${filtersToSearch(filters)}`;
}

/** What to call a contact: the name, else the email, else who they are not. */
export function contactLabel(contact: Pick<Contact, 'name' | 'email'>): string {
  return contact.name?.trim() || contact.email?.trim() || 'Unnamed visitor';
}

/** "Qualified" for "qualified"; "—" for none. */
export function stageLabel(stage: string | null | undefined): string {
  const s = stage?.trim();
  if (!s) return '—';
  return s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');
}
