/**
 * Web Push limits and defaults. No valibot: protocol/push.ts (the schemas) imports and
 * re-exports it; the web apps import this file.
 */

/** Longest push endpoint we store (real ones are 150–500 characters). */
export const MAX_ENDPOINT_LENGTH = 1024;
/** Subscriptions one user may hold for one class (one per browser/device). */
export const MAX_SUBSCRIPTIONS_PER_USER = 5;
/** Default cap on one class's subscriptions (PUSH_MAX_PER_CLASS). */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CLASS = 250_000;
/** Default cap on one client address's subscriptions to one class (PUSH_MAX_PER_ADDRESS):
 * generous, since a whole school can sit behind one NAT address. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_ADDRESS = 300;

/**
 * Hosts of the Web Push services browsers subscribe through (Chrome/Edge via FCM, Firefox,
 * Windows (WNS), Safari). `*.` matches any subdomain, not the name itself. Deployments
 * change the list with PUSH_HOSTS (docs/operations.md#push-notifications).
 */
export const DEFAULT_PUSH_HOSTS = [
  "fcm.googleapis.com",
  "updates.push.services.mozilla.com",
  "*.notify.windows.com",
  "web.push.apple.com",
  "*.push.apple.com",
] as const;
