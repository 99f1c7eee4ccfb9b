// README "Webhooks" through the client: an endpoint, an idempotent publish, a signed delivery checked with
// every scheme, and the delivery as Keel records it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type KeelClient, type Schemas, type SignatureVersion, unwrap, unwrapWithResponse, verifyWebhook, WebhookVerificationError, webhookPublicKey } from "../src/index.js";
import { newTenant, randomId } from "./live.js";
import { startReceiver, type Received, type Receiver } from "./receiver.js";

const allVersions: SignatureVersion[] = ["v1", "v2", "v1a"];
let receiver: Receiver;
before(async () => {
  receiver = await startReceiver("/hooks");
});
after(async () => {
  await receiver.close();
});

test("an invoice event reaches the receiver signed with v1, v2 and v1a", async () => {
  const { owner } = await newTenant();
  const endpoint = await unwrap(
    owner.POST("/v1/webhooks/endpoints", {
      body: { url: receiver.url, event_types: ["invoice.*"], signature_versions: ["v1", "v2", "v1a"] },
    }),
  );
  assert.match(endpoint.secret, /^whsec_/);
  assert.deepEqual(endpoint.signature_versions, ["v1", "v2", "v1a"]);
  // The client derives the same v1a public key from the secret as Keel publishes.
  assert.deepEqual(endpoint.public_keys, [webhookPublicKey(endpoint.secret)]);

  const arrived = receiver.received.length;
  const idempotencyKey = randomId("inv");
  const publish = () =>
    unwrapWithResponse(
      owner.POST("/v1/events", {
        params: { header: { "Idempotency-Key": idempotencyKey } },
        body: { type: "invoice.paid", payload: { invoice: "inv_1001", amount: 4200 } },
      }),
    );
  const first = await publish();
  assert.equal(first.response.status, 202);
  assert.match(first.data.id, /^msg_/);
  assert.equal(first.data.type, "invoice.paid");
  const repeat = await publish();
  assert.equal(repeat.response.status, 202);
  assert.equal(repeat.data.id, first.data.id);
  assert.equal(repeat.response.headers.get("idempotent-replayed"), "true");

  const delivery = await receiver.next(arrived, 30_000);
  assert.equal(delivery.path, "/hooks");
  assert.equal(delivery.headers["webhook-id"], first.data.id);
  assert.deepEqual(signatureVersions(delivery), ["v1", "v2", "v1a"]);

  for (const version of allVersions) {
    const verified = verifyWebhook(endpoint.secret, delivery.headers, delivery.body, { versions: [version] });
    assert.equal(verified.version, version);
    assert.equal(verified.id, first.data.id);
    assert.equal(String(verified.timestamp), delivery.headers["webhook-timestamp"]);
  }
  // The public key checks v1a, and only v1a.
  const publicKey = endpoint.public_keys[0] ?? "";
  assert.equal(verifyWebhook(publicKey, delivery.headers, delivery.body).version, "v1a");
  assertRefused(() => verifyWebhook(publicKey, delivery.headers, delivery.body, { versions: ["v1", "v2"] }), "no_matching_signature");

  const body: unknown = JSON.parse(delivery.body.toString("utf8"));
  assert.ok(JSON.stringify(body).includes('"invoice":"inv_1001"'), delivery.body.toString("utf8"));

  const tampered = Buffer.from(delivery.body.toString("utf8").replace("4200", "4201"), "utf8");
  assert.notDeepEqual(tampered, delivery.body);
  for (const version of allVersions) {
    assertRefused(() => verifyWebhook(endpoint.secret, delivery.headers, tampered, { versions: [version] }), "no_matching_signature");
  }
  const timestamp = Number(delivery.headers["webhook-timestamp"]);
  assertRefused(
    () => verifyWebhook(endpoint.secret, delivery.headers, delivery.body, { now: new Date((timestamp + 301) * 1000) }),
    "timestamp_too_old",
  );
  assertRefused(
    () => verifyWebhook(endpoint.secret, delivery.headers, delivery.body, { now: new Date((timestamp + 61) * 1000), toleranceSeconds: 60 }),
    "timestamp_too_old",
  );
  const other = await unwrap(owner.POST("/v1/webhooks/endpoints", { body: { url: receiver.url, event_types: ["nothing.*"] } }));
  assertRefused(() => verifyWebhook(other.secret, delivery.headers, delivery.body), "no_matching_signature");

  const recorded = await succeededDelivery(owner, first.data.id);
  assert.equal(recorded.endpoint_id, endpoint.id);
  assert.equal(recorded.event_type, "invoice.paid");
  assert.equal(recorded.attempt_count, 1);
  assert.equal(recorded.last_status_code, 204);
  const listed = await unwrap(owner.GET("/v1/deliveries", { params: { query: { endpoint_id: endpoint.id, limit: 10 } } }));
  assert.deepEqual(
    listed.data.map((d) => d.id),
    [recorded.id],
  );
  const attempts = await unwrap(owner.GET("/v1/deliveries/{id}/attempts", { params: { path: { id: recorded.id } } }));
  assert.deepEqual(
    attempts.data.map((a) => [a.delivery_id, a.status_code]),
    [[recorded.id, 204]],
  );
});

function signatureVersions(delivery: Received): string[] {
  const header = delivery.headers["webhook-signature"];
  assert.equal(typeof header, "string");
  return String(header)
    .split(" ")
    .map((entry) => entry.slice(0, entry.indexOf(",")));
}

function assertRefused(verify: () => unknown, reason: WebhookVerificationError["reason"]): void {
  assert.throws(verify, (error: unknown) => error instanceof WebhookVerificationError && error.reason === reason);
}

// The receiver may hear the delivery before Keel has recorded its outcome.
async function succeededDelivery(owner: KeelClient, eventId: string): Promise<Schemas["DeliveryView"]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = await unwrap(owner.GET("/v1/events/{id}/deliveries", { params: { path: { id: eventId } } }));
    assert.equal(page.data.length, 1);
    const [delivery] = page.data;
    if (delivery?.status === "succeeded") {
      return delivery;
    }
    assert.ok(Date.now() < deadline, `delivery still ${String(delivery?.status)}`);
    await sleep(200);
  }
}
