/**
 * Server-Sent Events read from a `fetch` body. `EventSource` can't be used: it sends no
 * custom headers (the widget authenticates with `X-Parley-Bot` / `X-Parley-Session`) and
 * can't POST (a message's answer streams back on the POST itself).
 */

export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Incremental parser for the `text/event-stream` format: feed it text as it arrives, in
 * pieces split anywhere, and it returns the events completed so far.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  feed(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    // A lone trailing "\r" may be the first half of "\r\n": keep it for the next chunk.
    const re = /\r\n|\r(?!$)|\n/g;
    let start = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(this.buffer))) {
      this.line(this.buffer.slice(start, m.index), out);
      start = m.index + m[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line[0] === ':') return; // comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/** Reads `res.body` to its end, calling `onEvent` for every event as it completes. */
export async function readSse(res: Response, onEvent: (e: SseEvent) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const e of parser.feed(decoder.decode(value, { stream: true }))) onEvent(e);
  }
  // An event cut off before its blank line is dropped, as the SSE spec says.
  for (const e of parser.feed(decoder.decode())) onEvent(e);
}
