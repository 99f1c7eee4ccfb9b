import { createHmac, createPrivateKey, createPublicKey, hkdfSync, timingSafeEqual, verify, type KeyObject } from "node:crypto";

/** The signature schemes of `webhook-signature`: HMAC-SHA256, HMAC-SHA512 and Ed25519. */
export type SignatureVersion = "v1" | "v2" | "v1a";

export type WebhookVerificationFailure =
  | "invalid_key"
  | "missing_header"
  | "invalid_timestamp"
  | "timestamp_too_old"
  | "timestamp_too_new"
  | "no_matching_signature";

export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";

  constructor(
    readonly reason: WebhookVerificationFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, either way; 300 s (Standard Webhooks' advice) by default. */
  toleranceSeconds?: number;
  /** The schemes to accept; all three by default. A receiver that wants only v2 refuses a v1-only delivery. */
  versions?: readonly SignatureVersion[];
  /** The clock, for tests. */
  now?: Date;
}

/** A delivery that passed: its `webhook-id` (the event id), its timestamp and the scheme of the entry that matched. */
export interface VerifiedWebhook {
  id: string;
  timestamp: number;
  version: SignatureVersion;
}

/** Node's request headers (`req.headers`) or a fetch Headers. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

const secretPrefix = "whsec_";
const publicKeyPrefix = "whpk_";
// The published derivation of the v1a key (src/Keel/Webhooks/Signing/WebhookSecret.cs).
const v1aInfo = "keel webhook v1a";
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410), the form node:crypto imports private keys in.
const ed25519SeedPrefix = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * Checks a Keel delivery per Standard Webhooks. `key` is the endpoint's `whsec_` secret (checks v1, v2 and
 * v1a) or a `whpk_` public key (checks v1a only); during a secret rotation pass every live one. `body` is
 * the raw body as received: a re-serialized JSON object would not match. Throws WebhookVerificationError;
 * parse the body only once this returned.
 */
export function verifyWebhook(
  key: string | readonly string[],
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): VerifiedWebhook {
  const keys = (typeof key === "string" ? [key] : key).map(parseKey);
  const id = header(headers, "webhook-id");
  const timestampText = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");

  if (!/^[0-9]{1,15}$/.test(timestampText)) {
    throw new WebhookVerificationError("invalid_timestamp", "webhook-timestamp is not a number of seconds");
  }
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? 300;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (timestamp < now - tolerance) {
    throw new WebhookVerificationError("timestamp_too_old", `webhook-timestamp is more than ${String(tolerance)} s old`);
  }
  if (timestamp > now + tolerance) {
    throw new WebhookVerificationError("timestamp_too_new", `webhook-timestamp is more than ${String(tolerance)} s ahead`);
  }

  const bodyBytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  // The signed content is the header's own spelling of the timestamp, exactly as the sender wrote it.
  const content = Buffer.concat([Buffer.from(`${id}.${timestampText}.`, "utf8"), bodyBytes]);
  const accepted = options.versions ?? ["v1", "v2", "v1a"];

  for (const entry of signatures.split(" ")) {
    const comma = entry.indexOf(",");
    const version = entry.slice(0, comma);
    if (comma < 0 || !isSignatureVersion(version) || !accepted.includes(version)) {
      continue;
    }
    const signature = Buffer.from(entry.slice(comma + 1), "base64");
    if (keys.some((k) => matches(k, version, content, signature))) {
      return { id, timestamp, version };
    }
  }
  throw new WebhookVerificationError("no_matching_signature", "no webhook-signature entry matches the key and the body");
}

/** The `whpk_` public key that checks v1a signatures made with a `whsec_` secret, as Keel derives it. */
export function webhookPublicKey(secret: string): string {
  const parsed = parseKey(secret);
  if (parsed.kind !== "secret") {
    throw new WebhookVerificationError("invalid_key", "expected a whsec_ secret");
  }
  const jwk = parsed.publicKey.export({ format: "jwk" });
  return publicKeyPrefix + Buffer.from(jwk.x ?? "", "base64url").toString("base64");
}

type ParsedKey = { kind: "secret"; secret: Buffer; publicKey: KeyObject } | { kind: "public"; publicKey: KeyObject };

function parseKey(text: string): ParsedKey {
  if (text.startsWith(secretPrefix)) {
    const secret = strictBase64(text.slice(secretPrefix.length));
    // Keel's secrets are 24 to 64 bytes; anything shorter would make signatures forgeable.
    if (secret === null || secret.length < 24 || secret.length > 64) {
      throw new WebhookVerificationError("invalid_key", "a whsec_ secret is the base64 of 24 to 64 bytes");
    }
    const seed = Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), v1aInfo, 32));
    const privateKey = createPrivateKey({ key: Buffer.concat([ed25519SeedPrefix, seed]), format: "der", type: "pkcs8" });
    return { kind: "secret", secret, publicKey: createPublicKey(privateKey) };
  }
  if (text.startsWith(publicKeyPrefix)) {
    const raw = strictBase64(text.slice(publicKeyPrefix.length));
    if (raw?.length !== 32) {
      throw new WebhookVerificationError("invalid_key", "a whpk_ key is the base64 of a 32-byte Ed25519 public key");
    }
    return { kind: "public", publicKey: createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" }) };
  }
  throw new WebhookVerificationError("invalid_key", "expected a whsec_ secret or a whpk_ public key");
}

function matches(key: ParsedKey, version: SignatureVersion, content: Buffer, signature: Buffer): boolean {
  if (version === "v1a") {
    return signature.length === 64 && verify(null, content, key.publicKey, signature);
  }
  if (key.kind !== "secret") {
    return false;
  }
  const expected = createHmac(version === "v1" ? "sha256" : "sha512", key.secret).update(content).digest();
  // Lengths are public (fixed per scheme); the bytes are compared in constant time.
  return expected.length === signature.length && timingSafeEqual(expected, signature);
}

// Buffer.from(..., "base64") skips what it cannot read; a key with such characters is a wrong key, not a shorter one.
function strictBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    return null;
  }
  return Buffer.from(text, "base64");
}

function header(headers: WebhookHeaders, name: string): string {
  const value = headers instanceof Headers ? headers.get(name) : lookup(headers, name);
  if (value === null || value === "") {
    throw new WebhookVerificationError("missing_header", `${name} is missing`);
  }
  return value;
}

// Node lower-cases incoming header names; a hand-built record may not have.
function lookup(headers: Readonly<Record<string, string | readonly string[] | undefined>>, name: string): string | null {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined) {
      return typeof value === "string" ? value : value.join(" ");
    }
  }
  return null;
}

function isSignatureVersion(text: string): text is SignatureVersion {
  return text === "v1" || text === "v2" || text === "v1a";
}

