// Conversation (inbox) types, from the generated OpenAPI schema. They pick the
// fields of the conversations contract the inbox uses (so fields the server
// adds later do not matter here, while a renamed or removed one fails the
// typecheck) and narrow what the schema leaves loose: status and role are plain
// strings there, citations bare objects. The stream events are not in the
// OpenAPI document (SSE), so they are written out below, mirroring the
// contract of GET /api/v1/stream. Insight types are in insight.ts.
import type { ConversationInsight, MessageInsight } from './insight';
import type { components } from './schema';

type Schemas = components['schemas'];

export type ConversationStatus = 'open' | 'resolved';
export type MessageRole = 'visitor' | 'bot' | 'agent' | 'system';

export type ConversationSummary = Pick<
  Schemas['ConversationSummary'],
  | 'id'
  | 'bot_id'
  | 'visitor_id'
  | 'visitor_email'
  | 'human_handoff'
  | 'preview'
  | 'message_count'
  | 'tags'
  | 'sentiment'
  | 'lead_score'
  | 'lead_priority'
  | 'created_at'
  | 'last_message_at'
> & { status: ConversationStatus };

export type ConversationList = Pick<Schemas['ConversationList'], 'next_before'> & { items: ConversationSummary[] };

/** One source of a bot answer (the schema types citations as bare objects). */
export interface Citation {
  kind: 'faq' | 'passage';
  title: string;
  heading?: string;
  document_id?: string;
  faq_id?: string;
}

export type InboxMessage = Pick<Schemas['InboxMessage'], 'id' | 'text' | 'model' | 'latency_ms' | 'created_at'> & {
  role: MessageRole;
  citations: Citation[];
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

export type ConversationUpdate = Pick<Schemas['ConversationUpdate'], 'tags'> & { status?: ConversationStatus };

export type HandoffAction = Schemas['HandoffAction'];

/** Query of GET /api/v1/conversations (the schema declares these as path parameters, so they are written out here). */
export interface ConversationQuery {
  bot_id?: string;
  status?: ConversationStatus;
  q?: string;
  from?: string;
  to?: string;
  before?: string;
  limit?: number;
}

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
