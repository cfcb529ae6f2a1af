// @ts-check
/// <reference lib="webworker" />
/**
 * Mass Class service worker (served at /sw.js, scope /; the build writes it from this
 * file with its precache list, vite.config.ts `serviceWorker()`):
 *
 * - Web Push: shows the notices the Worker sends when a class goes live or is about to
 *   start (worker/push/, payload `PushNotice` in protocol/push.ts) and opens or focuses
 *   the class page on click.
 * - Offline shell: the pages' HTML and the landing and class page's built assets are
 *   precached per build; pages are network-first (a fresh deploy always wins online), a
 *   page that cannot load is served from the cache with an offline notice on top, or the
 *   offline page for an address never saved. Hashed assets are cache-first (their name
 *   changes with their content). /api, /ws and everything else never touch the cache.
 */
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

/** Replaced at build time; `dev` with nothing precached when served unbuilt. */
const BUILD = /** @type {{ version: string; precache: string[] }} */ (
  /* @build */ { version: "dev", precache: [] }
);
const SHELL = `shell-${BUILD.version}`;
/** Hashed assets fetched after install (dashboards' charts, the slide renderer…). */
const ASSETS = "assets-v1";
const OFFLINE_PAGE = "/offline.html";

/** Page paths and the HTML file each is served from (worker/app.ts PAGES). */
const PAGES = /** @type {[RegExp, string][]} */ ([
  [/^\/c\/[A-Za-z0-9_-]{1,32}(\/replay)?\/?$/, "/student.html"],
  [/^\/studio(\/.*)?$/, "/studio.html"],
  [/^\/admin(\/.*)?$/, "/admin.html"],
  [/^\/(signin|signup)?$/, "/index.html"],
]);

/** Only same-origin paths are opened; anything else falls back to the home page. */
function safePath(/** @type {unknown} */ path) {
  if (typeof path !== "string" || !/^\/(?![/\\])/.test(path)) return "/";
  return path;
}

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // `reload`: past the HTTP cache, so the shell is this build's.
      await cache.addAll(BUILD.precache.map((url) => new Request(url, { cache: "reload" })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name !== SHELL && name !== ASSETS) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  // Live data is never cached: the API, sockets, media ingest, slide files.
  if (/^\/(api|ws|whip|slides)(\/|$)/.test(url.pathname)) return;
  if (req.mode === "navigate") {
    event.respondWith(page(req, url));
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    event.respondWith(asset(req));
    return;
  }
  if (BUILD.precache.includes(url.pathname)) event.respondWith(shellFile(req));
});

/** A page: the network first (and remember it); offline, the saved copy with a notice. */
async function page(/** @type {Request} */ req, /** @type {URL} */ url) {
  try {
    const res = await fetch(req);
    if (res.ok && !res.redirected && res.type === "basic") {
      const copy = res.clone();
      void caches.open(SHELL).then((c) => c.put(url.pathname, copy));
    }
    return res;
  } catch {
    const cache = await caches.open(SHELL);
    const entry = PAGES.find(([re]) => re.test(url.pathname))?.[1];
    const saved =
      (await cache.match(url.pathname)) ?? (entry ? await cache.match(entry) : undefined);
    if (saved) return withOfflineNotice(saved);
    return (await cache.match(OFFLINE_PAGE)) ?? Response.error();
  }
}

/**
 * The saved page with a notice on top: the app inside still starts (its assets are
 * cached) and says what it cannot load; the notice says why, and its script reloads the
 * page when the connection is back.
 */
async function withOfflineNotice(/** @type {Response} */ saved) {
  const html = (await saved.text()).replace(
    /<body([^>]*)>/i,
    `<body$1><div class="offline-banner" role="status" data-testid="offline-notice">You are offline: this is the copy saved on this device. It reloads when you are back online. <a href="">Try again</a></div>`,
  );
  const notice =
    '<link rel="stylesheet" href="/offline.css" /><script src="/offline.js" defer></script>';
  const headers = new Headers(saved.headers);
  headers.delete("content-length");
  return new Response(html.replace(/<\/head>/i, `${notice}</head>`), {
    status: 200,
    headers,
  });
}

/** A hashed asset: its name changes with its content, so a cached copy is always right. */
async function asset(/** @type {Request} */ req) {
  const hit = await caches.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok && res.type === "basic") {
    const copy = res.clone();
    void caches.open(ASSETS).then((c) => c.put(req, copy));
  }
  return res;
}

/** A precached file that is not hashed (icons, manifest, offline page): network first. */
async function shellFile(/** @type {Request} */ req) {
  try {
    return await fetch(req);
  } catch {
    return (await caches.match(req)) ?? Response.error();
  }
}

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
      icon: "/icons/icon-192.png",
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
