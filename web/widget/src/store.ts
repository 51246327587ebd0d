/**
 * What the widget remembers in the browser, per bot: the session token, the open
 * conversation and whom they belong to. localStorage, so a reload or a new tab picks the
 * conversation up; falls back to memory where storage is blocked (some private modes).
 */

export interface Session {
  /** Signed by the server; proves "this browser's visitor" (X-Parley-Session). */
  token?: string;
  conversationId?: string;
  /** The host page's `userEmail` when the session was made ("" for an anonymous visitor). */
  email?: string;
  /** The server proved that email (`email_verified`): history covers the email's conversations. */
  verified?: boolean;
}

/** A JSON value in localStorage under one key, read fresh every time so tabs agree. */
export class Stored<T> {
  private memory: string | null = null;

  constructor(
    readonly key: string,
    private readonly fallback: T,
  ) {}

  get(): T {
    let raw: string | null;
    try {
      raw = localStorage.getItem(this.key);
    } catch {
      raw = this.memory;
    }
    if (raw === null) return this.fallback;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return this.fallback;
    }
  }

  set(value: T): void {
    const raw = JSON.stringify(value);
    this.memory = raw;
    try {
      localStorage.setItem(this.key, raw);
    } catch {
      // quota or blocked storage: memory keeps this page working
    }
  }
}

export function sessionStore(bot: string): Stored<Session> {
  return new Stored<Session>(`parley:${bot}:session`, {});
}

/**
 * The session to use for a visitor identified as `email` ("" when the host page gave none).
 * A session made for someone else is dropped: on a shared computer the next person must not
 * see (or continue) the previous person's conversations.
 */
export function sessionFor(stored: Session, email: string): Session {
  return (stored.email ?? '') === email ? stored : { email };
}
