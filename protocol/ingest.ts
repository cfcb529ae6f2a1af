/**
 * Where a class's stream may go. A teacher types the RTMP(S) URL of their class, and the
 * media bridge connects there: without a check that is a port scanner into the bridge's
 * network (issue 12, point 18). Two checks, both pure here and shared by the Worker
 * (class settings, a clear 400) and the bridge (again before every connect):
 *
 * 1. {@link checkIngestUrl}: the host (and port) must be on the allowlist — YouTube's
 *    ingest hosts by default, more by configuration — or be the explicitly configured
 *    local ingest (development). No IP literals unless an entry names one.
 * 2. {@link addressCategory}: every address the host resolves to must be public; the
 *    bridge refuses loopback, private, link-local, CGNAT, multicast, unspecified,
 *    reserved and IPv4-mapped/-translated addresses (except for the local ingest).
 *
 * What teachers see when a stream fails is a {@link StreamErrorCategory}, never a raw
 * connection error: "connection refused" vs "timed out" would tell a port scanner's
 * open ports from closed ones.
 */

/** YouTube Live's RTMP and RTMPS ingest hosts (primary and backup). */
export const YOUTUBE_INGEST_HOSTS: readonly string[] = [
  "a.rtmp.youtube.com",
  "b.rtmp.youtube.com",
  "a.rtmps.youtube.com",
  "b.rtmps.youtube.com",
];

/** Allowed RTMP destinations. */
export interface IngestPolicy {
  /**
   * `host` (the scheme's default port only: rtmp 1935, rtmps 443) or `host:port`
   * entries; IPv6 literals in brackets.
   */
  hosts: readonly string[];
  /**
   * The local RTMP server (`host:port`, development): allowed even though it is on a
   * loopback or private address. Null in production.
   */
  local?: string | null;
}

/** Builds a policy: YouTube's hosts, plus a comma/space separated list from configuration. */
export function ingestPolicy(extraHosts = "", local: string | null = null): IngestPolicy {
  const extra = extraHosts
    .split(/[\s,]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  return { hosts: [...YOUTUBE_INGEST_HOSTS, ...extra], local: local ? local.toLowerCase() : null };
}

/** The `host:port` an RTMP URL points at (for {@link IngestPolicy.local}), or null. */
export function ingestEndpoint(url: string): string | null {
  const t = parseIngestUrl(url);
  return t ? `${t.host}:${t.port}` : null;
}

/** An RTMP(S) URL taken apart. */
export interface IngestTarget {
  scheme: "rtmp" | "rtmps";
  /** Lower case, no trailing dot; IPv6 literals keep their brackets. */
  host: string;
  port: number;
}

const DEFAULT_PORT = { rtmp: 1935, rtmps: 443 } as const;

/** Parses `rtmp[s]://host[:port]/app/...`; null when it is not one (or carries user:pass@). */
export function parseIngestUrl(url: string): IngestTarget | null {
  const m = /^(rtmps?):\/\/([^/?#\s]+)\/[^\s]*$/i.exec(url);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase() as "rtmp" | "rtmps";
  const authority = m[2]!;
  if (authority.includes("@")) return null;
  const hp = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(authority);
  if (!hp) return null;
  const port = hp[2] === undefined ? DEFAULT_PORT[scheme] : Number(hp[2]);
  if (port < 1 || port > 65535) return null;
  const host = hp[1]!.toLowerCase().replace(/\.$/, "");
  if (!host) return null;
  return { scheme, host, port };
}

/** Why a destination is refused. */
export type IngestRefusal = "bad-url" | "host-not-allowed";

/**
 * Whether `url` may be streamed to under `policy`: a parsed target with `local: true`
 * for the configured local ingest (which skips the address check).
 */
export function checkIngestUrl(
  url: string,
  policy: IngestPolicy,
): { ok: true; target: IngestTarget; local: boolean } | { ok: false; reason: IngestRefusal } {
  const target = parseIngestUrl(url);
  if (!target) return { ok: false, reason: "bad-url" };
  const endpoint = `${target.host}:${target.port}`;
  if (policy.local && policy.local === endpoint) return { ok: true, target, local: true };
  const allowed = policy.hosts.some((entry) =>
    entry === target.host ? target.port === DEFAULT_PORT[target.scheme] : entry === endpoint,
  );
  return allowed ? { ok: true, target, local: false } : { ok: false, reason: "host-not-allowed" };
}

/** Why an address is not a public unicast one. */
export type AddressCategory =
  | "loopback"
  | "private"
  | "link-local"
  | "cgnat"
  | "multicast"
  | "unspecified"
  | "ipv4-mapped"
  | "reserved"
  | "invalid";

/**
 * Classifies a resolved address (as `dns.lookup` returns it: dotted IPv4 or IPv6 text):
 * null for a public unicast address, else why it must not be connected to.
 */
export function addressCategory(address: string): AddressCategory | null {
  const a = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (a.includes(":")) return ipv6Category(a);
  const v4 = parseIpv4(a);
  return v4 === null ? "invalid" : ipv4Category(v4);
}

function parseIpv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function ipv4Category(v: readonly number[]): AddressCategory | null {
  const [a = 0, b = 0, c = 0] = v;
  if (a === 0) return "unspecified";
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b <= 127) return "cgnat";
  if (a >= 224 && a <= 239) return "multicast";
  if (
    a >= 240 ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113) ||
    (a === 192 && b === 88 && c === 99)
  )
    return "reserved";
  return null;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a dotted IPv4 tail. */
function parseIpv6(s: string): number[] | null {
  let text = s.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const v4 = parseIpv4(tail[1]!);
    if (!v4) return null;
    text = `${text.slice(0, -tail[1]!.length)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill("0"), ...rest];
  const out: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

function ipv6Category(s: string): AddressCategory | null {
  const g = parseIpv6(s);
  if (!g) return "invalid";
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, , g7 = 0] = g;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && g7 === 1) return "loopback";
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated),
  // 64:ff9b::a.b.c.d (NAT64) and 6to4 reach IPv4 hosts, possibly internal ones.
  if (zeroUpTo(5) && (g5 === 0xffff || g5 === 0)) return "ipv4-mapped";
  if (zeroUpTo(4) && g4 === 0xffff && g5 === 0) return "ipv4-mapped";
  if (g0 === 0x64 && g1 === 0xff9b) return "ipv4-mapped";
  if (g0 === 0x2002 && ipv4Category([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]) !== null)
    return "ipv4-mapped";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local";
  if ((g0 & 0xfe00) === 0xfc00 || (g0 & 0xffc0) === 0xfec0) return "private";
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  if (
    g0 === 0 || // the rest of ::/16: not routable
    (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) || // discard 100::/64
    (g0 === 0x2001 && g1 === 0x0db8) || // documentation
    (g0 === 0x2001 && g1 < 0x200) // IETF assignments, incl. Teredo 2001::/32
  )
    return "reserved";
  return null;
}

/**
 * What a teacher is told when the stream cannot reach its ingest. The bridge reports
 * only these (health `lastError`), the Worker forwards only these, the studio shows them.
 */
export const STREAM_ERRORS = {
  "ingest-not-allowed":
    "Ingest host not allowed: use YouTube's RTMP(S) URL (or one your administrator allowed).",
  "ingest-refused": "The ingest refused the connection.",
  "ingest-unreachable": "The ingest could not be reached.",
  "ingest-not-found": "The ingest host name does not exist.",
  "ingest-tls-failed": "A secure (RTMPS) connection to the ingest failed.",
  "stream-key-rejected": "The ingest rejected the stream key.",
  "ingest-closed": "The ingest closed the connection (is the stream key right?).",
  "encoder-failed": "The bridge's encoder stopped; it is restarting.",
  "encoder-stalled": "The stream stopped moving; the bridge is restarting it.",
} as const;

/** A category of stream failure (see {@link STREAM_ERRORS}). */
export type StreamErrorCategory = keyof typeof STREAM_ERRORS;

const STREAM_ERROR_TEXTS = new Set<string>(Object.values(STREAM_ERRORS));

/** The text a teacher may see for a reported error: a known category's text, else a generic one. */
export function teacherStreamError(reported: string | null): string | null {
  if (reported === null) return null;
  return STREAM_ERROR_TEXTS.has(reported) ? reported : "The stream failed; the bridge is retrying.";
}
