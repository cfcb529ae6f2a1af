/** WebCrypto helpers: PBKDF2 password hashing, random ids, and stream-key encryption. */

/** Workers cap PBKDF2 at 100,000 iterations; we use the cap. */
export const PBKDF2_ITERATIONS = 100_000;

const enc = new TextEncoder();

export function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** A random URL-safe id with `bytes` bytes of entropy. */
export function randomId(bytes = 16): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Derive a PBKDF2-SHA256 hash; returns base64url. */
export async function hashPassword(
  password: string,
  salt: string,
  iterations = PBKDF2_ITERATIONS,
): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: fromBase64Url(salt), iterations },
    key,
    256,
  );
  return toBase64Url(new Uint8Array(bits));
}

/** Constant-time comparison of two strings of equal length. */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * What a secret is encrypted for: the HKDF `info` (a distinct key per purpose) and
 * optional AES-GCM additional data that binds the cipher text to its owner (e.g. a user
 * id), so a cipher copied onto another row does not decrypt.
 */
export interface SecretContext {
  info?: string;
  aad?: string;
}

const STREAM_KEY_INFO = "mass-class stream key v1";

async function streamKeyAesKey(secret: string, info = STREAM_KEY_INFO): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", enc.encode(secret), "HKDF", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(),
      info: enc.encode(info),
    },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** Encrypt a stream key for storage in D1 (AES-256-GCM, key derived from a Worker secret). */
export async function encryptSecret(
  plain: string,
  secret: string,
  ctx: SecretContext = {},
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    {
      name: "AES-GCM",
      iv,
      ...(ctx.aad === undefined ? {} : { additionalData: enc.encode(ctx.aad) }),
    },
    await streamKeyAesKey(secret, ctx.info),
    enc.encode(plain),
  );
  return `${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
}

/** Decrypt a value produced by `encryptSecret`. */
export async function decryptSecret(
  cipher: string,
  secret: string,
  ctx: SecretContext = {},
): Promise<string> {
  const [iv, ct] = cipher.split(".");
  if (!iv || !ct) throw new Error("malformed cipher text");
  const plain = await crypto.subtle.decrypt(
    {
      name: "AES-GCM",
      iv: fromBase64Url(iv),
      ...(ctx.aad === undefined ? {} : { additionalData: enc.encode(ctx.aad) }),
    },
    await streamKeyAesKey(secret, ctx.info),
    fromBase64Url(ct),
  );
  return new TextDecoder().decode(plain);
}
