/**
 * The bridge's own check of an RTMP destination, before every connection it makes
 * (protocol/ingest.ts has the pure rules): the host must be allowed, and every address
 * it resolves to must be public — a name on the allowlist can still be pointed at an
 * internal address, and the Worker's check of the class settings cannot see that.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import {
  addressCategory,
  checkIngestUrl,
  type IngestPolicy,
  type IngestTarget,
  type StreamErrorCategory,
} from "../protocol/ingest.ts";

/** `dns.lookup(host, { all: true })`; injectable for tests. */
export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: LookupAll = (host) => dnsLookup(host, { all: true, verbatim: true });

/** A destination the bridge may connect to: the addresses it was checked at. */
export interface CheckedIngest {
  target: IngestTarget;
  /** Resolved public addresses (empty for the local ingest, which is not resolved). */
  addresses: string[];
  local: boolean;
}

/**
 * Allowlist + resolution check. Refusals carry a teacher-safe category and, for the
 * log only, the detail (which address, which category).
 */
export async function checkIngest(
  url: string,
  policy: IngestPolicy,
  lookup: LookupAll = systemLookup,
): Promise<
  { ok: true; ingest: CheckedIngest } | { ok: false; category: StreamErrorCategory; detail: string }
> {
  const checked = checkIngestUrl(url, policy);
  if (!checked.ok) return { ok: false, category: "ingest-not-allowed", detail: checked.reason };
  const { target } = checked;
  if (checked.local) return { ok: true, ingest: { target, addresses: [], local: true } };
  const name = target.host.replace(/^\[|\]$/g, "");
  let found: { address: string }[];
  try {
    found = await lookup(name);
  } catch (err) {
    const code = (err as { code?: string }).code ?? "lookup-failed";
    return {
      ok: false,
      category: code === "ENOTFOUND" ? "ingest-not-found" : "ingest-unreachable",
      detail: code,
    };
  }
  if (found.length === 0) return { ok: false, category: "ingest-not-found", detail: "no-address" };
  for (const { address } of found) {
    const category = addressCategory(address);
    if (category !== null)
      return { ok: false, category: "ingest-not-allowed", detail: `${category} address` };
  }
  return { ok: true, ingest: { target, addresses: found.map((f) => f.address), local: false } };
}
