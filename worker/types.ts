import type { TokenUser } from "./auth/session.ts";

/** Hono environment: bindings from wrangler.toml plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The verified session, or null when signed out. */
    user: TokenUser | null;
    /** Whether the session came from an Authorization header rather than the cookie. */
    bearer: boolean;
    /** This request's id (`cf-ray` or generated): on the response and every log line. */
    requestId: string;
  };
}
