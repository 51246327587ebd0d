/**
 * The widget API's shapes, from the server's OpenAPI document
 * (web/dashboard/openapi.json, generated into api-schema.d.ts by `npm run gen:api`).
 * Types only: nothing here reaches widget.js. Where the widget reads a field
 * more narrowly or more leniently than the schema, it says so below.
 */
import type { components } from './api-schema';
import type { CitationAdditions, RatingRequest } from './contract';

type Schemas = components['schemas'];

export type Appearance = Schemas['Appearance'];
export type Author = Schemas['Author'];
export type Rating = Schemas['Rating'];
/** `POST /widget/v1/conversations/{id}/rating`. */
export type RatingBody = Schemas['RatingRequest'];
export type Rated = Schemas['Rated'];
export type Faq = Schemas['WidgetFaq'];
export type WidgetConfig = Schemas['WidgetConfig'];

/** `{kind: "faq" | "passage", title, heading?, document_id?, url?, quote?}`. */
export type Citation = Schemas['Citation'] & CitationAdditions;

type Analysed = 'image_id' | 'purpose' | 'analysis';
/** `image_id`, `purpose` and `analysis` are missing on servers from before image analysis. */
export type ImageAttachment = Omit<Schemas['Attachment'], Analysed> & Partial<Pick<Schemas['Attachment'], Analysed>>;
/** What the bot read from an image: `summary` goes under the image `image_id`. */
export type AnalysisNote = Schemas['AnalysisNote'];
/** An image, or (on the system message a resolve posts) a request to rate the conversation. */
export type Attachment = ImageAttachment | RatingRequest;

export type Role = Schemas['MessageRole'];

export type Message = Omit<Schemas['MessageView'], 'citations' | 'attachments' | 'analysis'> & {
  citations: Citation[];
  /** Set on the bot's report on an image; missing on older servers. */
  analysis?: AnalysisNote | null;
  /** Missing on servers (and live events) from before image uploads. */
  attachments?: Attachment[];
};

export type Conversation = Schemas['ConversationView'];
export type ConversationList = Omit<Schemas['VisitorConversationList'], 'items'> & { items: Conversation[] };
export type StartConversation = Schemas['StartConversation'];
export type Started = Omit<Schemas['StartedConversation'], 'conversation' | 'messages'> & { conversation: Conversation; messages: Message[] };
export type ConversationDetail = Omit<Schemas['VisitorConversationDetail'], 'conversation' | 'messages'> & {
  conversation: Conversation;
  messages: Message[];
};
export type UploadedImage = Omit<Schemas['UploadedImage'], 'message'> & { message: Message };
