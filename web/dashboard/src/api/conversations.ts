// Conversation (inbox) types, from the generated OpenAPI schema. They pick the
// fields of the conversations contract the inbox uses (so fields the server
// adds later do not matter here, while a renamed or removed one fails the
// typecheck); statuses, roles and citations are the schema's own. Insight is
// narrowed as in insight.ts. The stream events are not in the
// OpenAPI document (SSE), so they are written out below, mirroring the
// contract of GET /api/v1/stream. Insight types are in insight.ts.
import type { ConversationInsight, MessageInsight } from './insight';
import type { components, operations } from './schema';

type Schemas = components['schemas'];

export type ConversationStatus = Schemas['ConversationStatus'];
export type MessageRole = Schemas['MessageRole'];

export type ConversationSummary = Pick<
  Schemas['ConversationSummary'],
  | 'id'
  | 'bot_id'
  | 'visitor_id'
  | 'visitor_email'
  | 'status'
  | 'human_handoff'
  | 'preview'
  | 'message_count'
  | 'tags'
  | 'sentiment'
  | 'lead_score'
  | 'lead_priority'
  | 'created_at'
  | 'last_message_at'
>;

export type ConversationList = Pick<Schemas['ConversationList'], 'next_before'> & { items: ConversationSummary[] };

/** One source of a bot answer. */
export type Citation = Schemas['Citation'];

export type InboxMessage = Pick<
  Schemas['InboxMessage'],
  'id' | 'role' | 'text' | 'citations' | 'model' | 'latency_ms' | 'created_at'
> & {
  /** Sentiment, intents and lead fields of a visitor message; null for others (and for messages older than the feature). */
  insight: MessageInsight | null;
};

export type Note = Pick<Schemas['NoteView'], 'id' | 'author_user_id' | 'text' | 'created_at'>;

export type ConversationDetail = Pick<Schemas['ConversationDetail'], 'summary'> & {
  conversation: ConversationSummary;
  insight: ConversationInsight;
  messages: InboxMessage[];
  notes: Note[];
};

export type ConversationUpdate = Pick<Schemas['ConversationUpdate'], 'status' | 'tags'>;

export type HandoffAction = Schemas['HandoffAction'];

/** Query of GET /api/v1/conversations. */
export type ConversationQuery = NonNullable<operations['list_conversations']['parameters']['query']>;

/** Events of GET /api/v1/stream, by SSE event name. */
export type LiveEvent =
  | { type: 'message.created'; data: { conversation_id: string; message: InboxMessage } }
  | { type: 'conversation.updated'; data: { conversation: ConversationSummary } }
  /**
   * A conversation.updated event that carries only the changed fields
   * (`{conversation_id, status, human_handoff, …}`) instead of the whole summary,
   * as the server currently sends it; merged into what the page has.
   */
  | { type: 'conversation.changed'; data: { conversation_id: string; changes: Partial<ConversationSummary> } }
  | { type: 'document.updated'; data: { bot_id: string; document: unknown } };

export const LIVE_EVENT_TYPES = ['message.created', 'conversation.updated', 'document.updated'] as const;
