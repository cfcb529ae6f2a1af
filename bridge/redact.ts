/**
 * Stream keys are secrets (ARCHITECTURE.md): anything that might print an RTMP
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
