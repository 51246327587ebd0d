// The chat log's scrolling, with a stand-in layout (happy-dom has none): every message is
// 100 px tall plus whatever its loaded images add.
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/types';
import { ChatView } from '../src/ui/chat';

const VIEW = 300;

function setup() {
  const chat = new ChatView({ botName: 'Bot', resolve: (u) => new URL(u, 'https://parley.test').href }, { send: () => undefined });
  const log = chat.el.querySelector<HTMLElement>('.log')!;
  const loaded = new Map<HTMLImageElement, number>();
  const height = () => log.children.length * 100 + [...loaded].filter(([img]) => log.contains(img)).reduce((n, [, h]) => n + h, 0);
  let top = 0;
  Object.defineProperty(log, 'clientHeight', { get: () => VIEW });
  Object.defineProperty(log, 'scrollHeight', { get: () => Math.max(VIEW, height()) });
  Object.defineProperty(log, 'scrollTop', { get: () => top, set: (v: number) => void (top = Math.max(0, Math.min(v, log.scrollHeight - VIEW))) });
  return {
    chat,
    log,
    atEnd: () => log.scrollHeight - log.scrollTop - VIEW === 0,
    /** The visitor scrolls to `y`. */
    scrollTo(y: number) {
      log.scrollTop = y;
      log.dispatchEvent(new Event('scroll'));
    },
    /** The browser finishes loading `img`, which turns out `h` px tall. */
    load(img: HTMLImageElement, h: number) {
      loaded.set(img, h);
      img.dispatchEvent(new Event('load'));
    },
  };
}

let n = 0;
function bot(text: string, patch: Partial<Message> = {}): Message {
  return { id: `m${++n}`, role: 'bot', text, citations: [], attachments: [], rating_request: false, author: null, created_at: '2026-01-02T10:00:00Z', ...patch };
}

/** Runs `fn` with the images it creates not loaded yet (happy-dom says every image is complete). */
function unloaded(fn: () => void) {
  const create = document.createElement;
  document.createElement = function (this: Document, tag: string, options?: ElementCreationOptions) {
    const el = create.call(this, tag, options);
    if (tag === 'img') Object.defineProperty(el, 'complete', { value: false, configurable: true });
    return el;
  } as typeof document.createElement;
  try {
    fn();
  } finally {
    document.createElement = create;
  }
}

describe('chat log scrolling', () => {
  it('follows new messages while the visitor is at the end', () => {
    const t = setup();
    for (let i = 0; i < 6; i++) t.chat.add(bot(`answer ${i}`));
    expect(t.log.scrollTop).toBe(300);
    expect(t.atEnd()).toBe(true);
  });

  it('stays put for new messages once the visitor scrolled up, but shows what they send', () => {
    const t = setup();
    for (let i = 0; i < 6; i++) t.chat.add(bot(`answer ${i}`));
    t.scrollTo(100);
    t.chat.add(bot('a live agent message'));
    expect(t.log.scrollTop).toBe(100);
    t.chat.pending('c1', 'my question', 'Sending…');
    expect(t.atEnd()).toBe(true);
    // And from then on it follows again.
    t.chat.add(bot('the answer'));
    expect(t.atEnd()).toBe(true);
  });

  it('counts as at the end within a few lines of it', () => {
    const t = setup();
    for (let i = 0; i < 6; i++) t.chat.add(bot(`answer ${i}`));
    t.scrollTo(250);
    t.chat.add(bot('next'));
    expect(t.atEnd()).toBe(true);
  });

  it('scrolls to a sent image again once it has loaded, and to the stored copy once that has', () => {
    const t = setup();
    for (let i = 0; i < 4; i++) t.chat.add(bot(`answer ${i}`));
    unloaded(() => t.chat.pending('c1', 'the strap', 'Sending…', 'blob:https://shop.test/1'));
    const preview = t.log.querySelector<HTMLImageElement>('[data-cid="c1"] img')!;
    expect(t.atEnd()).toBe(true);
    t.load(preview, 220);
    expect(t.log.scrollTop).toBe(500 + 220 - VIEW);

    // The stored copy replaces it, its image loading anew from the server.
    const stored = bot('the strap', {
      role: 'visitor',
      attachments: [{ kind: 'image', url: '/widget/v1/images/i1?sig=x', content_type: 'image/png', bytes: 10, name: 'strap.png' }],
    });
    unloaded(() => t.chat.confirm('c1', stored));
    const img = t.log.querySelector<HTMLImageElement>(`[data-id="${stored.id}"] img`)!;
    expect(t.log.scrollTop).toBe(500 - VIEW);
    t.load(img, 240);
    expect(t.log.scrollTop).toBe(500 + 240 - VIEW);
    expect(t.atEnd()).toBe(true);
  });

  it('does not pull a visitor who scrolled up down when an image loads', () => {
    const t = setup();
    for (let i = 0; i < 6; i++) t.chat.add(bot(`answer ${i}`));
    unloaded(() =>
      t.chat.add(bot('', { role: 'visitor', attachments: [{ kind: 'image', url: '/i/2', content_type: 'image/png', bytes: 1, name: 'a.png' }] })),
    );
    t.scrollTo(0);
    t.load(t.log.querySelector('img')!, 220);
    expect(t.log.scrollTop).toBe(0);
  });
});
