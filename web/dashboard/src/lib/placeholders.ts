// Canned replies' placeholders, filled in by the dashboard when an agent inserts a
// reply (the server stores the text as written). Shared code because two features need
// it: the canned replies page previews a reply, and the inbox inserts one.

/** What a canned reply can say about the conversation it is inserted into. */
export interface PlaceholderValues {
  visitorName?: string | null;
  visitorEmail?: string | null;
  agentName?: string | null;
}

/** The placeholders a canned reply may use, with what each becomes, for help texts. */
export const PLACEHOLDERS = [
  { token: '{{visitor.name}}', meaning: 'the visitor’s name, or “there” when it is not known' },
  { token: '{{visitor.email}}', meaning: 'the visitor’s email, or nothing when it is not known' },
  { token: '{{agent.name}}', meaning: 'the name of the agent sending the reply' },
] as const;

/** Said instead of the visitor's name when it is not known: "Hi {{visitor.name}}" reads "Hi there". */
export const UNKNOWN_VISITOR_NAME = 'there';

// `{{ visitor.name }}` with or without spaces inside the braces, any letter case.
const PLACEHOLDER = /\{\{\s*(visitor\.name|visitor\.email|agent\.name)\s*\}\}/gi;

/**
 * Fills a canned reply's placeholders in one pass (a value that itself looks like a
 * placeholder is not filled again). A value that is missing or blank becomes empty,
 * except the visitor's name, which becomes "there". Other `{{…}}` text is left as it
 * is, so the agent sees it before sending.
 */
export function fillPlaceholders(body: string, values: PlaceholderValues): string {
  const clean = (value: string | null | undefined) => (value ?? '').trim();
  return body.replace(PLACEHOLDER, (_match, name: string) => {
    switch (name.toLowerCase()) {
      case 'visitor.name':
        return clean(values.visitorName) || UNKNOWN_VISITOR_NAME;
      case 'visitor.email':
        return clean(values.visitorEmail);
      default:
        return clean(values.agentName);
    }
  });
}
