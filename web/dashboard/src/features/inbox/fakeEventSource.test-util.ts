// A stand-in EventSource for the inbox's page tests.
import { act } from '@testing-library/react';

/** A stand-in EventSource the test drives by hand. */
export class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, Array<(e: { data: string }) => void>>();
  closed = false;
  constructor(
    public url: string,
    public init?: EventSourceInit,
  ) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  removeEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, (this.listeners.get(type) ?? []).filter((f) => f !== fn));
  }
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    act(() => this.onopen?.());
  }
  emit(type: string, data: unknown) {
    act(() => this.dispatch(type, data));
  }
  /** An event without act(), for a test that decides itself when React renders. */
  dispatch(type: string, data: unknown) {
    this.listeners.get(type)?.forEach((fn) => fn({ data: JSON.stringify(data) }));
  }
  fail() {
    this.readyState = 2;
    act(() => this.onerror?.());
  }
  /** The connection drops and the browser reconnects: the page catches up with one poll. */
  reconnect() {
    this.readyState = 0;
    act(() => this.onerror?.());
    this.open();
  }
}

