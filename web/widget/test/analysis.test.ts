// What a photo is for, and what the bot read from it: the purpose select sent with the image,
// and the summary line under the image once the bot's report arrives.
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/types';
import { ChatView } from '../src/ui/chat';

function message(patch: Partial<Message>): Message {
  return { id: 'm1', role: 'bot', text: '', citations: [], attachments: [], rating_request: false, author: null, created_at: '2026-01-02T10:00:00Z', ...patch };
}

describe('image analysis in the chat', () => {
  it('sends the purpose the visitor picked with the image', () => {
    const sent: [string, File | null, string][] = [];
    const chat = new ChatView({ botName: 'Bot', resolve: (u) => new URL(u, 'https://parley.test').href }, { send: (t, f, p) => void sent.push([t, f, p]) });
    const file = new File([new Uint8Array([0x89, 0x50])], 'receipt.png', { type: 'image/png' });
    chat.attach(file);
    const select = chat.el.querySelector<HTMLSelectElement>('.preview select')!;
    expect(select.getAttribute('aria-label')).toBe('What is this photo for?');
    expect([...select.options].map((o) => o.value)).toEqual(['', 'return', 'invoice', 'count', 'other']);
    select.value = 'invoice';
    chat.el.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(sent).toEqual([['', file, 'invoice']]);
    // The next image starts with no purpose chosen.
    expect(chat.el.querySelector('.preview select')).toBeNull();
  });

  it('puts the bot’s summary under the image it is about', () => {
    const chat = new ChatView({ botName: 'Bot', resolve: (u) => new URL(u, 'https://parley.test').href }, { send: () => undefined });
    const image = { kind: 'image', image_id: 'img1', url: '/widget/v1/images/img1?sig=x', content_type: 'image/png', bytes: 10, name: 'r.png', purpose: 'invoice', analysis: null };
    chat.add(message({ id: 'v1', role: 'visitor', attachments: [image] }));
    expect(chat.el.querySelector('.sum')).toBeNull();
    const analysis = { id: 'a1', image_id: 'img1', kind: 'invoice', status: 'done', summary: 'Invoice R-1 from ACME, total EUR 58.85 (amounts add up)' };
    chat.add(message({ id: 'b1', text: 'I read this invoice: …', analysis }));
    const line = chat.el.querySelector('[data-image="img1"] + .sum');
    expect(line?.textContent).toBe(analysis.summary);
    // A re-run's report replaces the line rather than adding another.
    chat.add(message({ id: 'b2', text: 'I count 3 items.', analysis: { ...analysis, id: 'a2', summary: 'About 3 items' } }));
    expect(chat.el.querySelectorAll('.sum')).toHaveLength(1);
    expect(chat.el.querySelector('.sum')?.textContent).toBe('About 3 items');
  });
});
