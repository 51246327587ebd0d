/**
 * One widget on the page: loads the bot's config, renders launcher and window into a shadow
 * root, and runs the conversation: the offline-safe outbox, streamed answers, live agent
 * messages, image uploads, history and resume.
 */
import { Api, ApiError, backoff, isTransient } from './api';
import { alreadyDelivered, clientId, Outbox, type Outgoing } from './queue';
import type { SseEvent } from './sse';
import { sessionFor, sessionStore, type Session, type Stored } from './store';
import { strings } from './strings';
import { CSS } from './styles';
import type { Conversation, ConversationDetail, Message, Rating, WidgetConfig } from './types';
import { ChatView, type ReplyStream } from './ui/chat';
import { h } from './ui/dom';
import { FaqView } from './ui/faq';
import { HistoryView, type HistoryResult } from './ui/history';
import { Launcher } from './ui/launcher';
import { asksRating } from './ui/message';
import { Panel, type TabId } from './ui/panel';
import { RatingCard, ratingView, type RatingOutcome } from './ui/rating';

export interface Options {
  /** The bot's public key. */
  bot: string;
  /** The signed-in visitor's email, when the host page knows it. */
  userEmail?: string;
  /** HMAC-SHA256(identity secret, email) from the host's backend: unlocks history by email. */
  userHash?: string;
  /** Where the Parley server is; by default the origin widget.js was loaded from. */
  apiOrigin?: string;
}

export interface WidgetEvents {
  ready: WidgetConfig;
  open: undefined;
  close: undefined;
  /** A new message in the conversation: the visitor's (once stored), the bot's or an agent's. */
  message: Message;
}

export type Emit = <K extends keyof WidgetEvents>(name: K, data: WidgetEvents[K]) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parse(data: string): any {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

/** White or near-black, whichever reads better on the bot's colour (WCAG luminance). */
export function textOn(hex: string): string {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
  return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? '#111' : '#fff';
}

/** Runs `fn` while no other tab of this site runs it (Web Locks), or just runs it. */
async function exclusive(name: string, fn: () => Promise<void>): Promise<void> {
  if (navigator.locks) await navigator.locks.request(name, fn);
  else await fn();
}

export class Widget {
  private readonly api: Api;
  private readonly email: string;
  private readonly sessions: Stored<Session>;
  private readonly outbox: Outbox;
  private config!: WidgetConfig;
  private host!: HTMLElement;
  private shadow!: ShadowRoot;
  private root!: HTMLElement;
  private launcher!: Launcher;
  private panel!: Panel;
  private chat!: ChatView;
  private faq!: FaqView;
  private history!: HistoryView;

  private conversationId: string | undefined;
  /** The newest message the visitor has seen; outbox entries remember it. */
  private lastSeen: string | null = null;
  private starting: Promise<string> | null = null;
  /** The open conversation's status and rating, as last heard from the server. */
  private status: Conversation['status'] = 'open';
  private rating: Rating | null = null;
  /** The open conversation's last message asking for a rating; the card goes under it. */
  private ratingRequest: string | null = null;
  /** The rating card shown, kept across re-renders of the same conversation. */
  private card: { conversationId: string; card: RatingCard } | null = null;
  /** A POST is streaming an answer: live `bot` messages are that answer, not new ones. */
  private streaming = false;
  private handoffNoticed = false;
  private flushing = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private liveAbort: AbortController | null = null;
  private isOpen = false;
  private openWhenReady = false;
  private destroyed = false;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly opts: Options,
    origin: string,
    private readonly emit: Emit,
  ) {
    this.api = new Api(opts.apiOrigin || origin, opts.bot);
    this.email = (opts.userEmail ?? '').trim().toLowerCase();
    this.sessions = sessionStore(opts.bot);
    this.outbox = new Outbox(opts.bot);
    const stored = this.sessions.get();
    const session = sessionFor(stored, this.email);
    if (session !== stored) {
      // Someone else's session and unsent messages stay out of this visitor's hands.
      this.sessions.set(session);
      for (const m of this.outbox.list()) this.outbox.remove(m.id);
    }
    this.api.session = session.token ?? null;
    this.conversationId = session.conversationId;
  }

  /** Fetches the config (retrying while the network is down) and shows the launcher. */
  async mount(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.config = await this.api.config();
        break;
      } catch (e) {
        if (!isTransient(e) || this.destroyed) throw e;
        await sleep(backoff(attempt));
      }
    }
    if (this.destroyed) return;
    if (!document.body) await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
    this.render();
    performance.mark?.('parley:launcher-visible');
    this.listen();
    this.emit('ready', this.config);
    if (this.conversationId) void this.restore(this.conversationId);
    else if (this.outbox.list().length) void this.flush();
    if (!this.conversationId && this.config.appearance.greeting) {
      const t = setTimeout(() => !this.isOpen && this.launcher.showTeaser(), 1500);
      this.cleanups.push(() => clearTimeout(t));
    }
    if (this.openWhenReady) this.open();
  }

  private render(): void {
    const { appearance, faqs } = this.config;
    const ctx = { botName: this.config.name, resolve: (u: string) => this.api.url(u) };
    this.chat = new ChatView(ctx, { send: (text, file, purpose) => (file ? void this.upload(text, file, purpose) : this.queue(text)) });
    this.faq = new FaqView(faqs, (f) => {
      this.panel.select('chat');
      this.chat.input.value = f.question;
      this.chat.input.dispatchEvent(new Event('input'));
      this.chat.input.focus();
    });
    this.history = new HistoryView({
      load: (filter) => this.loadHistory(filter),
      resume: (id) => void this.resume(id),
      fresh: () => this.fresh(),
      current: () => this.conversationId,
    });
    this.panel = new Panel({
      title: appearance.title || this.config.name,
      avatarUrl: appearance.avatar_url,
      content: { chat: this.chat.el, faq: this.faq.el, history: this.history.el },
      close: () => this.close(),
      // A log that was hidden could not follow what arrived meanwhile.
      selected: (tab: TabId) => (tab === 'history' ? void this.history.refresh() : tab === 'chat' && this.chat.follow()),
    });
    this.launcher = new Launcher(appearance.greeting, () => this.open());
    this.chat.reset(appearance.greeting);

    this.host = document.createElement('parley-widget');
    this.shadow = this.host.attachShadow({ mode: 'open' });
    const color = /^#[0-9a-f]{6}$/i.test(appearance.primary_color) ? appearance.primary_color : '#2563eb';
    this.root = h('div', { class: `root ${appearance.position === 'left' ? 'left' : 'right'}` }, this.launcher.teaser, this.panel.el, this.launcher.button);
    this.root.style.setProperty('--p', color);
    this.root.style.setProperty('--pt', textOn(color));
    this.shadow.append(h('style', {}, CSS), this.root);
    document.body.append(this.host);
    if (!navigator.onLine) this.chat.status(strings.offline);
  }

  private listen(): void {
    const on = <K extends keyof WindowEventMap>(type: K, fn: (e: WindowEventMap[K]) => void) => {
      window.addEventListener(type, fn);
      this.cleanups.push(() => window.removeEventListener(type, fn));
    };
    on('offline', () => this.chat.status(strings.offline));
    on('online', () => {
      this.chat.status(null);
      this.attempt = 0;
      void this.flush();
    });
    on('storage', (e) => {
      if (e.key === this.sessions.key) this.otherTab();
      else if (e.key === this.outbox.key) void this.refresh();
    });
  }

  /** Another tab started or switched the conversation: follow it, so tabs don't diverge. */
  private otherTab(): void {
    const s = this.sessions.get();
    if ((s.email ?? '') !== this.email) return;
    this.api.session = s.token ?? null;
    if (s.conversationId && s.conversationId !== this.conversationId && !this.streaming) {
      void this.load(s.conversationId).catch(() => undefined);
    }
  }

  open(): void {
    if (!this.panel) {
      this.openWhenReady = true;
      return;
    }
    if (this.isOpen) return;
    this.isOpen = true;
    this.panel.el.hidden = false;
    this.root.classList.add('open');
    this.launcher.expanded(true);
    if (this.panel.current === 'chat') this.chat.follow();
    const target = { chat: this.chat.input, faq: this.faq.search, history: this.history.search }[this.panel.current];
    target.focus({ preventScroll: true });
    this.emit('open', undefined);
  }

  close(): void {
    if (!this.isOpen) return;
    // Focus goes back to the launcher only if it was in the widget (not when the host closes it).
    const hadFocus = !!this.shadow.activeElement;
    this.isOpen = false;
    this.panel.el.hidden = true;
    this.root.classList.remove('open');
    this.launcher.expanded(false);
    if (hadFocus) this.launcher.button.focus();
    this.emit('close', undefined);
  }

  destroy(): void {
    this.destroyed = true;
    this.liveAbort?.abort();
    clearTimeout(this.retryTimer);
    this.cleanups.forEach((f) => f());
    this.host?.remove();
  }

  // ---- conversation -------------------------------------------------------------------

  private saveSession(patch: Partial<Session>): void {
    this.sessions.set({ ...this.sessions.get(), ...patch, email: this.email });
  }

  /** The open conversation's id, starting one (once, even if asked twice) when there is none. */
  private ensureConversation(): Promise<string> {
    if (this.conversationId) return Promise.resolve(this.conversationId);
    this.starting ??= this.api
      .start({ email: this.email || undefined, user_hash: this.opts.userHash || undefined })
      .then((s) => {
        this.api.session = s.session_token;
        this.conversationId = s.conversation.id;
        this.saveSession({ token: s.session_token, conversationId: s.conversation.id, verified: s.email_verified });
        this.startLive(s.conversation.id);
        return s.conversation.id;
      })
      .finally(() => (this.starting = null));
    return this.starting;
  }

  /** Makes `id` the open conversation: its transcript, then its live updates. */
  private async load(id: string): Promise<void> {
    let detail: ConversationDetail;
    try {
      detail = await this.api.conversation(id);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 403 || e.status === 404) && id === this.conversationId) {
        // Gone, or the token no longer valid: start afresh rather than fail forever.
        this.conversationId = undefined;
        this.saveSession({ conversationId: undefined, token: e.status === 403 ? undefined : this.api.session ?? undefined });
        if (e.status === 403) this.api.session = null;
      }
      throw e;
    }
    this.conversationId = id;
    this.saveSession({ conversationId: id });
    this.show(detail);
    this.startLive(id);
    void this.flush();
  }

  /** The conversation from an earlier page, once the network allows; then the outbox. */
  private async restore(id: string): Promise<void> {
    for (let attempt = 0; !this.destroyed; attempt++) {
      try {
        return await this.load(id);
      } catch (e) {
        if (!isTransient(e)) return void this.flush();
        await sleep(backoff(attempt));
      }
    }
  }

  /** Re-reads the open conversation (after a reconnect, or another tab's send). */
  private async refresh(): Promise<void> {
    if (!this.conversationId || this.streaming) return;
    try {
      this.show(await this.api.conversation(this.conversationId));
    } catch {
      // the live connection retries, and with it this
    }
  }

  private show(detail: ConversationDetail): void {
    this.chat.reset(this.config.appearance.greeting);
    this.handoffNoticed = false;
    for (const m of detail.messages) this.chat.add(m);
    this.lastSeen = detail.messages[detail.messages.length - 1]?.id ?? null;
    this.status = detail.conversation.status;
    this.rating = detail.conversation.rating ?? null;
    this.ratingRequest = [...detail.messages].reverse().find(asksRating)?.id ?? null;
    this.showRating();
    for (const m of this.outbox.list()) {
      if (m.conversationId === detail.conversation.id || m.conversationId === null) {
        this.chat.pending(m.id, m.text, navigator.onLine ? strings.sending : strings.queued);
      }
    }
  }

  // ---- rating ---------------------------------------------------------------------------

  /**
   * Puts the rating card, the thanks, or nothing under the last rating request, as the
   * conversation's status and rating say. A card being filled in stays the same card.
   */
  private showRating(): void {
    const id = this.conversationId;
    const view = id ? ratingView({ status: this.status, rating: this.rating }, !!this.ratingRequest) : 'none';
    if (this.card && this.card.conversationId !== id) this.card = null;
    if (view === 'none' || !id) {
      // A card being sent finishes in place; any other goes.
      if (this.card?.card.state !== 'sending') this.card = null;
      return this.chat.rating(this.card?.card.el ?? null, this.ratingRequest ?? undefined);
    }
    if (view === 'thanks' && this.card?.card.state !== 'thanks') this.card = { conversationId: id, card: RatingCard.thanks(this.rating!) };
    if (view === 'ask' && (!this.card || this.card.card.state === 'thanks')) this.card = { conversationId: id, card: this.askCard(id) };
    this.chat.rating(this.card!.card.el, this.ratingRequest!);
  }

  private askCard(id: string): RatingCard {
    const card: RatingCard = new RatingCard(
      (score, comment) => this.rate(id, score, comment),
      () => {
        if (this.card?.card === card) this.card = null;
      },
    );
    return card;
  }

  private async rate(id: string, score: number, comment: string): Promise<RatingOutcome> {
    try {
      const { rating } = await this.api.rate(id, { score, comment: comment || undefined });
      if (id === this.conversationId) this.rating = rating;
      return { ok: rating };
    } catch (e) {
      // 409 `not_resolved`: the visitor wrote again, which reopened the conversation.
      if (e instanceof ApiError && e.status === 409) {
        if (id === this.conversationId) this.status = 'open';
        return { gone: true };
      }
      return { error: e instanceof ApiError && e.status === 429 ? strings.tooMany : strings.rateFailed };
    }
  }

  /** The visitor writes in the open conversation: if it was resolved, that reopens it. */
  private reopened(conversationId: string | null): void {
    if (!conversationId || conversationId !== this.conversationId || this.status !== 'resolved') return;
    this.status = 'open';
    this.showRating();
  }

  /** Opens a past conversation: the Chat tab at once, its transcript as soon as it loads. */
  private async resume(id: string): Promise<void> {
    this.panel.select('chat');
    this.chat.input.focus();
    try {
      await this.load(id);
    } catch {
      this.chat.error(strings.genericError);
    }
  }

  private fresh(): void {
    this.liveAbort?.abort();
    this.conversationId = undefined;
    this.lastSeen = null;
    this.status = 'open';
    this.rating = null;
    this.ratingRequest = null;
    this.card = null;
    this.saveSession({ conversationId: undefined });
    this.chat.reset(this.config.appearance.greeting);
    this.panel.select('chat');
    this.chat.input.focus();
  }

  /**
   * The History tab's list. A new visitor has no session until their first message, and so
   * no conversations: that is said without asking the server. A visitor whose email the host
   * page vouches for (`userHash`) may have conversations from other browsers, so for them a
   * session is made first.
   */
  private async loadHistory(filter: Parameters<Api['history']>[0]): Promise<HistoryResult> {
    try {
      if (!this.api.session && this.email && this.opts.userHash) await this.ensureConversation();
    } catch {
      throw new Error(strings.historyError);
    }
    if (!this.api.session) return { scope: 'none', items: [] };
    let items: Conversation[];
    try {
      ({ items } = await this.api.history(filter));
    } catch (e) {
      // A token the server no longer takes (expired, or the bot's secret changed) is no session.
      if (e instanceof ApiError && e.status === 403) return { scope: 'none', items: [] };
      throw new Error(strings.historyError);
    }
    return {
      scope: this.sessions.get().verified ? 'email' : 'browser',
      // A conversation nobody wrote in yet is not history (starting one just to get a session makes one).
      items: items.filter((c) => c.message_count > 0),
    };
  }

  /** Something new in the conversation: remember it, tell the host page. */
  private seen(m: Message): void {
    this.lastSeen = m.id;
    this.emit('message', m);
  }

  // ---- sending --------------------------------------------------------------------------

  private queue(text: string): void {
    const m: Outgoing = { id: clientId(), text, conversationId: this.conversationId ?? null, after: this.lastSeen, tried: false };
    this.outbox.add(m);
    this.reopened(m.conversationId);
    this.chat.pending(m.id, text, navigator.onLine ? strings.sending : strings.queued);
    void this.flush();
  }

  /** Sends the outbox in order, one tab at a time; on a network failure, retries with backoff. */
  private async flush(): Promise<void> {
    if (this.flushing || this.destroyed) return;
    this.flushing = true;
    clearTimeout(this.retryTimer);
    try {
      await exclusive(`parley:${this.opts.bot}:send`, () => this.drain());
    } finally {
      this.flushing = false;
    }
  }

  private async drain(): Promise<void> {
    for (let m = this.outbox.list()[0]; m; m = this.outbox.list()[0]) {
      try {
        await this.deliver(m);
        this.attempt = 0;
        this.chat.status(null);
      } catch (e) {
        if (isTransient(e)) {
          this.chat.pendingStatus(m.id, strings.queued);
          this.chat.status(navigator.onLine ? strings.reconnecting : strings.offline);
          const wait = e instanceof ApiError && e.retryAfter ? e.retryAfter * 1000 : backoff(this.attempt++);
          this.retryTimer = setTimeout(() => void this.flush(), wait);
          return;
        }
        this.outbox.remove(m.id);
        this.chat.reject(m.id, e instanceof ApiError && e.status === 429 ? strings.tooMany : strings.genericError);
      }
    }
  }

  private async deliver(m: Outgoing): Promise<void> {
    // Offline for sure: don't even try (and don't mark it as maybe-sent).
    if (!navigator.onLine) throw new TypeError('offline');
    const id = m.conversationId ?? (await this.ensureConversation());
    if (m.tried) {
      // The last attempt broke mid-way: the server may have it. Look before resending.
      const detail = await this.api.conversation(id);
      if (alreadyDelivered(m, detail.messages)) {
        this.outbox.remove(m.id);
        if (id === this.conversationId) this.show(detail);
        return;
      }
    }
    this.outbox.update(m.id, { tried: true, conversationId: id });
    await this.stream(id, m);
  }

  /** One message's POST, its answer streamed into the transcript. */
  private async stream(id: string, m: Outgoing): Promise<void> {
    const visible = id === this.conversationId;
    let stored = false;
    let reply: ReplyStream | null = null;
    this.streaming = true;
    if (visible) {
      this.chat.pendingStatus(m.id, strings.sending);
      this.chat.typing(true);
    }
    try {
      await this.api.send(id, m.text, m.id, (e: SseEvent) => {
        const data = parse(e.data);
        if (!data) return;
        if (e.event === 'message') {
          stored = true;
          this.outbox.delivered(m.id, data.id);
          this.seen(data);
          if (visible) this.chat.confirm(m.id, data);
        } else if (e.event === 'token' && visible) {
          reply ??= this.chat.reply();
          reply.append(String(data.text ?? ''));
        } else if (e.event === 'done') {
          this.seen(data);
          if (visible) reply ? reply.finish(data) : this.chat.add(data);
          reply = null;
        } else if (e.event === 'handoff' && visible && !this.handoffNoticed) {
          this.handoffNoticed = true;
          this.chat.notice(strings.handoff);
        }
      });
      if (!stored) throw new TypeError('the stream ended before the message was stored');
    } catch (e) {
      if (!stored) throw e;
      // The message is in; only its answer was cut off. The stored answer comes with a reload.
      (reply as ReplyStream | null)?.fail();
      if (visible) this.chat.notice(strings.replyLost);
      this.streaming = false;
      void this.refresh();
    } finally {
      this.streaming = false;
      if (visible) this.chat.typing(false);
    }
  }

  private async upload(caption: string, file: File, purpose: string): Promise<void> {
    const cid = clientId();
    this.reopened(this.conversationId ?? null);
    this.chat.pending(cid, caption, strings.sending, URL.createObjectURL(file));
    for (let attempt = 0; ; attempt++) {
      try {
        const id = await this.ensureConversation();
        const { message } = await this.api.upload(id, file, file.name, caption, purpose);
        this.chat.confirm(cid, message);
        this.seen(message);
        return;
      } catch (e) {
        if (!isTransient(e) || attempt >= 5 || this.destroyed) {
          const reason = e instanceof ApiError && e.status === 413 ? strings.imageSize(5) : e instanceof ApiError && e.status === 415 ? strings.imageType : strings.uploadFailed;
          this.chat.reject(cid, reason);
          return;
        }
        this.chat.pendingStatus(cid, strings.queued);
        await sleep(backoff(attempt));
      }
    }
  }

  // ---- live -----------------------------------------------------------------------------

  /** Follows the conversation's live events (agent replies), reconnecting with backoff. */
  private startLive(id: string): void {
    this.liveAbort?.abort();
    const ctl = new AbortController();
    this.liveAbort = ctl;
    void (async () => {
      for (let attempt = 0; !ctl.signal.aborted; ) {
        try {
          await this.api.live(id, ctl.signal, (e) => this.onLive(e));
          attempt = 0;
        } catch (e) {
          if (ctl.signal.aborted || !isTransient(e)) return;
        }
        await sleep(backoff(attempt++));
        if (ctl.signal.aborted) return;
        // Whatever was said while disconnected.
        await this.refresh();
      }
    })();
  }

  private onLive(e: SseEvent): void {
    if (e.event === 'resync') return void this.refresh();
    if (e.event === 'conversation.updated') {
      // Resolved (the card may show) or reopened (it goes).
      const status = parse(e.data)?.status;
      if ((status === 'open' || status === 'resolved') && status !== this.status) {
        this.status = status;
        this.showRating();
      }
      return;
    }
    if (e.event !== 'message.created') return;
    const m: Message | undefined = parse(e.data)?.message;
    if (!m || m.role === 'visitor' || (m.role === 'bot' && this.streaming) || this.chat.has(m.id)) return;
    this.chat.add(m);
    this.seen(m);
    if (asksRating(m)) {
      // Only a resolve posts it; its `conversation.updated` may come before or after.
      this.ratingRequest = m.id;
      this.status = 'resolved';
      this.showRating();
    }
    if (!this.isOpen) this.launcher.bump();
  }
}
