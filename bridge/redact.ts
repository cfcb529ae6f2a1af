/**
 * Stream keys are secrets (docs/architecture.md, rules): anything that might print an RTMP
 * URL goes through these helpers first.
 */

/** `rtmps://a.rtmp.youtube.com/live2/abcd-efgh` → `rtmps://a.rtmp.youtube.com/***`. */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#\s]*)/i.exec(url);
  if (!m) return "***";
  // userinfo (user:pass@) is a secret too.
  const host = (m[2] ?? "").replace(/^.*@/, "");
  return `${m[1]}${host}/***`;
}

const URL_IN_TEXT = /\b(rtmps?|rtmpt|rtmpe|rtmpte|srt|https?):\/\/[^\s'"]+/gi;

/**
 * Redacts every URL in free text (ffmpeg stderr echoes its output URL, and
 * errors can quote it), and any literal secrets passed in.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_IN_TEXT, (u) => redactUrl(u));
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join("***");
  }
  return out;
}

/**
 * The parts of an RTMP URL that ffmpeg may print on their own: its RTMP debug log shows
 * `path = /live2/<key>` and `fname = <key>` without scheme or host, which the URL pattern
 * above cannot see. Returns the path with its query, the last path segment with its
 * query, and each query value (pass them to `redactText` as secrets).
 */
export function urlSecrets(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*(\/[^\s#]*)?/i.exec(url);
  const path = m?.[1] ?? "";
  if (!path) return [];
  const out = new Set<string>([path]);
  const [pathname = "", query = ""] = path.split("?", 2);
  const last = pathname.split("/").pop() ?? "";
  out.add(query ? `${last}?${query}` : last);
  out.add(last);
  for (const pair of query.split("&")) {
    const value = pair.split("=", 2)[1];
    if (value) out.add(value);
  }
  // Longest first, so a whole path is replaced before its parts.
  return [...out].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length);
}
