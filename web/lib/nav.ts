/** Navigation helpers shared by the pages: safe `?next=` targets and sign-in redirects. */

/**
 * `next` if it is a same-site relative path (one leading "/", not "//" or "/\"),
 * else null. Anything else could send a freshly signed-in user to another site.
 */
export function safeNext(
  next: string | null | undefined,
  origin: string = location.origin,
): string | null {
  if (!next?.startsWith("/") || next.startsWith("//")) return null;
  // Control characters and backslashes are normalised away by URL parsers in surprising ways.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point
  if (/[\u0000-\u001f\\]/.test(next)) return null;
  try {
    const url = new URL(next, origin);
    if (url.origin !== origin) return null;
    // Check what we return, not what we were given: dot segments normalise
    // "/..//evil.example" into "//evil.example", a protocol-relative URL.
    const out = url.pathname + url.search + url.hash;
    return out.startsWith("//") || out.startsWith("/\\") ? null : out;
  } catch {
    return null;
  }
}

/** The sign-in URL that returns here afterwards. */
export function signInHref(path = location.pathname + location.search): string {
  return `/signin?next=${encodeURIComponent(path)}`;
}

/** Leave for the sign-in page, coming back to the current page after. */
export function redirectToSignIn(): void {
  location.assign(signInHref());
}
