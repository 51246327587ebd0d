// The events a workflow can start on, in words: shared by the builder and the inbox.

/** The built-in events a trigger can start on (docs/workflows.md), with words for people. */
export const EVENTS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'message.received', label: 'A visitor sends a message' },
  { value: 'conversation.started', label: 'A conversation starts' },
  { value: 'sentiment.negative', label: 'Sentiment turns negative' },
  { value: 'intent.detected', label: 'An intent is detected' },
  { value: 'lead.qualified', label: 'A lead qualifies' },
  { value: 'image.uploaded', label: 'A visitor uploads an image' },
  { value: 'image.analyzed', label: 'An uploaded image is analyzed' },
  { value: 'conversation.resolved', label: 'A conversation is resolved' },
  { value: 'handoff.requested', label: 'A visitor asks for a person' },
  { value: 'integration.disconnected', label: 'An integration needs reconnecting' },
];

/** Words for an event name, `external:x` included. */
export function eventLabel(event: string | undefined): string {
  if (!event) return 'No event chosen';
  const known = EVENTS.find((e) => e.value === event);
  if (known) return known.label;
  if (event.startsWith('external:')) return `External event “${event.slice('external:'.length)}”`;
  return event;
}
