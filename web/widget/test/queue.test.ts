import { beforeEach, describe, expect, it } from 'vitest';
import { alreadyDelivered, Outbox, type Outgoing } from '../src/queue';
import { sessionFor } from '../src/store';
import type { Message } from '../src/types';

const entry = (id: string, text: string, after: string | null = null): Outgoing => ({
  id,
  text,
  conversationId: 'c1',
  after,
  tried: false,
});

const msg = (id: string, role: Message['role'], text: string): Message => ({
  id,
  role,
  text,
  citations: [],
  author: null,
  rating_request: false,
  created_at: '2026-11-24T10:00:00Z',
});

describe('outbox', () => {
  beforeEach(() => localStorage.clear());

  it('keeps messages across instances (a reload) and adds each client id once', () => {
    const a = new Outbox('pk_1');
    a.add(entry('m1', 'hello'));
    a.add(entry('m1', 'hello'));
    a.add(entry('m2', 'again'));
    const b = new Outbox('pk_1');
    expect(b.list().map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(new Outbox('pk_other').list()).toEqual([]);
  });

  it('on delivery, removes the message and moves the ones behind it after it', () => {
    const box = new Outbox('pk_1');
    box.add(entry('m1', 'yes', 's0'));
    box.add(entry('m2', 'yes', 's0'));
    box.delivered('m1', 's1');
    expect(box.list()).toEqual([{ ...entry('m2', 'yes', 's1') }]);
  });

  it('recognises a message the server already stored, so a retry does not post it twice', () => {
    const transcript = [msg('s0', 'bot', 'Hi'), msg('s1', 'visitor', 'yes'), msg('s2', 'bot', 'Great')];
    // The first "yes" made it before the connection broke...
    expect(alreadyDelivered(entry('m1', ' yes ', 's0'), transcript)).toBe(true);
    // ...the second, queued behind it (after s1 once the first was confirmed), did not.
    expect(alreadyDelivered(entry('m2', 'yes', 's1'), transcript)).toBe(false);
    // A bot saying the same words is not the visitor's message.
    expect(alreadyDelivered(entry('m3', 'Great', 's0'), transcript)).toBe(false);
  });
});

describe('session per visitor', () => {
  it('drops a session made for another email', () => {
    const stored = { token: 't', conversationId: 'c', email: 'ada@example.com' };
    expect(sessionFor(stored, 'ada@example.com')).toBe(stored);
    expect(sessionFor(stored, 'bob@example.com')).toEqual({ email: 'bob@example.com' });
    expect(sessionFor(stored, '')).toEqual({ email: '' });
    expect(sessionFor({ token: 't' }, '')).toEqual({ token: 't' });
  });
});
