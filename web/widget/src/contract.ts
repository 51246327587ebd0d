/**
 * Issue 28's additions to the widget API (shared-contract-28), typed by hand until the server
 * lands them and `npm run gen:api` generates them from openapi.json. Each is marked with the
 * generated type it extends; once that type has the field, delete it here and in types.ts.
 * Types only: nothing here reaches widget.js.
 */

/** `ConversationView.rating` and the rating endpoint's answer. */
export interface Rating {
  score: number;
  comment: string | null;
}

/** `POST /widget/v1/conversations/{id}/rating`. */
export interface RatingBody {
  score: number;
  /** At most 1000 characters. */
  comment?: string;
}

export interface Rated {
  rating: Rating;
}

/** `MessageView.author`: who wrote an agent message. */
export interface Author {
  name: string;
  avatar_url: string | null;
}

/** Added to `ConversationView`. Optional: servers before issue 28 don't send it. */
export interface ConversationAdditions {
  rating?: Rating | null;
}

/** Added to `MessageView`. */
export interface MessageAdditions {
  author?: Author | null;
  /**
   * Not in the contract, which puts `{kind: "rating_request"}` in `attachments`; the server
   * being written says it with this flag and sends images only. The widget reads both.
   */
  rating_request?: boolean;
}

/** Added to `Citation`: a link to the source, and the passage's first 300 characters. */
export interface CitationAdditions {
  url?: string | null;
  quote?: string;
}

/** The attachment on the system message a resolve posts: "rate this conversation". */
export interface RatingRequest {
  kind: 'rating_request';
}
