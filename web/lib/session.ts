/** The current session, as the Worker sees it. */
import type { SessionUser } from "../../protocol/api.ts";
import { call, client, isApiError } from "./api.ts";

/** The signed-in user, or null when there is no (valid) session. Other errors throw. */
export async function getMe(): Promise<SessionUser | null> {
  try {
    return (await call(client.auth.me.$get())).user;
  } catch (err) {
    if (isApiError(err, "unauthenticated")) return null;
    throw err;
  }
}

/** End the session, then go to `to` (a full page load, so every app starts clean). */
export async function signOut(to = "/"): Promise<void> {
  try {
    await call(client.auth.signout.$post());
  } finally {
    location.assign(to);
  }
}

/** Where a user lands by default after signing in. */
export function homeFor(user: SessionUser): string {
  if (user.role === "admin") return "/admin";
  return user.role === "teacher" ? "/studio" : "/";
}
