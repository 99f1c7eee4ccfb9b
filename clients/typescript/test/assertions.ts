import assert from "node:assert/strict";
import { KeelError } from "../src/index.js";

/** The KeelError `call` rejects with; fails the test if it resolves or throws anything else. */
export async function keelError(call: Promise<unknown>): Promise<KeelError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof KeelError) {
      return error;
    }
    throw error;
  }
  assert.fail("expected the call to be refused with a KeelError");
}
