import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApi } from './client';
import { uploadForm } from './upload';
import { fakeFetch } from '../test/fakeFetch';

/** Records what would be sent; never answers. */
class RecordingXhr {
  static last: RecordingXhr | null = null;
  body: FormData | null = null;
  withCredentials = false;
  upload = { onprogress: null };
  constructor() {
    RecordingXhr.last = this;
  }
  open() {}
  setRequestHeader() {}
  send(body: FormData) {
    this.body = body;
  }
  abort() {}
}

beforeEach(() => {
  RecordingXhr.last = null;
  vi.stubGlobal('XMLHttpRequest', RecordingXhr);
});
afterEach(() => vi.unstubAllGlobals());

const file = () => new File(['# Returns'], 'returns.md', { type: 'text/markdown' });

function sent(sourceUrl?: string): FormData {
  const api = createApi({ baseUrl: 'http://parley.test', fetch: fakeFetch({}).fetch });
  api.documents.upload('bot-1', file(), sourceUrl === undefined ? {} : { sourceUrl });
  return RecordingXhr.last!.body!;
}

describe('document upload request', () => {
  it('sends the file under `files`, and the text parts before it', () => {
    const form = uploadForm('files', file(), { source_url: 'https://example.com/help' });
    expect([...form.keys()]).toEqual(['source_url', 'files']);
    expect((form.get('files') as File).name).toBe('returns.md');
  });

  it('sends source_url, trimmed, when it is filled in', () => {
    const form = sent('  https://example.com/help/returns  ');
    expect(form.get('source_url')).toBe('https://example.com/help/returns');
    expect((form.get('files') as File).name).toBe('returns.md');
  });

  it('leaves source_url out when it is absent or blank', () => {
    for (const value of [undefined, '', '   ']) {
      const form = sent(value);
      expect(form.has('source_url')).toBe(false);
      expect([...form.keys()]).toEqual(['files']);
    }
  });
});
