import type { components } from "./generated/schema.js";
import type { KeelErrorCode } from "./error-codes.js";

/** The document's problem, whose `code` may also be one a newer Keel added after this client was generated. */
export type Problem = {
  [K in keyof components["schemas"]["Problem"] as K extends "code" ? never : K]: components["schemas"]["Problem"][K];
} & { code: KeelErrorCode | (string & {}) };

/**
 * A refused call: Keel's problem+json, by its catalogued `code`. `code` is null when the answer was not a
 * problem (a proxy's error page, say); `body` then holds its text.
 */
export class KeelError extends Error {
  override readonly name = "KeelError";
  readonly status: number;
  /** A code of the catalogue, or a newer one this client does not list yet. */
  readonly code: KeelErrorCode | (string & {}) | null;
  readonly title: string;
  readonly detail: string;
  /** The messages about each field or query parameter, by name (validation problems). */
  readonly errors: Readonly<Record<string, readonly string[]>>;
  readonly traceId: string | null;
  /** The whole problem, with the members some codes add (`missing_permission`, `limit`); null if there was none. */
  readonly problem: Problem | null;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const problem = asProblem(body);
    super(problem === null ? `Keel answered ${String(status)} without a problem body` : `${problem.code}: ${problem.detail}`);
    this.status = status;
    this.problem = problem;
    this.body = body;
    this.code = problem?.code ?? null;
    this.title = problem?.title ?? "";
    this.detail = problem?.detail ?? "";
    this.errors = problem?.errors ?? {};
    this.traceId = problem?.trace_id ?? null;
  }
}

/** Whether `error` is a KeelError, with one of `codes` when any are given. */
export function isKeelError(error: unknown, ...codes: readonly KeelErrorCode[]): error is KeelError {
  if (!(error instanceof KeelError)) {
    return false;
  }
  return codes.length === 0 || codes.some((code) => code === error.code);
}

// Checks the members the document requires, so a KeelError never claims a code the server did not send.
function asProblem(body: unknown): Problem | null {
  if (typeof body !== "object" || body === null) {
    return null;
  }
  if (!("code" in body && "status" in body && "title" in body && "detail" in body && "type" in body && "trace_id" in body)) {
    return null;
  }
  const { code, status, title, detail, type, trace_id: traceId } = body;
  if (
    typeof code !== "string" ||
    typeof status !== "number" ||
    typeof title !== "string" ||
    typeof detail !== "string" ||
    typeof type !== "string" ||
    typeof traceId !== "string"
  ) {
    return null;
  }
  // The other members are kept as sent; `errors` only once checked.
  const members = Object.fromEntries(Object.entries(body).filter(([name]) => name !== "errors"));
  const problem: Problem = { ...members, code, status, title, detail, type, trace_id: traceId };
  const errors = "errors" in body ? asFieldErrors(body.errors) : undefined;
  if (errors !== undefined) {
    problem.errors = errors;
  }
  return problem;
}

function asFieldErrors(value: unknown): Record<string, string[]> | undefined {
  if (typeof value !== "object" || value === null) {
    return undefined;
  }
  const errors: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) {
      errors[field] = messages.filter((message) => typeof message === "string");
    }
  }
  return errors;
}
