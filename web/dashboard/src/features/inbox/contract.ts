// Issue 28's additions to the inbox API (shared-contract-28), written out by hand until
// `make openapi` regenerates src/api/schema.d.ts. Everything the inbox needs beyond the
// generated types is in this one file, so switching to the generated ones is one edit.
import type { ConversationDetail, ConversationSummary, InboxMessage, LiveEvent } from '../../api/conversations';
import type { Priority } from '../../api/insight';
import type { components } from '../../api/schema';

type Schemas = components['schemas'];

export type View = 'all' | 'waiting' | 'mine' | 'unassigned';
export type Sort = 'recent' | 'waiting' | 'lead';
export type Presence = Schemas['Presence'];
export type Assignee = Schemas['AgentRef'];
export type Rating = Schemas['Rating'];

/** ConversationSummary with issue 28's fields. */
/** `waiting_since` is set when the visitor asked for a human; cleared by an agent reply, take over or resolve. */
export type Summary = ConversationSummary &
  Pick<Schemas['ConversationSummary'], 'visitor_name' | 'waiting_since' | 'assignee' | 'rating' | 'sentiment_label'>;

/** Who wrote an agent message: the agent's id and name. */
export type MessageAuthor = Schemas['AgentRef'];

export interface ImageAttachment {
  kind: 'image';
  image_id?: string;
  content_type: string;
  bytes: number;
  name: string;
  /** A link the viewer can open (inbox: /api/v1/images/{image_id}). */
  url: string;
  /** What the visitor said the image is for (`return`, `invoice`, `count`, `other`). */
  purpose?: string | null;
  /** The newest analysis of the image; missing on servers from before image analysis. */
  analysis?: AnalysisNote | null;
}

/** What was read from an image, in short (the full result: GET /api/v1/conversations/{id}/images). */
export type AnalysisNote = Schemas['AnalysisNote'];

export interface RatingRequestAttachment {
  kind: 'rating_request';
}

export type Attachment = ImageAttachment | RatingRequestAttachment | { kind: string; url?: string; name?: string };

/** InboxMessage with issue 28's fields (agent messages carry their author). */
export type Message = Omit<InboxMessage, 'attachments'> & {
  author?: MessageAuthor | null;
  attachments?: Attachment[];
  /** The server's flag on the notice that asked the visitor for a rating (beside the contract's attachment). */
  rating_request?: boolean;
};

export type Detail = Omit<ConversationDetail, 'conversation' | 'messages'> & {
  conversation: Summary;
  messages: Message[];
};

export interface SummaryList {
  items: Summary[];
  next_before: string | null;
}

/** GET /api/v1/conversations/counts: open conversations. */
export type Counts = Schemas['ViewCounts'];

/** GET /api/v1/agents */
export type Agent = Schemas['AgentView'];

/**
 * GET /api/v1/contacts/{visitor_id}: the visitor as a contact, their lead signals and their
 * conversations (404 when the visitor is not a contact: no email, name or lead score).
 */
export type ContactDetail = Schemas['ContactDetail'];

/** GET /api/v1/canned-replies */
export type CannedReply = Schemas['CannedReplyView'];

/** The query of GET /api/v1/conversations with issue 28's filters. */
export interface ListQuery {
  bot_id?: string;
  status?: 'open' | 'resolved';
  q?: string;
  from?: string;
  to?: string;
  before?: string;
  limit?: number;
  view?: View;
  sentiment?: 'negative';
  lead?: Exclude<Priority, 'cold'>;
  intent?: string;
  tag?: string;
  sort?: Sort;
}

/** Stream events, with issue 28's fields and its `handoff.requested`. */
export type InboxEvent =
  | { type: 'message.created'; data: { conversation_id: string; message: Message } }
  | { type: 'conversation.updated'; data: { conversation: Summary } }
  /**
   * A conversation.updated event that carries only the changed fields
   * (`{conversation_id, status, human_handoff, …}`) instead of the whole summary,
   * as the server currently sends it; merged into what the page has.
   */
  | { type: 'conversation.changed'; data: { conversation_id: string; changes: Partial<Summary> } }
  /**
   * A visitor asked for a person. The contract sends the whole summary; a server that sends
   * only some fields (`conversation_id`, `preview`, `waiting_since`, `assignee_id`) gives
   * `conversation: null` and those fields as `changes`.
   */
  | { type: 'handoff.requested'; data: { conversation_id: string; conversation: Summary | null; changes: Partial<Summary> } }
  /** The server dropped events for this slow client: fetch again. */
  | { type: 'resync'; data: Record<string, never> }
  /** An image's analysis was queued, ended or corrected: the line under it changes. */
  | { type: 'image.analyzed'; data: { conversation_id: string; analysis: AnalysisNote } }
  | Extract<LiveEvent, { type: 'document.updated' }>;
