// Issue 28's canned replies API (shared-contract-28), written out by hand until
// `make openapi` regenerates src/api/schema.d.ts. Everything the canned replies page needs
// beyond the generated types is in this one file, so switching is one edit.
import type { components } from '../../api/schema';

/** GET /api/v1/canned-replies: the workspace's saved answers. */
/**
 * `shortcut`: 1 to 32 letters, digits, "-" or "_", unique in the workspace (409 `conflict` otherwise).
 * `body`: 1 to 2000 characters; {{visitor.name}}, {{visitor.email}} and {{agent.name}} are filled in when inserted.
 */
export type CannedReply = components['schemas']['CannedReplyView'];

/** Body of POST /api/v1/canned-replies and PUT /api/v1/canned-replies/{id}. */
export type CannedReplyInput = components['schemas']['CannedReplyInput'];
