// README "Walkthrough" through the client: tenant, key, verify, revoke, pages, and typed errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isKeelError, keelErrorCodes, paginate, unwrap, unwrapWithResponse, type PageQuery } from "../src/index.js";
import { keelError } from "./assertions.js";
import { admin, newTenant, randomId } from "./live.js";

test("keys: create, verify, revoke, verify again, list page by page", async () => {
  const { owner, ownerKeyId } = await newTenant();

  const created = await unwrap(
    owner.POST("/v1/keys", {
      body: { name: "Customer 42", prefix: "acme_live", owner_id: "cus_42", scopes: ["invoices:read"], meta: { plan: "gold" } },
    }),
  );
  assert.match(created.key, /^acme_live_/);
  assert.match(created.id, /^key_/);
  assert.equal(created.kind, "client");
  assert.equal(created.status, "active");
  assert.equal(created.name, "Customer 42");
  assert.equal(created.prefix, "acme_live");
  assert.equal(created.owner_id, "cus_42");
  assert.deepEqual(created.scopes, ["invoices:read"]);
  assert.deepEqual(created.meta, { plan: "gold" });
  assert.ok(created.key.startsWith(created.start), `${created.start} starts ${created.key}`);

  const valid = await unwrap(owner.POST("/v1/keys/verify", { body: { key: created.key, scopes: ["invoices:read"] } }));
  assert.equal(valid.code, "VALID");
  assert.equal(valid.valid, true);
  assert.equal(valid.key_id, created.id);
  assert.equal(valid.owner_id, "cus_42");
  assert.deepEqual(valid.scopes, ["invoices:read"]);
  assert.deepEqual(valid.meta, { plan: "gold" });

  const revoked = await owner.DELETE("/v1/keys/{id}", { params: { path: { id: created.id } } });
  assert.equal(revoked.response.status, 204);

  const again = await unwrap(owner.POST("/v1/keys/verify", { body: { key: created.key } }));
  assert.equal(again.code, "REVOKED");
  assert.equal(again.valid, false);

  const more: string[] = [];
  for (const name of ["Key 1", "Key 2", "Key 3"]) {
    more.push((await unwrap(owner.POST("/v1/keys", { body: { name } }))).id);
  }

  const pages: PageQuery[] = [];
  const seen: string[] = [];
  for await (const key of paginate((page) => {
    pages.push(page);
    return owner.GET("/v1/keys", { params: { query: { limit: 2, ...page } } });
  })) {
    seen.push(key.id);
  }
  // Newest first: the three new keys, the revoked one (lists keep revoked keys), then the tenant's owner key.
  assert.deepEqual(seen, [...more.reverse(), created.id, ownerKeyId]);
  assert.equal(new Set(seen).size, seen.length);
  assert.equal(pages.length, 3);
  assert.deepEqual(pages[0], {});
  assert.equal(typeof pages[1]?.cursor, "string");
});

test("a wrong JSON type is a 400 validation.invalid_type naming the field", async () => {
  const { owner } = await newTenant();

  // The typed body cannot hold a number for `name`; the serializer sends one anyway, as a buggy caller would.
  const error = await keelError(unwrap(owner.POST("/v1/keys", { body: { name: "5" }, bodySerializer: () => JSON.stringify({ name: 5 }) })));

  assert.equal(error.status, 400);
  assert.equal(error.code, "validation.invalid_type");
  assert.equal(error.title, "Wrong JSON type");
  assert.deepEqual(Object.keys(error.errors), ["name"]);
  assert.match(error.traceId ?? "", /^[0-9a-f]{32}$/);
  assert.equal(error.problem?.type, "/problems/validation.invalid_type");
  assert.ok(isKeelError(error, "validation.invalid_type", "validation.failed"));
  assert.ok(!isKeelError(error, "resource.not_found"));
});

test("an unknown key and another tenant's key are both 404 resource.not_found", async () => {
  const { owner } = await newTenant();
  const other = await newTenant("Globex");
  const theirs = await unwrap(other.owner.POST("/v1/keys", { body: { name: randomId("theirs") } }));

  for (const id of ["key_00000000000000000000000000", theirs.id]) {
    const error = await keelError(unwrap(owner.GET("/v1/keys/{id}", { params: { path: { id } } })));
    assert.equal(error.status, 404, id);
    assert.equal(error.code, "resource.not_found", id);
  }
  // The key is there for its own tenant.
  assert.equal((await unwrap(other.owner.GET("/v1/keys/{id}", { params: { path: { id: theirs.id } } }))).name, theirs.name);
});

test("a missing credential is a 401 auth.missing_credentials", async () => {
  const error = await keelError(unwrap(admin.GET("/v1/keys", { headers: { Authorization: null } })));
  assert.equal(error.status, 401);
  assert.equal(error.code, "auth.missing_credentials");
});

test("the client's error codes are exactly the server's catalogue", async () => {
  // The catalogue is one page: the route takes no limit or cursor.
  const catalogue = await unwrap(admin.GET("/v1/errors"));
  assert.equal(catalogue.next_cursor, null);
  assert.deepEqual(catalogue.data.map((entry) => entry.code).sort(), [...keelErrorCodes].sort());
});

test("unwrapWithResponse gives the status and headers of a success", async () => {
  const { data, response } = await unwrapWithResponse(admin.GET("/v1/tenants", { params: { query: { limit: 1 } } }));
  assert.equal(response.status, 200);
  assert.ok(data.data.length <= 1);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
});
