import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { paths } from "./generated/schema.js";
import { KeelError } from "./errors.js";

export type KeelClient = Client<paths>;

export interface KeelClientOptions {
  /** Where Keel listens, such as `https://keel.example.com`. */
  baseUrl: string;
  /** The platform admin token (tenants, operator plans) or a management key (`keel_sk_...`). */
  token: string;
  /** Another fetch, for tests or a custom agent. */
  fetch?: ClientOptions["fetch"];
}

/** The generated client (openapi-fetch), sending `Authorization: Bearer <token>` with every call. */
export function createKeelClient(options: KeelClientOptions): KeelClient {
  const clientOptions: ClientOptions = {
    baseUrl: options.baseUrl,
    headers: { Authorization: `Bearer ${options.token}` },
  };
  if (options.fetch !== undefined) {
    clientOptions.fetch = options.fetch;
  }
  return createClient<paths>(clientOptions);
}

/** What every call of the generated client resolves to. */
export type CallResult<T, E> =
  | { data: T; error?: never; response: Response }
  | { data?: never; error: E; response: Response };

/** The data of a successful call; a refused one throws KeelError. */
export async function unwrap<T, E>(call: Promise<CallResult<T, E>>): Promise<T> {
  return (await unwrapWithResponse(call)).data;
}

/** As unwrap, with the response too, for its status and headers (`Location`, `Idempotent-Replayed`, `RateLimit`). */
export async function unwrapWithResponse<T, E>(call: Promise<CallResult<T, E>>): Promise<{ data: T; response: Response }> {
  const result = await call;
  if (!succeeded(result)) {
    throw new KeelError(result.response.status, result.error);
  }
  return { data: result.data, response: result.response };
}

// openapi-fetch leaves `error` undefined for a refusal without a body, so the status decides too.
function succeeded<T, E>(result: CallResult<T, E>): result is Extract<CallResult<T, E>, { data: T }> {
  return result.response.ok && result.error === undefined;
}
