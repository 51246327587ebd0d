// Insight types, from the generated OpenAPI schema: what the server learns
// from visitor messages (sentiment, intents, lead fields and score) and a bot's
// insight settings (GET/PUT /api/v1/bots/{id}/intents, POST .../analyze). They
// pick the contract's fields (so fields the server adds later do not matter
// here, while a renamed or removed one fails the typecheck) and narrow what the
// schema leaves loose.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Sentiment = Schemas['Sentiment'];
export type SentimentLabel = Schemas['SentimentLabel'];
export type IntentMatch = Schemas['IntentMatch'];
/** The server leaves out the fields that were not stated (the schema calls them nullable). */
export type LeadFields = Partial<Schemas['LeadFields']>;
export type Signal = Schemas['Signal'];
export type Priority = Schemas['Priority'];
export type Trend = Schemas['Trend'];
export type MessageInsight = Pick<Schemas['MessageInsight'], 'sentiment' | 'intents'> & { fields: LeadFields };
export type ConversationSentiment = Pick<Schemas['ConversationSentiment'], 'count' | 'average' | 'first' | 'last' | 'trend'>;
export type LeadState = Pick<Schemas['LeadState'], 'score' | 'breakdown' | 'priority' | 'qualified_fired'> & { fields: LeadFields };
export interface ConversationInsight {
  sentiment: ConversationSentiment;
  lead: LeadState;
}

/**
 * A custom intent. The schema leaves phrases, patterns and points optional
 * because the server defaults them on input; it always sends all of them, and
 * the editor always sends all of them back.
 */
export type CustomIntent = Required<Schemas['CustomIntent']>;

/** The bot's insight settings: its intents, and thresholds the intents page does not edit but sends back as they came. */
export type InsightSettings = Omit<Schemas['InsightSettings'], 'intents'> & { intents: CustomIntent[] };

/** What the analysis of one text gives: the same as a stored visitor message's insight. */
export type Analysis = MessageInsight;
