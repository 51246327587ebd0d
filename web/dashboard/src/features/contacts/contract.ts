// Issue 28's contacts API (shared-contract-28), written out by hand until `make openapi`
// regenerates src/api/schema.d.ts. Everything the contacts pages need beyond the
// generated types is in this one file, so switching to the generated ones is one edit.
import type { ConversationStatus } from '../../api/conversations';
import type { Priority, Signal } from '../../api/insight';

/** A visitor with an email, a name, or a lead score above 0. `id` is the visitor's id. */
export interface Contact {
  id: string;
  bot_id: string;
  email: string | null;
  name: string | null;
  company: string | null;
  lead_score: number;
  lead_priority: Priority;
  stage: string | null;
  conversations: number;
  last_conversation_id: string;
  last_seen_at: string;
}

/** GET /api/v1/contacts, newest activity first. */
export interface ContactList {
  items: Contact[];
  next_before: string | null;
}

/** The fields of a ConversationSummary the contact page shows. */
export interface ContactConversation {
  id: string;
  status: ConversationStatus;
  preview: string | null;
  message_count: number;
  human_handoff: boolean;
  lead_priority: Priority;
  created_at: string;
  last_message_at: string | null;
}

/** GET /api/v1/contacts/{id}. A signal is `{ name, points, evidence }`, as in a conversation's lead breakdown. */
export interface ContactDetail {
  contact: Contact;
  signals: Signal[];
  conversations: ContactConversation[];
}
