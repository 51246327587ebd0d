// Insight settings types, from the generated OpenAPI schema
// (GET/PUT /api/v1/bots/{id}/intents, POST /api/v1/bots/{id}/analyze).
import type { components } from '../../api/schema';
import type { MessageInsight } from '../inbox/types';

type Schemas = components['schemas'];

/**
 * A custom intent. The schema leaves phrases, patterns and points optional
 * because the server defaults them on input; it always sends all of them, and
 * the editor always sends all of them back.
 */
export type CustomIntent = Required<Schemas['CustomIntent']>;

/** The bot's insight settings: its intents, and thresholds this page does not edit but sends back as they came. */
export type InsightSettings = Omit<Schemas['InsightSettings'], 'intents'> & { intents: CustomIntent[] };

/** What the analysis of one text gives: the same as a stored visitor message's insight. */
export type Analysis = MessageInsight;
