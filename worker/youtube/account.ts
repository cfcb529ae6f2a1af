/**
 * A teacher's YouTube grant in D1: stored encrypted and bound to its owner, access
 * tokens refreshed when due (and once more on a 401), revoked and deleted on disconnect.
 */
import { eq } from "drizzle-orm";
import { decryptSecret, encryptSecret } from "../auth/crypto.ts";
import { workerConfig } from "../config.ts";
import { getDb, schema } from "../db/index.ts";
import type { YouTubeAccountRow } from "../db/schema.ts";
import { YouTubeApi, YouTubeError } from "./api.ts";
import type { YouTubeConfig } from "./config.ts";
import { type Fetch, OAuthError, refreshAccessToken, revokeToken, type Tokens } from "./oauth.ts";

/** HKDF info for token ciphers: a key of its own, not the stream-key one. */
const TOKEN_INFO = "mass-class youtube token v1";
/** Refresh this long before Google's expiry, so a call never races the deadline. */
const EXPIRY_MARGIN_MS = 60_000;

const seal = (env: Env, userId: string, plain: string) =>
  encryptSecret(plain, workerConfig(env).JWT_SECRET, { info: TOKEN_INFO, aad: userId });
const open = (env: Env, userId: string, cipher: string) =>
  decryptSecret(cipher, workerConfig(env).JWT_SECRET, { info: TOKEN_INFO, aad: userId });

/** The teacher's connection row, or null when not connected. */
export async function loadAccount(env: Env, userId: string): Promise<YouTubeAccountRow | null> {
  const row = await getDb(env).query.youtubeAccounts.findFirst({
    where: eq(schema.youtubeAccounts.userId, userId),
  });
  return row ?? null;
}

/** Store a fresh grant (the callback's tokens); replaces an earlier one. */
export async function saveGrant(
  env: Env,
  userId: string,
  tokens: Tokens & { refreshToken: string },
  channel: { id: string; title: string } | null,
): Promise<void> {
  const values = {
    userId,
    refreshTokenCipher: await seal(env, userId, tokens.refreshToken),
    accessTokenCipher: await seal(env, userId, tokens.accessToken),
    accessExpiresAt: tokens.expiresAt,
    scope: tokens.scope,
    channelId: channel?.id ?? null,
    channelTitle: channel?.title ?? null,
    streamId: null,
    updatedAt: Date.now(),
  };
  await getDb(env)
    .insert(schema.youtubeAccounts)
    .values(values)
    .onConflictDoUpdate({ target: schema.youtubeAccounts.userId, set: values });
}

/** Forget the grant locally (after revocation, or when Google says it is gone). */
export async function deleteAccount(env: Env, userId: string): Promise<void> {
  await getDb(env).delete(schema.youtubeAccounts).where(eq(schema.youtubeAccounts.userId, userId));
}

/** Disconnect: revoke the grant at Google, then delete it here. */
export async function disconnect(
  env: Env,
  cfg: YouTubeConfig,
  fetch: Fetch,
  userId: string,
): Promise<boolean> {
  const row = await loadAccount(env, userId);
  if (!row) return false;
  const refresh = await open(env, userId, row.refreshTokenCipher).catch(() => null);
  // Revoking the refresh token ends the whole grant, access tokens included.
  if (refresh) await revokeToken(cfg, fetch, refresh);
  await deleteAccount(env, userId);
  return true;
}

async function freshToken(
  env: Env,
  cfg: YouTubeConfig,
  fetch: Fetch,
  row: YouTubeAccountRow,
  force: boolean,
): Promise<string> {
  const now = Date.now();
  if (!force && row.accessTokenCipher && (row.accessExpiresAt ?? 0) - EXPIRY_MARGIN_MS > now) {
    const token = await open(env, row.userId, row.accessTokenCipher).catch(() => null);
    if (token) return token;
  }
  const refresh = await open(env, row.userId, row.refreshTokenCipher).catch(() => null);
  if (!refresh) {
    await deleteAccount(env, row.userId);
    throw new YouTubeError("revoked", "", 401, "The stored YouTube grant cannot be read.");
  }
  let tokens: Tokens;
  try {
    tokens = await refreshAccessToken(cfg, fetch, refresh, now);
  } catch (err) {
    if (err instanceof OAuthError && err.reason === "invalid_grant") {
      // Revoked at myaccount.google.com, expired (unused 6 months, or a Testing-mode app's
      // 7-day limit) or password-reset: the grant is dead, so forget it.
      await deleteAccount(env, row.userId);
      throw new YouTubeError("revoked", "invalid_grant", 401, err.message);
    }
    throw new YouTubeError("error", "", 502, err instanceof Error ? err.message : "refresh failed");
  }
  await getDb(env)
    .update(schema.youtubeAccounts)
    .set({
      accessTokenCipher: await seal(env, row.userId, tokens.accessToken),
      accessExpiresAt: tokens.expiresAt,
      // Google may rotate the refresh token; keep the newest.
      ...(tokens.refreshToken
        ? { refreshTokenCipher: await seal(env, row.userId, tokens.refreshToken) }
        : {}),
      updatedAt: now,
    })
    .where(eq(schema.youtubeAccounts.userId, row.userId));
  return tokens.accessToken;
}

/**
 * Run `op` with an API client for the teacher's channel: the stored access token while
 * it is valid, else a refreshed one; a 401 gets one refresh and one retry.
 */
export async function withYouTube<T>(
  env: Env,
  cfg: YouTubeConfig,
  fetch: Fetch,
  row: YouTubeAccountRow,
  op: (api: YouTubeApi) => Promise<T>,
): Promise<T> {
  const token = await freshToken(env, cfg, fetch, row, false);
  try {
    return await op(new YouTubeApi(cfg.apiBase, fetch, token));
  } catch (err) {
    if (!(err instanceof YouTubeError) || err.kind !== "unauthorized") throw err;
    const again = await freshToken(env, cfg, fetch, row, true);
    return op(new YouTubeApi(cfg.apiBase, fetch, again));
  }
}
