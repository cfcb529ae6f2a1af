/**
 * YouTube / Google OAuth configuration, derived from the Worker's typed config (worker/config.ts). Without a
 * client id and secret the feature is off and classes keep the manual stream-key path.
 */
import { ENDPOINT_DEFAULTS } from "../config.ts";

/** The smallest Google scope that manages live broadcasts and streams (liveBroadcasts.insert,
 * bind, transition; liveStreams.insert, list). `youtube.force-ssl` would also allow them but
 * adds comments and captions; `youtube.readonly` cannot create broadcasts. */
export const YOUTUBE_SCOPE = "https://www.googleapis.com/auth/youtube";

/** Privacy of the broadcasts Mass Class creates. */
export type YouTubePrivacy = "public" | "unlisted" | "private";

/** Everything the YouTube integration needs, typed. */
export interface YouTubeConfig {
  clientId: string;
  clientSecret: string;
  /** Google's authorization endpoint (consent screen). */
  authUrl: string;
  /** Token endpoint: code exchange and refresh. */
  tokenUrl: string;
  /** Revocation endpoint. */
  revokeUrl: string;
  /** YouTube Data API v3 base, without a trailing slash. */
  apiBase: string;
  privacy: YouTubePrivacy;
  /**
   * `status.selfDeclaredMadeForKids` of every broadcast: whether the classes are
   * directed at children (COPPA). A deployment for under-13s must set it.
   */
  madeForKids: boolean;
}

/** The env fields this module reads (a subset of the Worker's Env). */
export interface YouTubeEnv {
  GOOGLE_CLIENT_ID?: string;
  GOOGLE_CLIENT_SECRET?: string;
  GOOGLE_AUTH_URL?: string;
  GOOGLE_TOKEN_URL?: string;
  GOOGLE_REVOKE_URL?: string;
  YOUTUBE_API_BASE?: string;
  YOUTUBE_PRIVACY?: string;
  YOUTUBE_MADE_FOR_KIDS?: string;
}

/** Defaults: Google's documented production endpoints. */
export const GOOGLE_DEFAULTS = {
  authUrl: ENDPOINT_DEFAULTS.GOOGLE_AUTH_URL,
  tokenUrl: ENDPOINT_DEFAULTS.GOOGLE_TOKEN_URL,
  revokeUrl: ENDPOINT_DEFAULTS.GOOGLE_REVOKE_URL,
  apiBase: ENDPOINT_DEFAULTS.YOUTUBE_API_BASE,
} as const;

/** The typed YouTube config, or null when no OAuth client is configured (feature off). */
export function youtubeConfig(env: YouTubeEnv): YouTubeConfig | null {
  const clientId = env.GOOGLE_CLIENT_ID?.trim() ?? "";
  const clientSecret = env.GOOGLE_CLIENT_SECRET?.trim() ?? "";
  if (!clientId || !clientSecret) return null;
  const privacy = env.YOUTUBE_PRIVACY?.trim() || "unlisted";
  return {
    clientId,
    clientSecret,
    authUrl: env.GOOGLE_AUTH_URL?.trim() || GOOGLE_DEFAULTS.authUrl,
    tokenUrl: env.GOOGLE_TOKEN_URL?.trim() || GOOGLE_DEFAULTS.tokenUrl,
    revokeUrl: env.GOOGLE_REVOKE_URL?.trim() || GOOGLE_DEFAULTS.revokeUrl,
    apiBase: (env.YOUTUBE_API_BASE?.trim() || GOOGLE_DEFAULTS.apiBase).replace(/\/+$/, ""),
    privacy:
      privacy === "public" || privacy === "private" || privacy === "unlisted"
        ? privacy
        : "unlisted",
    madeForKids: env.YOUTUBE_MADE_FOR_KIDS?.trim().toLowerCase() === "true",
  };
}
