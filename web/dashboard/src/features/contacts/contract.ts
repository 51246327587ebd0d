// Issue 28's contacts API (shared-contract-28), written out by hand until `make openapi`
// regenerates src/api/schema.d.ts. Everything the contacts pages need beyond the
// generated types is in this one file, so switching to the generated ones is one edit.
import type { ConversationStatus } from '../../api/conversations';
import type { Priority, Signal } from '../../api/insight';
import type { components } from '../../api/schema';

/** A visitor with an email, a name, or a lead score above 0. `id` is the visitor's id. */
export type Contact = components['schemas']['ContactView'];

/** GET /api/v1/contacts, newest activity first. */
export type ContactList = components['schemas']['ContactList'];

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
