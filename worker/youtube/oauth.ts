/**
 * Google OAuth 2.0 for web server apps: authorization code with PKCE (RFC 7636, S256),
 * token exchange, refresh and revocation. A pure client: `fetch` is injected, so tests
 * drive it against a stand-in authorization server.
 */
import { toBase64Url } from "../auth/crypto.ts";
import { YOUTUBE_SCOPE, type YouTubeConfig } from "./config.ts";

/** `fetch` as the client needs it (injected). */
export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

/** Why an OAuth call failed, by Google's documented `error` values. */
export type OAuthErrorReason =
  /** The refresh token was revoked or expired, or the code was already used. */
  | "invalid_grant"
  /** The consent screen was declined (`error=access_denied` on the callback). */
  | "access_denied"
  /** Our client id / secret is wrong. */
  | "invalid_client"
  /** Anything else: network, 5xx, malformed answers. */
  | "unavailable";

/** A failed OAuth exchange, with a stable reason. */
export class OAuthError extends Error {
  readonly reason: OAuthErrorReason;
  constructor(reason: OAuthErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Tokens from the token endpoint. */
export interface Tokens {
  accessToken: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
  /** Only on the first exchange (and with `prompt=consent`). */
  refreshToken: string | null;
  /** Space-separated scopes actually granted. */
  scope: string;
}

/** A PKCE pair: the verifier stays with us, the S256 challenge goes to Google. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  // 32 random bytes → 43 base64url characters, the RFC 7636 minimum length.
  const verifier = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  return { verifier, challenge: await s256(verifier) };
}

/** BASE64URL(SHA256(ascii(verifier))) (RFC 7636 §4.2). */
export async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return toBase64Url(new Uint8Array(digest));
}

/** The consent-screen URL the teacher's browser is sent to. */
export function authorizationUrl(
  cfg: YouTubeConfig,
  p: { redirectUri: string; state: string; challenge: string; loginHint?: string },
): string {
  const url = new URL(cfg.authUrl);
  const q = url.searchParams;
  q.set("client_id", cfg.clientId);
  q.set("redirect_uri", p.redirectUri);
  q.set("response_type", "code");
  q.set("scope", YOUTUBE_SCOPE);
  q.set("state", p.state);
  q.set("code_challenge", p.challenge);
  q.set("code_challenge_method", "S256");
  // A refresh token, so going live later needs no browser round trip.
  q.set("access_type", "offline");
  // Google only returns a refresh token on consent; a reconnect must get a new one.
  q.set("prompt", "consent");
  if (p.loginHint) q.set("login_hint", p.loginHint);
  return url.toString();
}

async function tokenRequest(
  cfg: YouTubeConfig,
  fetch: Fetch,
  form: Record<string, string>,
  now: number,
): Promise<Tokens> {
  let res: Response;
  try {
    res = await fetch(cfg.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({
        client_id: cfg.clientId,
        client_secret: cfg.clientSecret,
        ...form,
      }).toString(),
    });
  } catch {
    throw new OAuthError("unavailable", "Google's token endpoint is not reachable.");
  }
  const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (!res.ok || !body || typeof body.access_token !== "string") {
    const error = typeof body?.error === "string" ? body.error : "";
    const reason: OAuthErrorReason =
      error === "invalid_grant"
        ? "invalid_grant"
        : error === "invalid_client" || error === "unauthorized_client"
          ? "invalid_client"
          : "unavailable";
    const description = typeof body?.error_description === "string" ? body.error_description : "";
    throw new OAuthError(reason, description || error || `Token endpoint answered ${res.status}.`);
  }
  const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 3600;
  return {
    accessToken: body.access_token,
    expiresAt: now + expiresIn * 1000,
    refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : null,
    scope: typeof body.scope === "string" ? body.scope : "",
  };
}

/** Exchange the callback's authorization code (with the PKCE verifier) for tokens. */
export function exchangeCode(
  cfg: YouTubeConfig,
  fetch: Fetch,
  p: { code: string; verifier: string; redirectUri: string },
  now = Date.now(),
): Promise<Tokens> {
  return tokenRequest(
    cfg,
    fetch,
    {
      grant_type: "authorization_code",
      code: p.code,
      code_verifier: p.verifier,
      redirect_uri: p.redirectUri,
    },
    now,
  );
}

/** A new access token from a refresh token. `invalid_grant`: revoked or expired. */
export function refreshAccessToken(
  cfg: YouTubeConfig,
  fetch: Fetch,
  refreshToken: string,
  now = Date.now(),
): Promise<Tokens> {
  return tokenRequest(
    cfg,
    fetch,
    { grant_type: "refresh_token", refresh_token: refreshToken },
    now,
  );
}

/**
 * Revoke a token at Google (revoking the refresh token ends the whole grant). A token
 * Google no longer knows answers 400 `invalid_token`: already revoked, which is fine.
 */
export async function revokeToken(cfg: YouTubeConfig, fetch: Fetch, token: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(cfg.revokeUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token }).toString(),
    });
  } catch {
    throw new OAuthError("unavailable", "Google's revocation endpoint is not reachable.");
  }
  if (res.ok) return;
  const body = (await res.json().catch(() => null)) as { error?: string } | null;
  if (res.status === 400 && body?.error === "invalid_token") return;
  throw new OAuthError("unavailable", `Revocation answered ${res.status}.`);
}
