/**
 * The widget API's shapes, from the server's OpenAPI document
 * (web/dashboard/openapi.json, generated into api-schema.d.ts by `npm run gen:api`).
 * Types only: nothing here reaches widget.js. Where the widget reads a field
 * more narrowly or more leniently than the schema, it says so below.
 */
import type { components } from './api-schema';

type Schemas = components['schemas'];

export type Appearance = Schemas['Appearance'];
export type Faq = Schemas['WidgetFaq'];
export type WidgetConfig = Schemas['WidgetConfig'];

/**
 * `{kind: "faq" | "passage", title, heading?, …}`. `url` is not in the API:
 * a citation that carries one is shown as a link.
 */
export type Citation = Schemas['Citation'] & { url?: string };

export type Attachment = Schemas['Attachment'];

export type Role = Schemas['MessageRole'];

export type Message = Omit<Schemas['MessageView'], 'citations' | 'attachments'> & {
  citations: Citation[];
  /** Missing on servers (and live events) from before image uploads. */
  attachments?: Attachment[];
};

export type Conversation = Schemas['ConversationView'];
export type ConversationList = Schemas['VisitorConversationList'];
export type StartConversation = Schemas['StartConversation'];
export type Started = Omit<Schemas['StartedConversation'], 'messages'> & { messages: Message[] };
export type ConversationDetail = Omit<Schemas['VisitorConversationDetail'], 'messages'> & { messages: Message[] };
export type UploadedImage = Omit<Schemas['UploadedImage'], 'message'> & { message: Message };
