// verifyWebhook on its own, with Standard Webhooks' published example (no Keel needed).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { verifyWebhook, WebhookVerificationError, webhookPublicKey } from "../src/index.js";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const timestamp = 1614265330;
const body = '{"test": 2432232314}';
const v1 = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const sent = new Date(timestamp * 1000);

function headers(signature: string): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature };
}

function refused(verify: () => unknown, reason: WebhookVerificationError["reason"]): void {
  assert.throws(verify, (error: unknown) => error instanceof WebhookVerificationError && error.reason === reason);
}

test("the published v1 example verifies, from a string or from bytes", () => {
  assert.deepEqual(verifyWebhook(secret, headers(v1), body, { now: sent }), { id, timestamp, version: "v1" });
  assert.equal(verifyWebhook(secret, headers(v1), Buffer.from(body), { now: sent }).version, "v1");
});

test("any header spelling: fetch Headers and mixed-case names", () => {
  assert.equal(verifyWebhook(secret, new Headers(headers(v1)), body, { now: sent }).id, id);
  const mixed = { "Webhook-Id": id, "WEBHOOK-TIMESTAMP": String(timestamp), "Webhook-Signature": v1 };
  assert.equal(verifyWebhook(secret, mixed, body, { now: sent }).id, id);
});

test("unknown and unwanted entries are skipped; one matching entry is enough", () => {
  assert.equal(verifyWebhook(secret, headers(`v9,AAAA v1,${"A".repeat(44)} ${v1}`), body, { now: sent }).version, "v1");
  refused(() => verifyWebhook(secret, headers(v1), body, { now: sent, versions: ["v2", "v1a"] }), "no_matching_signature");
});

test("during a rotation any of the live secrets may have signed", () => {
  const other = `whsec_${randomBytes(32).toString("base64")}`;
  assert.equal(verifyWebhook([other, secret], headers(v1), body, { now: sent }).version, "v1");
  refused(() => verifyWebhook([other], headers(v1), body, { now: sent }), "no_matching_signature");
});

test("a changed id, timestamp or body fails", () => {
  refused(() => verifyWebhook(secret, { ...headers(v1), "webhook-id": "msg_other" }, body, { now: sent }), "no_matching_signature");
  refused(() => verifyWebhook(secret, { ...headers(v1), "webhook-timestamp": String(timestamp + 1) }, body, { now: sent }), "no_matching_signature");
  refused(() => verifyWebhook(secret, headers(v1), `${body} `, { now: sent }), "no_matching_signature");
});

test("timestamps outside the tolerance, malformed or missing headers fail", () => {
  refused(() => verifyWebhook(secret, headers(v1), body, { now: new Date((timestamp + 301) * 1000) }), "timestamp_too_old");
  refused(() => verifyWebhook(secret, headers(v1), body, { now: new Date((timestamp - 301) * 1000) }), "timestamp_too_new");
  assert.equal(verifyWebhook(secret, headers(v1), body, { now: new Date((timestamp + 300) * 1000) }).version, "v1");
  refused(() => verifyWebhook(secret, { ...headers(v1), "webhook-timestamp": "1614265330.5" }, body, { now: sent }), "invalid_timestamp");
  refused(() => verifyWebhook(secret, { "webhook-id": id, "webhook-timestamp": String(timestamp) }, body, { now: sent }), "missing_header");
});

test("keys that are not a 24-64 byte whsec_ secret or a 32-byte whpk_ key are refused", () => {
  for (const key of ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaSw", "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", `whpk_${randomBytes(31).toString("base64")}`]) {
    refused(() => verifyWebhook(key, headers(v1), body, { now: sent }), "invalid_key");
  }
});

test("the v1a public key of a secret is whpk_ and 32 bytes, and a public key cannot check v1", () => {
  const publicKey = webhookPublicKey(secret);
  assert.match(publicKey, /^whpk_[A-Za-z0-9+/]{43}=$/);
  assert.equal(webhookPublicKey(secret), publicKey);
  refused(() => verifyWebhook(publicKey, headers(v1), body, { now: sent }), "no_matching_signature");
  refused(() => webhookPublicKey(publicKey), "invalid_key");
});
