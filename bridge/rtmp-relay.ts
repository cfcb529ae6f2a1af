/**
 * A one-connection RTMP relay on loopback, so the stream key never is in ffmpeg's argv
 * (issue 12, point 23: `ps` and /proc/<pid>/cmdline are world-readable, and ffmpeg has
 * no way to read its output URL from anywhere else).
 *
 * ffmpeg publishes to `rtmp://127.0.0.1:<port>/<app>/<nonce>` — two random, non-secret
 * tokens. The relay opens the real connection itself (plain TCP or TLS for rtmps, to an
 * address the ingest check has just resolved and approved, so DNS cannot be re-pointed
 * between check and connect), passes the handshake through untouched, and rewrites the
 * AMF0 commands (`connect`'s app and tcUrl, the stream name in `releaseStream`,
 * `FCPublish`, `publish`, `FCUnpublish`) to the real ones. Media messages pass through
 * re-chunked but unchanged. It also watches the server's answers, so a failure gets a
 * teacher-safe category (refused, unreachable, TLS, key rejected, closed).
 */
import { randomBytes } from "node:crypto";
import { createServer, isIP, type Server, type Socket, connect as tcpConnect } from "node:net";
import { checkServerIdentity as tlsCheckServerIdentity, connect as tlsConnect } from "node:tls";
import { parseIngestUrl, type StreamErrorCategory } from "../protocol/ingest.ts";
import type { CheckedIngest } from "./ingest.ts";

const HANDSHAKE_BYTES = 1 + 1536 + 1536; // C0 + C1 + C2 (S0 + S1 + S2 the other way)
const MSG_SET_CHUNK_SIZE = 1;
const MSG_COMMAND_AMF0 = 20;
/** The ingest hanging up this soon after accepting the publish means: not this key. */
const KEY_REJECT_WINDOW_MS = 5000;

/** One RTMP message. */
export interface RtmpMessage {
  csid: number;
  timestamp: number;
  typeId: number;
  streamId: number;
  payload: Buffer;
}

interface ChunkState {
  timestamp: number;
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  extended: boolean;
  parts: Buffer[];
  received: number;
}

/** Reassembles RTMP messages from a chunk stream (after the handshake). Throws on garbage. */
export class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private chunkSize = 128;
  private streams = new Map<number, ChunkState>();

  /** Feeds bytes; returns every message completed by them. */
  push(data: Buffer): RtmpMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: RtmpMessage[] = [];
    for (;;) {
      const used = this.readChunk(out);
      if (used === 0) break;
      this.buf = this.buf.subarray(used);
    }
    return out;
  }

  /** Parses one chunk at the buffer's start; 0 when it is not complete yet. */
  private readChunk(out: RtmpMessage[]): number {
    const b = this.buf;
    if (b.length < 1) return 0;
    const fmt = b[0]! >> 6;
    let csid = b[0]! & 0x3f;
    let p = 1;
    if (csid === 0) {
      if (b.length < 2) return 0;
      csid = 64 + b[1]!;
      p = 2;
    } else if (csid === 1) {
      if (b.length < 3) return 0;
      csid = 64 + b[1]! + b[2]! * 256;
      p = 3;
    }
    const headerLen = [11, 7, 3, 0][fmt]!;
    if (b.length < p + headerLen) return 0;
    const prev = this.streams.get(csid);
    if (fmt !== 0 && !prev) throw new Error(`chunk fmt ${fmt} on new chunk stream ${csid}`);
    const s: ChunkState = prev ?? {
      timestamp: 0,
      delta: 0,
      length: 0,
      typeId: 0,
      streamId: 0,
      extended: false,
      parts: [],
      received: 0,
    };
    let field = 0;
    if (fmt <= 2) field = b.readUIntBE(p, 3);
    const extended = fmt <= 2 ? field === 0xffffff : s.extended;
    const extLen = extended ? 4 : 0;
    if (b.length < p + headerLen + extLen) return 0;
    const ext = extended ? b.readUInt32BE(p + headerLen) : 0;
    const starting = s.received === 0;
    const length = fmt <= 1 ? b.readUIntBE(p + 3, 3) : s.length;
    const payloadLen = Math.min(this.chunkSize, length - (starting ? 0 : s.received));
    const total = p + headerLen + extLen + payloadLen;
    if (b.length < total) return 0;
    // The whole chunk is here: commit the header.
    if (fmt <= 1) {
      s.length = length;
      s.typeId = b[p + 6]!;
    }
    if (fmt === 0) {
      s.streamId = b.readUInt32LE(p + 7);
      s.timestamp = extended ? ext : field;
      s.delta = s.timestamp;
    } else if (fmt <= 2) {
      s.delta = extended ? ext : field;
      if (starting) s.timestamp += s.delta;
    } else if (starting && prev) {
      s.timestamp += s.delta;
    }
    if (fmt <= 2) s.extended = extended;
    this.streams.set(csid, s);
    s.parts.push(b.subarray(p + headerLen + extLen, total));
    s.received += payloadLen;
    if (s.received >= s.length) {
      const payload = Buffer.concat(s.parts);
      s.parts = [];
      s.received = 0;
      const msg = {
        csid,
        timestamp: s.timestamp,
        typeId: s.typeId,
        streamId: s.streamId,
        payload,
      };
      if (msg.typeId === MSG_SET_CHUNK_SIZE && payload.length >= 4)
        this.chunkSize = payload.readUInt32BE(0) & 0x7fffffff;
      out.push(msg);
    }
    return total;
  }
}

/** Writes RTMP messages as chunks (a type-0 header, then type-3 continuations). */
export class ChunkWriter {
  private chunkSize = 128;

  /** The chunks for one message; a Set Chunk Size message applies to what follows it. */
  write(m: RtmpMessage): Buffer {
    const basic = (fmt: number): Buffer =>
      m.csid < 64
        ? Buffer.from([(fmt << 6) | m.csid])
        : m.csid < 320
          ? Buffer.from([fmt << 6, m.csid - 64])
          : Buffer.from([(fmt << 6) | 1, (m.csid - 64) & 0xff, (m.csid - 64) >> 8]);
    const extended = m.timestamp >= 0xffffff;
    const ext = Buffer.alloc(extended ? 4 : 0);
    if (extended) ext.writeUInt32BE(m.timestamp >>> 0);
    const header = Buffer.alloc(11);
    header.writeUIntBE(extended ? 0xffffff : m.timestamp, 0, 3);
    header.writeUIntBE(m.payload.length, 3, 3);
    header[6] = m.typeId;
    header.writeUInt32LE(m.streamId, 7);
    const parts: Buffer[] = [basic(0), header, ext];
    for (let off = 0; off < m.payload.length || off === 0; off += this.chunkSize) {
      if (off > 0) parts.push(basic(3), ext);
      parts.push(m.payload.subarray(off, off + this.chunkSize));
      if (m.payload.length === 0) break;
    }
    if (m.typeId === MSG_SET_CHUNK_SIZE && m.payload.length >= 4)
      this.chunkSize = m.payload.readUInt32BE(0) & 0x7fffffff;
    return Buffer.concat(parts);
  }
}

/** An AMF0 value as far as RTMP commands use them. */
export type Amf0 = number | boolean | string | null | undefined | { [key: string]: Amf0 } | Amf0[];

/** Decodes a sequence of AMF0 values (throws on a type commands do not use). */
export function decodeAmf0(buf: Buffer): Amf0[] {
  let p = 0;
  const str = (long: boolean): string => {
    const n = long ? buf.readUInt32BE(p) : buf.readUInt16BE(p);
    p += long ? 4 : 2;
    if (p + n > buf.length) throw new Error("amf0: truncated string");
    const s = buf.toString("utf8", p, p + n);
    p += n;
    return s;
  };
  const props = (): Record<string, Amf0> => {
    const o: Record<string, Amf0> = {};
    for (;;) {
      if (buf.readUInt16BE(p) === 0 && buf[p + 2] === 9) {
        p += 3;
        return o;
      }
      const k = str(false);
      o[k] = value();
    }
  };
  const value = (): Amf0 => {
    const t = buf[p++];
    switch (t) {
      case 0: {
        const n = buf.readDoubleBE(p);
        p += 8;
        return n;
      }
      case 1:
        return buf[p++] !== 0;
      case 2:
        return str(false);
      case 3:
        return props();
      case 5:
        return null;
      case 6:
        return undefined;
      case 8:
        p += 4; // count hint; the end marker terminates
        return props();
      case 10: {
        const n = buf.readUInt32BE(p);
        p += 4;
        return Array.from({ length: n }, () => value());
      }
      case 12:
        return str(true);
      default:
        throw new Error(`amf0: unsupported type ${t}`);
    }
  };
  const out: Amf0[] = [];
  while (p < buf.length) out.push(value());
  return out;
}

/** Encodes AMF0 values (objects as type 3, arrays as strict arrays). */
export function encodeAmf0(values: readonly Amf0[]): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string, withType: boolean) => {
    const b = Buffer.from(s, "utf8");
    const long = b.length > 0xffff;
    const h = Buffer.alloc((withType ? 1 : 0) + (long ? 4 : 2));
    if (withType) h[0] = long ? 12 : 2;
    if (long) h.writeUInt32BE(b.length, withType ? 1 : 0);
    else h.writeUInt16BE(b.length, withType ? 1 : 0);
    parts.push(h, b);
  };
  const value = (v: Amf0): void => {
    if (typeof v === "number") {
      const b = Buffer.alloc(9);
      b.writeDoubleBE(v, 1);
      parts.push(b);
    } else if (typeof v === "boolean") parts.push(Buffer.from([1, v ? 1 : 0]));
    else if (typeof v === "string") str(v, true);
    else if (v === null) parts.push(Buffer.from([5]));
    else if (v === undefined) parts.push(Buffer.from([6]));
    else if (Array.isArray(v)) {
      const h = Buffer.alloc(5);
      h[0] = 10;
      h.writeUInt32BE(v.length, 1);
      parts.push(h);
      for (const x of v) value(x);
    } else {
      parts.push(Buffer.from([3]));
      for (const [k, x] of Object.entries(v)) {
        str(k, false);
        value(x);
      }
      parts.push(Buffer.from([0, 0, 9]));
    }
  };
  for (const v of values) value(v);
  return Buffer.concat(parts);
}

/** `rtmp[s]://host[:port]/app/stream?query` → what ffmpeg puts in connect and publish. */
export function rtmpParts(url: string): { tcUrl: string; app: string; streamName: string } {
  const target = parseIngestUrl(url);
  const m = /^rtmps?:\/\/[^/]+\/([^/?]*)\/?(.*)$/i.exec(url);
  if (!target || !m) throw new Error("not an rtmp url");
  // ffmpeg's tcUrl always names the port.
  const tcUrl = `${target.scheme}://${target.host}:${target.port}/${m[1]}`;
  return { tcUrl, app: m[1]!, streamName: m[2]! };
}

/** Replaces the relay's stand-ins in one client command with the real target's values. */
export function rewriteCommand(
  values: Amf0[],
  fake: { tcUrl: string; app: string; streamName: string },
  real: { tcUrl: string; app: string; streamName: string },
): Amf0[] {
  const map = (v: Amf0): Amf0 => {
    if (typeof v === "string") {
      if (v === fake.tcUrl || v.startsWith(`${fake.tcUrl}/`) || v.startsWith(`${fake.tcUrl}?`))
        return real.tcUrl + v.slice(fake.tcUrl.length);
      if (v === fake.app) return real.app;
      return v.split(fake.streamName).join(real.streamName);
    }
    if (Array.isArray(v)) return v.map(map);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, map(x)]));
    return v;
  };
  return values.map(map);
}

/** The category of a failed upstream connection. */
export function connectErrorCategory(err: unknown): StreamErrorCategory {
  const code = String((err as { code?: unknown }).code ?? "");
  if (code === "ECONNREFUSED") return "ingest-refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "ingest-not-found";
  if (
    /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/.test(
      code,
    )
  )
    return "ingest-tls-failed";
  if (code === "ECONNRESET" || code === "EPIPE") return "ingest-closed";
  return "ingest-unreachable";
}

/** A running relay for one output ffmpeg. */
export interface RtmpRelay {
  /** What ffmpeg publishes to: loopback, random tokens, no secret. */
  url: string;
  close: () => void;
}

/** How the relay reaches the real ingest: re-check it, then connect to an approved address. */
export type IngestConnector = () => Promise<
  { ok: true; ingest: CheckedIngest } | { ok: false; category: StreamErrorCategory; detail: string }
>;

/**
 * Starts a relay to `target` (the real URL, with its key). `check` runs when ffmpeg
 * connects (media is flowing): the ingest check again, whose resolved addresses the relay
 * then connects to. `onFailure` gets a category and a log-only detail; `onPublished`
 * fires when the server accepted the publish (NetStream.Publish.Start).
 */
export async function startRtmpRelay(opts: {
  target: string;
  check: IngestConnector;
  onFailure: (category: StreamErrorCategory, detail: string) => void;
  onPublished?: () => void;
  connectTimeoutMs?: number;
}): Promise<RtmpRelay> {
  const real = rtmpParts(opts.target);
  const nonce = randomBytes(12).toString("hex");
  const fakeApp = `relay-${randomBytes(6).toString("hex")}`;
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const fake = { tcUrl: `rtmp://127.0.0.1:${port}/${fakeApp}`, app: fakeApp, streamName: nonce };
  const sockets = new Set<Socket>();
  let failed = false;
  const fail = (category: StreamErrorCategory, detail: string) => {
    if (failed) return;
    failed = true;
    opts.onFailure(category, detail);
  };
  let taken = false;
  server.on("connection", (client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    if (taken) {
      client.destroy(); // one ffmpeg, one connection
      return;
    }
    taken = true;
    client.setNoDelay(true);
    client.pause();
    void relay(client);
  });

  async function relay(client: Socket): Promise<void> {
    client.on("error", () => {});
    const verdict = await opts.check();
    if (client.destroyed) return;
    if (!verdict.ok) {
      fail(verdict.category, verdict.detail);
      client.destroy();
      return;
    }
    const { target, addresses } = verdict.ingest;
    const host = addresses[0] ?? target.host.replace(/^\[|\]$/g, "");
    const name = target.host.replace(/^\[|\]$/g, "");
    const upstream: Socket =
      target.scheme === "rtmps"
        ? tlsConnect({
            host,
            port: target.port,
            // The certificate is checked against the name; SNI takes no IP literals.
            servername: isIP(name) ? undefined : name,
            checkServerIdentity: (_, cert) => tlsCheckServerIdentity(name, cert),
          })
        : tcpConnect({ host, port: target.port });
    sockets.add(upstream);
    upstream.setNoDelay(true);
    let connected = false;
    let published = false;
    let publishedAt = 0;
    let publishSent = false;
    const timer = setTimeout(() => {
      if (connected) return;
      fail("ingest-unreachable", "connect timeout");
      upstream.destroy();
      client.destroy();
    }, opts.connectTimeoutMs ?? 10_000);
    upstream.once(target.scheme === "rtmps" ? "secureConnect" : "connect", () => {
      connected = true;
      clearTimeout(timer);
      client.resume();
    });
    upstream.on("error", (err) => {
      if (!connected) fail(connectErrorCategory(err), String((err as { code?: string }).code));
      else if (!published) fail("ingest-closed", String((err as { code?: string }).code));
    });
    let clientClosed = false;
    upstream.on("close", () => {
      clearTimeout(timer);
      sockets.delete(upstream);
      if (!connected || clientClosed) {
        // ffmpeg hung up (session stopped), or the connect failure was reported already.
      } else if (!published) {
        fail(publishSent ? "stream-key-rejected" : "ingest-closed", "closed before publish");
      } else if (Date.now() - publishedAt < KEY_REJECT_WINDOW_MS) {
        // YouTube (and node-media-server) accept a publish with an unknown key, then hang up.
        fail("stream-key-rejected", "closed right after publish");
      } else {
        fail("ingest-closed", "closed");
      }
      client.destroy();
    });
    client.on("close", () => {
      clientClosed = true;
      upstream.destroy();
    });

    // ffmpeg → ingest: handshake as is, then commands rewritten.
    let skip = HANDSHAKE_BYTES;
    const reader = new ChunkReader();
    const writer = new ChunkWriter();
    client.on("data", (data: Buffer) => {
      let out: Buffer;
      try {
        const head = data.subarray(0, skip);
        skip -= head.length;
        const rest = data.subarray(head.length);
        const parts: Buffer[] = head.length ? [head] : [];
        if (rest.length) {
          for (const m of reader.push(rest)) {
            if (m.typeId === MSG_COMMAND_AMF0) {
              const values = rewriteCommand(decodeAmf0(m.payload), fake, real);
              if (values[0] === "publish") publishSent = true;
              parts.push(writer.write({ ...m, payload: encodeAmf0(values) }));
            } else {
              parts.push(writer.write(m));
            }
          }
        }
        out = Buffer.concat(parts);
      } catch (err) {
        fail("encoder-failed", `relay: ${err instanceof Error ? err.message : String(err)}`);
        client.destroy();
        return;
      }
      if (out.length && !upstream.write(out)) {
        client.pause();
        upstream.once("drain", () => client.resume());
      }
    });

    // ingest → ffmpeg: as is; watched for the publish answer.
    let serverSkip = HANDSHAKE_BYTES;
    const watcher = new ChunkReader();
    upstream.on("data", (data: Buffer) => {
      if (!client.write(data)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
      if (published) return;
      const head = Math.min(serverSkip, data.length);
      serverSkip -= head;
      if (head === data.length) return;
      try {
        for (const m of watcher.push(data.subarray(head))) {
          if (m.typeId !== MSG_COMMAND_AMF0) continue;
          const [name, , , info] = decodeAmf0(m.payload);
          const status = info && typeof info === "object" && !Array.isArray(info) ? info : {};
          const code = typeof status.code === "string" ? status.code : "";
          if (name === "onStatus" && code === "NetStream.Publish.Start") {
            published = true;
            publishedAt = Date.now();
            opts.onPublished?.();
          } else if (name === "_error" || (name === "onStatus" && status.level === "error")) {
            fail("stream-key-rejected", code || String(name));
          }
        }
      } catch {
        // Cannot follow the server's answers: stop watching, keep relaying.
        published = true;
        publishedAt = Date.now();
      }
    });
  }

  return {
    url: `${fake.tcUrl}/${nonce}`,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
