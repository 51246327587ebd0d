/** The widget API's shapes (crates/parley-server/src/routes/widget.rs). */

export interface Appearance {
  title: string;
  greeting: string;
  /** `#rrggbb`. */
  primary_color: string;
  position: 'left' | 'right';
  avatar_url: string | null;
}

export interface Faq {
  id: string;
  question: string;
  answer: string;
}

export interface WidgetConfig {
  name: string;
  appearance: Appearance;
  faqs: Faq[];
}

/** `{kind: "faq" | "passage", title, heading?, url?}`; other fields are ignored. */
export interface Citation {
  kind?: string;
  title?: string;
  heading?: string;
  url?: string;
}

export interface Attachment {
  kind: string;
  /** Signed, short-lived, relative to the API origin. */
  url: string;
  content_type: string;
  bytes: number;
  name: string;
}

export type Role = 'visitor' | 'bot' | 'agent' | 'system';

export interface Message {
  id: string;
  role: Role;
  text: string;
  citations: Citation[];
  /** Missing on servers (and live events) from before image uploads. */
  attachments?: Attachment[];
  created_at: string;
}

export interface Conversation {
  id: string;
  status: string;
  preview: string;
  message_count: number;
  created_at: string;
  last_message_at: string;
}

export interface Started {
  conversation: Conversation;
  session_token: string;
  email_verified: boolean;
  messages: Message[];
}

export interface ConversationDetail {
  conversation: Conversation;
  messages: Message[];
}
