/**
 * The outbox: messages the visitor sent that the server has not confirmed yet. Kept in
 * localStorage so a message typed offline (or just before the tab closed) is sent later,
 * never lost; each has a client id so a retry, a second tab or a reload never sends it twice.
 */
import { Stored } from './store';
import type { Message } from './types';

export interface Outgoing {
  /** Client id, random: identifies the message until the server gives it one. */
  id: string;
  text: string;
  /** The conversation it belongs to; null means "the one to start". */
  conversationId: string | null;
  /** The id of the last message the visitor had seen, to find this one in the transcript. */
  after: string | null;
  /** Set before the first request: from then on the server may have it. */
  tried: boolean;
}

export function clientId(): string {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export class Outbox {
  private readonly store: Stored<Outgoing[]>;

  constructor(bot: string) {
    this.store = new Stored<Outgoing[]>(`parley:${bot}:outbox`, []);
  }

  get key(): string {
    return this.store.key;
  }

  list(): Outgoing[] {
    return this.store.get();
  }

  /** Adds a message once: adding the same client id again is a no-op. */
  add(m: Outgoing): void {
    const all = this.list();
    if (!all.some((x) => x.id === m.id)) this.store.set([...all, m]);
  }

  update(id: string, patch: Partial<Outgoing>): void {
    this.store.set(this.list().map((x) => (x.id === id ? { ...x, ...patch } : x)));
  }

  remove(id: string): void {
    this.store.set(this.list().filter((x) => x.id !== id));
  }

  /**
   * Removes a message the server confirmed as `serverId`. The ones queued behind it are now
   * "after" it, so two identical messages in a row ("yes", "yes") are told apart.
   */
  delivered(id: string, serverId: string): void {
    const all = this.list();
    const done = all.find((x) => x.id === id);
    this.store.set(
      all
        .filter((x) => x !== done)
        .map((x) => (done && x.conversationId === done.conversationId ? { ...x, after: serverId } : x)),
    );
  }
}

/**
 * Whether a message that may or may not have reached the server (the connection broke
 * mid-request) is already in the transcript: a visitor message with the same text after the
 * one the visitor had last seen. Resending it would post it twice.
 */
export function alreadyDelivered(m: Outgoing, transcript: Message[]): boolean {
  const start = m.after ? transcript.findIndex((x) => x.id === m.after) + 1 : 0;
  return transcript.slice(start).some((x) => x.role === 'visitor' && x.text.trim() === m.text.trim());
}
