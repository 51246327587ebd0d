// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { ME, bot, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const sample = bot();
const base = `/api/v1/bots/${sample.id}`;

function doc(id: string, name: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    bot_id: sample.id,
    name,
    content_type: 'text/markdown',
    size_bytes: 2048,
    status,
    error: null,
    chunk_count: status === 'ready' ? 4 : 0,
    source_url: null,
    created_at: '2025-01-02T03:04:05Z',
    updated_at: '2025-01-02T03:04:05Z',
    ...extra,
  };
}

/** A stand-in XMLHttpRequest the test drives by hand. */
class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: FormData | null = null;
  status = 0;
  responseText = '';
  withCredentials = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader() {
    return null;
  }
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    act(() => this.upload.onprogress?.({ loaded, total, lengthComputable: true }));
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    act(() => this.onload?.());
  }
  get fileName() {
    return (this.body?.get('files') as File | null)?.name;
  }
}

beforeEach(() => {
  FakeXhr.all = [];
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});

describe('knowledge page', () => {
  it('uploads each dropped file in its own request with progress, and shows per-file errors', async () => {
    let listed = [doc('d1', 'shipping.md', 'ready')];
    renderApp(`/bots/${sample.id}/knowledge`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/documents`]: () =>
        json(200, { items: listed, progress: { documents_total: listed.length, documents_done: listed.filter((d) => d.status === 'ready').length, documents_failed: 0, chunks: 4 } }),
      [`POST ${base}/search`]: () => json(200, { faqs: [], passages: [] }),
    });
    await screen.findByText('shipping.md');
    expect(screen.getByText(/1 document · 4 chunks indexed/)).toBeTruthy();

    const files = [new File(['# Returns'], 'returns.md', { type: 'text/markdown' }), new File(['MZ'], 'tool.exe')];
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files, types: ['Files'] } });

    expect(FakeXhr.all).toHaveLength(2);
    const [ok, refused] = FakeXhr.all as [FakeXhr, FakeXhr];
    expect(ok.method).toBe('POST');
    expect(ok.url).toMatch(new RegExp(`${base}/documents$`));
    expect(ok.headers['X-CSRF-Token']).toBe(ME.csrf_token);
    expect([ok.fileName, refused.fileName]).toEqual(['returns.md', 'tool.exe']);

    ok.progress(4, 10);
    const bar = screen.getByRole('progressbar', { name: 'Upload of returns.md' });
    expect(bar.getAttribute('aria-valuenow')).toBe('40');
    expect(screen.getByText('Uploading 40%')).toBeTruthy();

    refused.respond(202, { items: [{ name: 'tool.exe', document: null, error: 'unsupported file type: exe' }] });
    expect(await screen.findByText('unsupported file type: exe')).toBeTruthy();

    const queued = doc('d2', 'returns.md', 'queued');
    listed = [queued, ...listed];
    ok.respond(202, { items: [{ name: 'returns.md', document: queued, error: null }] });
    expect(await screen.findByText('Uploaded, queued for indexing')).toBeTruthy();
    const table = screen.getByRole('table', { name: 'Documents' });
    expect(within(table).getByText('returns.md')).toBeTruthy();
    expect(within(table).getByText('Queued')).toBeTruthy();
  });

  it('sends the source URL with every file of the upload, refuses a bad one in plain words, and links it in the table', async () => {
    let listed = [doc('d1', 'shipping.md', 'ready', { source_url: 'https://example.com/help/shipping' })];
    renderApp(`/bots/${sample.id}/knowledge`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/documents`]: () =>
        json(200, { items: listed, progress: { documents_total: listed.length, documents_done: 1, documents_failed: 0, chunks: 4 } }),
      [`POST ${base}/search`]: () => json(200, { faqs: [], passages: [] }),
    });
    const table = await screen.findByRole('table', { name: 'Documents' });
    const link = within(table).getByRole('link', { name: 'Source: example.com/help/shipping' });
    expect(link.getAttribute('href')).toBe('https://example.com/help/shipping');
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');

    const input = screen.getByLabelText('Source URL');
    const drop = (...names: string[]) =>
      fireEvent.drop(screen.getByTestId('dropzone'), {
        dataTransfer: { files: names.map((n) => new File(['# x'], n, { type: 'text/markdown' })), types: ['Files'] },
      });

    // Refused before sending: nothing is queued and the field says why.
    fireEvent.change(input, { target: { value: 'example.com/help' } });
    drop('a.md');
    expect(FakeXhr.all).toHaveLength(0);
    expect(screen.getByText(/Enter a full web address starting with https:\/\//)).toBeTruthy();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input);

    // Editing clears the error; every file of the upload carries the URL.
    fireEvent.change(input, { target: { value: ' https://example.com/help/returns ' } });
    expect(input.getAttribute('aria-invalid')).toBeNull();
    drop('returns.md', 'refunds.md');
    expect(FakeXhr.all.map((x) => x.body?.get('source_url'))).toEqual(['https://example.com/help/returns', 'https://example.com/help/returns']);

    // A 422 on source_url from the server lands on the field.
    FakeXhr.all[0]!.respond(422, { error: { code: 'invalid', message: 'invalid input', fields: { source_url: 'must be an http(s) URL of at most 2048 characters' } } });
    expect(await screen.findByText('Not uploaded: the source URL was not accepted.')).toBeTruthy();
    expect(screen.getByText(/Enter a full web address starting with https:\/\//)).toBeTruthy();

    const queued = doc('d2', 'refunds.md', 'queued', { source_url: 'https://example.com/help/returns' });
    listed = [queued, ...listed];
    FakeXhr.all[1]!.respond(202, { items: [{ name: 'refunds.md', document: queued, error: null }] });
    expect(await within(table).findByRole('link', { name: 'Source: example.com/help/returns' })).toBeTruthy();

    // Left blank, no source_url part is sent.
    fireEvent.change(input, { target: { value: '' } });
    drop('plain.md');
    expect(FakeXhr.all[2]!.body?.has('source_url')).toBe(false);
  });

  it('polls while a document is being ingested and shows overall progress', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      let polls = 0;
      renderApp(`/bots/${sample.id}/knowledge`, {
        'GET /api/v1/auth/me': () => json(200, ME),
        [`GET ${base}`]: () => json(200, sample),
        [`GET ${base}/documents`]: () => {
          polls++;
          const done = polls >= 3;
          return json(200, {
            items: [doc('d1', 'a.md', 'ready'), doc('d2', 'b.md', done ? 'ready' : 'processing'), doc('d3', 'c.pdf', 'failed', { error: 'no text in PDF' })],
            progress: { documents_total: 3, documents_done: done ? 2 : 1, documents_failed: 1, chunks: done ? 8 : 4 },
          });
        },
      });
      expect(await screen.findByText(/Indexing: 2 of 3 documents done · 4 chunks indexed · 1 failed/)).toBeTruthy();
      expect(screen.getByText('no text in PDF')).toBeTruthy();
      expect(screen.getByRole('progressbar', { name: 'Indexing progress' }).getAttribute('aria-valuenow')).toBe('2');
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1600);
      });
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1600);
      });
      expect(await screen.findByText(/3 documents · 8 chunks indexed · 1 failed/)).toBeTruthy();
      const after = polls;
      await act(async () => {
        await vi.advanceTimersByTimeAsync(5000);
      });
      expect(polls).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });

  it('deletes a document only after confirming', async () => {
    let deleted = false;
    const { calls } = renderApp(`/bots/${sample.id}/knowledge`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/documents`]: () =>
        json(200, { items: deleted ? [] : [doc('d1', 'old.md', 'ready')], progress: { documents_total: 0, documents_done: 0, documents_failed: 0, chunks: 0 } }),
      [`DELETE ${base}/documents/d1`]: () => {
        deleted = true;
        return new Response(null, { status: 204 });
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Delete old.md' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Delete "old.md"?' })).getByRole('button', { name: 'Delete document' }));
    expect(await screen.findByText('No documents yet')).toBeTruthy();
  });

  it('test retrieval shows FAQ hits and passages with scores', async () => {
    const { calls } = renderApp(`/bots/${sample.id}/knowledge`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/documents`]: () => json(200, { items: [], progress: { documents_total: 0, documents_done: 0, documents_failed: 0, chunks: 0 } }),
      [`POST ${base}/search`]: () =>
        json(200, {
          faqs: [{ faq: { id: 'f1', question: 'How long does shipping take?', answer: '3 to 5 days.', enabled: true, position: 0, created_at: '', updated_at: '' }, score: 1 }],
          passages: [{ chunk_id: 'c1', document_id: 'd1', document_name: 'shipping.md', heading: 'Shipping > Delivery times', text: 'Standard shipping takes 3 to 5 business days.', tokens: 10, score: 2.8333 }],
        }),
    });
    fireEvent.change(await screen.findByLabelText('Question'), { target: { value: ' how long does shipping take ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const results = await screen.findByRole('region', { name: 'Retrieval results' });
    expect(within(results).getByText('How long does shipping take?')).toBeTruthy();
    expect(within(results).getByText('1.00')).toBeTruthy();
    expect(within(results).getByText('shipping.md')).toBeTruthy();
    expect(within(results).getByText(/Delivery times/)).toBeTruthy();
    expect(within(results).getByText('2.83')).toBeTruthy();
    expect(calls.find((c) => c.path.endsWith('/search'))?.body).toEqual({ query: 'how long does shipping take' });
  });
});
