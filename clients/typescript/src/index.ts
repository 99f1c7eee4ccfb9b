export { createKeelClient, unwrap, unwrapWithResponse, type CallResult, type KeelClient, type KeelClientOptions } from "./client.js";
export { KeelError, isKeelError, type Problem } from "./errors.js";
export { keelErrorCodes, type KeelErrorCode } from "./error-codes.js";
export { paginate, type Page, type PageQuery } from "./pagination.js";
export {
  verifyWebhook,
  webhookPublicKey,
  WebhookVerificationError,
  type SignatureVersion,
  type VerifiedWebhook,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookVerificationFailure,
} from "./webhooks.js";
export type { components, operations, paths } from "./generated/schema.js";

import type { components } from "./generated/schema.js";
/** The schemas of Keel's document by name: `Schemas["KeyView"]`. */
export type Schemas = components["schemas"];
