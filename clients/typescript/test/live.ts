// The live Keel the tests talk to (KEEL_URL, KEEL_ADMIN_TOKEN; scripts/lib/live-keel.sh starts one).
import { randomBytes } from "node:crypto";
import { createKeelClient, type KeelClient, unwrap } from "../src/index.js";

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: these tests need a live Keel (source scripts/lib/live-keel.sh; keel_live_start DIR)`);
  }
  return value;
}

export const keelUrl = required("KEEL_URL");
export const admin: KeelClient = createKeelClient({ baseUrl: keelUrl, token: required("KEEL_ADMIN_TOKEN") });

/** A fresh tenant with a random slug, and a client acting with its owner key. */
export async function newTenant(name = "Acme"): Promise<{ id: string; ownerKeyId: string; owner: KeelClient }> {
  const slug = `acme-${randomBytes(6).toString("hex")}`;
  const tenant = await unwrap(admin.POST("/v1/tenants", { body: { name, slug } }));
  return {
    id: tenant.id,
    ownerKeyId: tenant.management_key.id,
    owner: createKeelClient({ baseUrl: keelUrl, token: tenant.management_key.key }),
  };
}

export function randomId(prefix: string): string {
  return `${prefix}-${randomBytes(8).toString("hex")}`;
}
