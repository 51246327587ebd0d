// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { concernsMe, handoffText, playChime, resetChime, showHandoffNotification } from './alerts';
import type { Summary } from './contract';

afterEach(() => {
  resetChime();
  vi.unstubAllGlobals();
});

/** Records what a chime schedules, like an AudioContext would play it. */
class FakeAudioContext {
  static made = 0;
  state: AudioContextState = 'suspended';
  currentTime = 10;
  destination = {};
  tones: Array<{ frequency: number; start: number; stop: number }> = [];
  resumed = 0;
  constructor() {
    FakeAudioContext.made++;
  }
  resume() {
    this.resumed++;
    this.state = 'running';
    return Promise.resolve();
  }
  createOscillator() {
    const tone = { frequency: 0, start: 0, stop: 0 };
    this.tones.push(tone);
    return {
      type: 'sine',
      frequency: { setValueAtTime: (f: number) => void (tone.frequency = f) },
      connect: () => undefined,
      start: (t: number) => void (tone.start = t),
      stop: (t: number) => void (tone.stop = t),
    };
  }
  createGain() {
    return { gain: { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined }, connect: () => undefined };
  }
}

const summary = (overrides: Partial<Summary> = {}): Summary => ({
  id: 'c1',
  bot_id: 'b',
  visitor_id: 'v',
  visitor_email: 'sam@example.com',
  visitor_name: null,
  status: 'open',
  human_handoff: false,
  preview: 'Can I talk to a person?',
  message_count: 3,
  tags: [],
  sentiment: null,
  sentiment_label: null,
  lead_score: 0,
  lead_priority: 'cold',
  waiting_since: '2025-01-01T10:00:00Z',
  assignee: null,
  rating: null,
  created_at: '2025-01-01T10:00:00Z',
  last_message_at: '2025-01-01T10:00:00Z',
  ...overrides,
});

describe('chime', () => {
  it('plays two short rising tones from one shared audio context, resuming it', () => {
    FakeAudioContext.made = 0;
    const Ctor = FakeAudioContext as unknown as typeof AudioContext;
    expect(playChime(Ctor)).toBe(true);
    expect(playChime(Ctor)).toBe(true);
    expect(FakeAudioContext.made).toBe(1);
  });

  it('schedules the tones after now, each under a fifth of a second', () => {
    let ctx: FakeAudioContext | null = null;
    const Ctor = class extends FakeAudioContext {
      constructor() {
        super();
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        ctx = this;
      }
    } as unknown as typeof AudioContext;
    playChime(Ctor);
    const played = ctx as unknown as FakeAudioContext;
    expect(played.resumed).toBe(1);
    expect(played.tones.map((t) => t.frequency)).toEqual([880, 1320]);
    for (const t of played.tones) {
      expect(t.start).toBeGreaterThan(10);
      expect(t.stop - t.start).toBeLessThan(0.2);
    }
  });

  it('does nothing where there is no Web Audio', () => {
    expect(playChime(undefined)).toBe(false);
  });
});

describe('handoff alerts', () => {
  it('say who wants a person and what they wrote', () => {
    expect(handoffText(summary({ visitor_name: 'Sam Lee' }))).toEqual({ title: 'Sam Lee wants to talk to a person', body: '“Can I talk to a person?”' });
    expect(handoffText(summary({ visitor_email: null, preview: '' }))).toEqual({
      title: 'An anonymous visitor wants to talk to a person',
      body: 'Open the conversation to answer.',
    });
    expect(handoffText(null).title).toBe('A visitor wants to talk to a person');
    expect(handoffText({ preview: 'Hello?' })).toEqual({ title: 'A visitor wants to talk to a person', body: '“Hello?”' });
  });

  it('concern the agent unless a teammate has it', () => {
    expect(concernsMe(summary(), 'me')).toBe(true);
    expect(concernsMe(summary({ assignee: { id: 'me', name: 'Ada' } }), 'me')).toBe(true);
    expect(concernsMe(summary({ assignee: { id: 'bo', name: 'Bo' } }), 'me')).toBe(false);
  });

  it('notify through the browser only when allowed and the tab is not in front', () => {
    const made: Array<{ title: string; options: NotificationOptions; onclick: (() => void) | null; close: () => void }> = [];
    class FakeNotification {
      static permission: NotificationPermission = 'granted';
      onclick: (() => void) | null = null;
      close = vi.fn();
      constructor(
        public title: string,
        public options: NotificationOptions,
      ) {
        made.push(this);
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    const open = vi.fn();
    const front = { visibilityState: 'visible' as const, hasFocus: () => true };
    const behind = { visibilityState: 'hidden' as const, hasFocus: () => false };

    expect(showHandoffNotification('c1', handoffText(summary()), open, front)).toBeNull();
    expect(showHandoffNotification('c1', handoffText(summary()), open, behind)).not.toBeNull();
    expect(made[0]!.title).toBe('sam@example.com wants to talk to a person');
    expect(made[0]!.options).toMatchObject({ tag: 'parley-handoff-c1' });
    made[0]!.onclick?.();
    expect(open).toHaveBeenCalledTimes(1);
    expect(made[0]!.close).toHaveBeenCalled();

    FakeNotification.permission = 'default';
    expect(showHandoffNotification('c1', handoffText(summary()), open, behind)).toBeNull();
    expect(made).toHaveLength(1);
  });
});
