/**
 * Security headers for every response: a strict Content-Security-Policy, framing refused,
 * a referrer policy, a permissions policy, and no MIME sniffing. The Worker sets them on
 * what it serves (pages, API, slide images, the not-found page); `vite build` writes the
 * same static set into `dist/web/_headers` for the assets Cloudflare serves without
 * running the Worker (scripts, styles, the service worker). Runtime-neutral: vite.config.ts
 * imports it too.
 *
 * What the pages need, and why each source is allowed:
 * - the YouTube IFrame player: its API script (`https://www.youtube.com/iframe_api`, which
 *   loads `https://www.youtube.com/s/player/…`) and its frames (www.youtube.com, and
 *   youtube-nocookie.com in case an embed uses it);
 * - the studio's compositor and pdf.js run in workers from our own origin; slide pages
 *   are encoded to `blob:` URLs and previewed as images;
 * - local playback (mpegts.js): the stream is fetched from LOCAL_PLAYBACK_URL's origin
 *   and played through a `blob:` MediaSource URL;
 * - Cloudflare Turnstile on sign-up and guest join (when configured): its script and its
 *   challenge frame, both from challenges.cloudflare.com;
 * - real-time: WebSockets to our own origin (named explicitly: not every browser lets
 *   `'self'` match `ws:`/`wss:`).
 * Styles are only our stylesheets: no inline `<style>` or `style="…"` attributes in HTML
 * (styles set from script through the CSSOM are not affected).
 */

/** Which permissions policy a page gets: the studio captures camera, mic and screen. */
export type PageKind = "studio" | "page";

/** Origins the YouTube player is loaded from. */
const YOUTUBE_SCRIPT = ["https://www.youtube.com"];
const YOUTUBE_FRAMES = ["https://www.youtube.com", "https://www.youtube-nocookie.com"];
/** Cloudflare Turnstile's widget script and challenge frame. */
const TURNSTILE = "https://challenges.cloudflare.com";

/** Request-dependent sources: our WebSocket origin and the local playback origin. */
export interface CspContext {
  /** The page's own origin, e.g. `https://class.example` (its WebSocket twin is added). */
  origin?: string;
  /** LOCAL_PLAYBACK_URL (any URL; only its origin is used). Empty in production. */
  playbackUrl?: string;
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const o = new URL(url.replaceAll("{classId}", "x")).origin;
    return o === "null" ? null : o;
  } catch {
    return null;
  }
}

/** The Content-Security-Policy of an HTML page. */
export function pageCsp(ctx: CspContext = {}): string {
  const own = originOf(ctx.origin);
  const ws = own ? own.replace(/^http/, "ws") : null;
  const playback = originOf(ctx.playbackUrl);
  const extra = (...xs: (string | null)[]) => xs.filter((x): x is string => !!x);
  const directives: [string, string[]][] = [
    ["default-src", ["'self'"]],
    ["script-src", ["'self'", ...YOUTUBE_SCRIPT, TURNSTILE]],
    ["style-src", ["'self'"]],
    ["img-src", ["'self'", "data:", "blob:", "https://i.ytimg.com"]],
    ["font-src", ["'self'", "data:"]],
    ["media-src", ["'self'", "blob:", ...extra(playback)]],
    ["connect-src", ["'self'", ...extra(ws, playback)]],
    ["worker-src", ["'self'", "blob:"]],
    ["frame-src", [...YOUTUBE_FRAMES, TURNSTILE]],
    ["manifest-src", ["'self'"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  return directives.map(([k, v]) => `${k} ${v.join(" ")}`).join("; ");
}

/** The Content-Security-Policy of anything that is not a page (JSON, images, CSV). */
export const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Powerful features: only the studio (same origin) may capture; nobody else may ask. */
export function permissionsPolicy(kind: PageKind): string {
  const capture = kind === "studio" ? "(self)" : "()";
  return [
    `camera=${capture}`,
    `microphone=${capture}`,
    `display-capture=${capture}`,
    "geolocation=()",
    "payment=()",
    "usb=()",
  ].join(", ");
}

/** Headers every response carries, whatever it is. */
const COMMON: Record<string, string> = {
  "x-content-type-options": "nosniff",
  // The YouTube embed needs to see our origin (it refuses to play without a referrer).
  "referrer-policy": "strict-origin-when-cross-origin",
  "x-frame-options": "DENY",
};

/** All security headers for one response. `page`: a page or static file (else an API resource). */
export function securityHeaders(
  page: boolean,
  kind: PageKind,
  ctx: CspContext = {},
): Record<string, string> {
  return {
    ...COMMON,
    "content-security-policy": page ? pageCsp(ctx) : RESOURCE_CSP,
    "permissions-policy": permissionsPolicy(kind),
  };
}

/**
 * `dist/web/_headers` (Cloudflare static assets): the same headers for files served
 * without the Worker. A script's CSP governs the workers started from it (compositor,
 * pdf.js), so assets get the page policy, without request-dependent sources.
 */
export function staticHeadersFile(): string {
  const headers = securityHeaders(true, "page");
  return `/*\n${Object.entries(headers)
    .map(([k, v]) => `  ${k}: ${v}`)
    .join("\n")}\n`;
}
