import { describe, expect, it } from "vitest";
import { YouTubeApi, YouTubeError } from "./api.ts";
import { youtubeConfig } from "./config.ts";
import { authorizationUrl, exchangeCode, OAuthError, refreshAccessToken, s256 } from "./oauth.ts";

const cfg = youtubeConfig({ GOOGLE_CLIENT_ID: "cid", GOOGLE_CLIENT_SECRET: "csecret" })!;

type Seen = { url: string; init: RequestInit | undefined };
function fakeFetch(status: number, body: unknown, seen: Seen[] = []) {
  return async (url: string, init?: RequestInit) => {
    seen.push({ url, init });
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json" },
    });
  };
}

describe("Google OAuth client", () => {
  it("is off without a client id and secret", () => {
    expect(youtubeConfig({})).toBeNull();
    expect(youtubeConfig({ GOOGLE_CLIENT_ID: "x" })).toBeNull();
    expect(cfg.tokenUrl).toBe("https://oauth2.googleapis.com/token");
    expect(cfg.privacy).toBe("unlisted");
  });

  it("computes the S256 challenge of RFC 7636 appendix B", async () => {
    expect(await s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("asks for the youtube scope, offline access, PKCE S256 and the state", () => {
    const url = new URL(
      authorizationUrl(cfg, { redirectUri: "https://x/cb", state: "st", challenge: "ch" }),
    );
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: "cid",
      redirect_uri: "https://x/cb",
      response_type: "code",
      scope: "https://www.googleapis.com/auth/youtube",
      state: "st",
      code_challenge: "ch",
      code_challenge_method: "S256",
      access_type: "offline",
    });
  });

  it("exchanges the code with the verifier as a form, and maps invalid_grant", async () => {
    const seen: Seen[] = [];
    const tokens = await exchangeCode(
      cfg,
      fakeFetch(200, { access_token: "a", expires_in: 10, refresh_token: "r", scope: "s" }, seen),
      { code: "c", verifier: "v", redirectUri: "https://x/cb" },
      1000,
    );
    expect(tokens).toEqual({ accessToken: "a", expiresAt: 11_000, refreshToken: "r", scope: "s" });
    const form = new URLSearchParams(String(seen[0]!.init!.body));
    expect(Object.fromEntries(form)).toEqual({
      client_id: "cid",
      client_secret: "csecret",
      grant_type: "authorization_code",
      code: "c",
      code_verifier: "v",
      redirect_uri: "https://x/cb",
    });
    const err = await refreshAccessToken(
      cfg,
      fakeFetch(400, {
        error: "invalid_grant",
        error_description: "Token has been expired or revoked.",
      }),
      "r",
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OAuthError);
    expect((err as OAuthError).reason).toBe("invalid_grant");
  });
});

describe("YouTube API client errors", () => {
  const fail = (status: number, reason: string) =>
    new YouTubeApi(
      "https://yt",
      fakeFetch(status, { error: { code: status, message: "m", errors: [{ reason }] } }),
      "t",
    )
      .getBroadcast("b")
      .then(
        () => null,
        (e: unknown) => e as YouTubeError,
      );

  it.each([
    [403, "liveStreamingNotEnabled", "live_not_enabled"],
    [403, "quotaExceeded", "quota"],
    [403, "rateLimitExceeded", "rate_limited"],
    [403, "invalidTransition", "invalid_transition"],
    [403, "redundantTransition", "redundant_transition"],
    [401, "authError", "unauthorized"],
    [404, "liveBroadcastNotFound", "not_found"],
    [500, "backendError", "error"],
  ])("%i %s → %s", async (status, reason, kind) => {
    const err = await fail(status, reason);
    expect(err).toBeInstanceOf(YouTubeError);
    expect(err!.kind).toBe(kind);
    expect(err!.reason).toBe(reason);
  });
});
