import { describe, expect, it } from 'vitest';
import {
  NO_FILTERS,
  PAGE_SIZE,
  contactLabel,
  contactsQuery,
  exportCsvHref,
  filtersFromSearch,
  filtersToSearch,
  hasFilters,
  stageLabel,
} from './contacts';

describe('the CSV export link', () => {
  it('is the export path alone without filters', () => {
    expect(exportCsvHref(NO_FILTERS)).toBe('/api/v1/contacts/export.csv');
  });

  it('carries the current filters, encoded and trimmed', () => {
    expect(exportCsvHref({ q: ' acme & co ', lead: 'hot', stage: 'qualified' })).toBe(
      '/api/v1/contacts/export.csv?q=acme+%26+co&lead=hot&stage=qualified',
    );
    expect(exportCsvHref({ q: '  ', lead: 'warm', stage: '' })).toBe('/api/v1/contacts/export.csv?lead=warm');
  });

  it('never carries the page position', () => {
    expect(exportCsvHref({ q: 'jo', lead: '', stage: '' })).not.toContain('before');
  });
});

describe('filters in the address', () => {
  it('round-trip', () => {
    const filters = { q: 'jo@acme.com', lead: 'cold' as const, stage: 'won' };
    expect(filtersFromSearch(new URLSearchParams(filtersToSearch(filters)))).toEqual(filters);
    expect(filtersToSearch(NO_FILTERS)).toBe('');
  });

  it('read an unknown lead as no filter', () => {
    expect(filtersFromSearch(new URLSearchParams('lead=lukewarm&q=%20x%20'))).toEqual({ q: 'x', lead: '', stage: '' });
  });

  it('know whether any is set', () => {
    expect(hasFilters(NO_FILTERS)).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, q: '  ' })).toBe(false);
    expect(hasFilters({ ...NO_FILTERS, stage: 'new' })).toBe(true);
  });
});

describe('the list query', () => {
  it('asks for a page, from `before` when given', () => {
    expect(contactsQuery({ q: 'acme', lead: '', stage: '' })).toEqual({ q: 'acme', limit: PAGE_SIZE });
    expect(contactsQuery(NO_FILTERS, 'cursor-1')).toEqual({ limit: PAGE_SIZE, before: 'cursor-1' });
  });
});

describe('labels', () => {
  it('name a contact by name, email, or neither', () => {
    expect(contactLabel({ name: 'Jo', email: 'jo@acme.com' })).toBe('Jo');
    expect(contactLabel({ name: ' ', email: 'jo@acme.com' })).toBe('jo@acme.com');
    expect(contactLabel({ name: null, email: null })).toBe('Unnamed visitor');
  });

  it('capitalise stages', () => {
    expect(stageLabel('qualified')).toBe('Qualified');
    expect(stageLabel('follow_up')).toBe('Follow up');
    expect(stageLabel(null)).toBe('—');
  });
});
