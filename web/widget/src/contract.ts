/**
 * What the widget reads beyond the generated schema (shared-contract-28): fields the contract
 * names that openapi.json does not describe yet. Each is marked with the generated type it
 * extends; once that type has the field, delete it here and in types.ts.
 * Types only: nothing here reaches widget.js.
 */

/** Added to `Citation`: a link to the source, and the passage's first 300 characters. */
export interface CitationAdditions {
  url?: string | null;
  quote?: string;
}

/** The attachment on the system message a resolve posts: "rate this conversation". */
export interface RatingRequest {
  kind: 'rating_request';
}
