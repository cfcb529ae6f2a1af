// @ts-check
/// <reference lib="webworker" />
/**
 * Mass Class service worker (served at /sw.js, scope /): shows the Web Push notices the
 * Worker sends when a class goes live or is about to start (worker/push/, payload
 * `PushNotice` in protocol/push.ts) and opens or focuses the class page on click.
 * It has no fetch handler, so it never sits between the app and the network.
 */
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/** Only same-origin paths are opened; anything else falls back to the home page. */
function safePath(/** @type {unknown} */ path) {
  if (typeof path !== "string" || !/^\/(?![/\\])/.test(path)) return "/";
  return path;
}

sw.addEventListener("install", () => {
  void sw.skipWaiting();
});
sw.addEventListener("activate", (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener("push", (event) => {
  /** @type {{ title?: unknown; body?: unknown; url?: unknown; tag?: unknown }} */
  let notice = {};
  try {
    notice = event.data?.json() ?? {};
  } catch {
    // Not JSON: still show something, since a push must be made visible (userVisibleOnly).
  }
  const title = typeof notice.title === "string" && notice.title ? notice.title : "Mass Class";
  event.waitUntil(
    sw.registration.showNotification(title, {
      body: typeof notice.body === "string" ? notice.body : "",
      tag: typeof notice.tag === "string" ? notice.tag : undefined,
      data: { path: safePath(notice.url) },
    }),
  );
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(safePath(event.notification.data?.path), sw.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).pathname === url.pathname);
      if (open) return open.focus();
      return sw.clients.openWindow(url.href);
    })(),
  );
});
