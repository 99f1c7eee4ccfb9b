// Keel's error catalogue (GET /v1/errors), from the OpenAPI document's ProblemCode enum. A newer Keel may
// answer a code this list does not have yet; KeelError.code says so by also being a plain string.
import { problemCodeValues, type components } from "./generated/schema.js";

export type KeelErrorCode = components["schemas"]["ProblemCode"];

export const keelErrorCodes: readonly KeelErrorCode[] = problemCodeValues;
