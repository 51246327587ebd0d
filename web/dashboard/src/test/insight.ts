// Insight payloads for tests, shaped like the server's (see api/insight.ts).
import type { ConversationInsight, IntentMatch, LeadFields, MessageInsight } from '../api/insight';

/** No lead fields stated: the server sends an empty object, leaving out every field. */
export const NO_FIELDS: LeadFields = {};

/** A conversation nothing has been learnt about yet (the server's default). */
export const NO_INSIGHT: ConversationInsight = {
  sentiment: { count: 0, average: 0, first: 0, last: 0, trend: 'steady' },
  lead: { score: 0, breakdown: [], fields: NO_FIELDS, priority: 'cold', qualified_fired: false },
};

/** A visitor message's insight with the label the server would give the score. */
export function messageInsight(score: number, intents: IntentMatch[] = [], fields: Partial<LeadFields> = {}): MessageInsight {
  const label = score >= 0.05 ? 'positive' : score <= -0.05 ? 'negative' : 'neutral';
  return { sentiment: { score, label }, intents, fields: { ...NO_FIELDS, ...fields } };
}
