import { describe, expect, it } from 'vitest';
import { readSse, SseParser } from '../src/sse';

describe('SSE parser', () => {
  it('parses events split at any point, with CRLF, comments and multi-line data', () => {
    const stream = ': keep-alive\r\nevent: token\r\ndata: {"text":"Hel"}\r\n\r\nevent: token\ndata: {"text":"lo"}\n\ndata: line 1\ndata: line 2\n\n';
    for (let split = 0; split < stream.length; split++) {
      const p = new SseParser();
      const events = [...p.feed(stream.slice(0, split)), ...p.feed(stream.slice(split))];
      expect(events, `split at ${split}`).toEqual([
        { event: 'token', data: '{"text":"Hel"}' },
        { event: 'token', data: '{"text":"lo"}' },
        { event: 'message', data: 'line 1\nline 2' },
      ]);
    }
  });

  it('dispatches nothing for an event without data, and keeps "data:x" without a space', () => {
    const p = new SseParser();
    expect(p.feed('event: ping\n\ndata:x\n\n')).toEqual([{ event: 'message', data: 'x' }]);
  });

  it('reads a fetch body to its end and drops an event cut off before its blank line', async () => {
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('event: done\ndata: {"id":"1"}\n\nevent: tok'));
        c.enqueue(enc.encode('en\ndata: {"text":"cut"}\n'));
        c.close();
      },
    });
    const seen: string[] = [];
    await readSse(new Response(body), (e) => seen.push(`${e.event} ${e.data}`));
    expect(seen).toEqual(['done {"id":"1"}']);
  });
});
