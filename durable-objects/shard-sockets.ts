/**
 * A ClassroomShard's sockets: refusing an upgrade, the per-socket attachment, which sockets are still open
 * (and how many per user), and sending to them — one frame, a broadcast, or into the
 * queue of a socket still waiting for its catch-up — counted for the `deliveries`
 * metric. Part of the shell: the shard hands it `ctx.getWebSockets`; no timer (the metric
 * window is written by the first count after it is due, metric-window.ts).
 */
import type { ApiErrorBody, ApiErrorCode } from "../protocol/api.ts";
import type { Author, ServerMessage } from "../protocol/realtime.ts";
import type { DeliveryKind } from "../worker/metrics.ts";
import type { RefusalAnswer } from "./admission-core.ts";
import { MetricWindow, utf8Length, WindowClock, type WindowSum } from "./metric-window.ts";

/**
 * Per-socket data, namespaced so other features can add their own keys later. Kept with
 * the socket by the runtime (serializeAttachment), so it survives hibernation.
 */
export interface Attachment {
  mc: SocketMarks;
}

/** What the shard knows of one socket (`Attachment.mc`). */
export interface SocketMarks {
  user: Author;
  joinedAt: number;
  /** Staff: the section this socket watches. */
  watch?: string | null;
  /** Staff: the `sseq` of that section's snapshot it got; relays up to it are not sent again. */
  watchFrom?: number;
  /** The device id it connected from (a ban keeps that device out, decision 014). */
  device?: string;
  /** The admitting ticket's issue time and token version (a later revocation covers it). */
  ticket?: { issuedAt: number; tokenVersion?: number };
}

/** A socket's marks, or null for a socket without them. */
export function marksOf(ws: WebSocket): SocketMarks | null {
  return (ws.deserializeAttachment() as Attachment | null)?.mc ?? null;
}

/** Replace a socket's marks. */
export function setMarks(ws: WebSocket, mc: SocketMarks): void {
  ws.serializeAttachment({ mc } satisfies Attachment);
}

/** Close a socket, ignoring codes that may not be sent and sockets already gone. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    if (code === 1005 || code === 1006 || code === 1015) ws.close();
    else ws.close(code, reason);
  } catch {
    // Already closed.
  }
}

/** An HTTP refusal of an upgrade, as the Worker's typed error body. */
export function refuse(status: number, code: ApiErrorCode, message: string): Response {
  return Response.json({ error: { code, message } } satisfies ApiErrorBody, { status });
}

/** A refused upgrade (admission-core.ts `refusalOf`) as the runtime's response. */
export function refusalResponse(r: RefusalAnswer): Response {
  if ("http" in r) return refuse(r.http, r.code, r.message);
  // Accept and close at once, so a browser can read why (an HTTP error shows only 1006).
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.close(r.close, r.reason);
  return new Response(null, { status: 101, webSocket: client });
}

/** Send a frame; false if the socket was already closed. */
function sendQuietly(ws: WebSocket, frame: string): boolean {
  try {
    ws.send(frame);
    return true;
  } catch {
    // The socket closed between listing and sending; its close handler records the leave.
    return false;
  }
}

/** Open sockets in all and per user. */
export interface SocketCounts {
  open: number;
  byUser: Map<string, number>;
}

/** The shard's open sockets: the runtime's list minus the ones this instance saw go. */
export class SocketRoster {
  /** Sockets this instance already counted as gone (close and error can both fire). */
  private readonly gone = new WeakSet<WebSocket>();
  /** Open sockets in all and per user (see `counts`). */
  private tallied: SocketCounts | null = null;

  constructor(private readonly list: (tag?: string) => WebSocket[]) {}

  isOpen(ws: WebSocket): boolean {
    return !this.gone.has(ws);
  }

  /** Open sockets (with `tag`: only those tagged so). */
  open(tag?: string): WebSocket[] {
    return this.list(tag).filter((ws) => !this.gone.has(ws));
  }

  /**
   * Open sockets, in all and per user, kept as they change: counting them per admission
   * (reading every socket's attachment) made a join cost O(sockets). Rebuilt once after a wake.
   */
  counts(): SocketCounts {
    if (!this.tallied) {
      const byUser = new Map<string, number>();
      let open = 0;
      for (const ws of this.open()) {
        const id = marksOf(ws)?.user.id;
        if (!id) continue;
        open++;
        byUser.set(id, (byUser.get(id) ?? 0) + 1);
      }
      this.tallied = { open, byUser };
    }
    return this.tallied;
  }

  /** A socket of `userId` was accepted. */
  added(userId: string): void {
    const counts = this.counts();
    counts.open++;
    counts.byUser.set(userId, (counts.byUser.get(userId) ?? 0) + 1);
  }

  /**
   * `ws` closed or failed. Null when this instance already saw it go; else its marks (null
   * for a socket without them) and whether the shard is now empty.
   */
  remove(ws: WebSocket): { marks: SocketMarks | null; empty: boolean } | null {
    if (this.gone.has(ws)) return null;
    // Counted before this socket is marked gone (a rebuild after a wake must include it).
    const counts = this.counts();
    this.gone.add(ws);
    const marks = marksOf(ws);
    if (!marks) return { marks, empty: false };
    counts.open = Math.max(0, counts.open - 1);
    const mine = (counts.byUser.get(marks.user.id) ?? 1) - 1;
    if (mine > 0) counts.byUser.set(marks.user.id, mine);
    else counts.byUser.delete(marks.user.id);
    return { marks, empty: counts.open === 0 };
  }
}

/**
 * Sending to the shard's sockets, counted per window for the `deliveries` metric. A socket
 * waiting for its catch-up (`hold`) gets live frames queued, so its order holds.
 */
export class SocketOutbox {
  /** Sockets waiting for their catch-up: live frames queue here. */
  private readonly syncing = new Map<WebSocket, string[]>();
  /** Frames and bytes sent to sockets, written once per window. */
  private readonly sent = new MetricWindow<DeliveryKind>();
  private readonly clock = new WindowClock();

  constructor(
    private readonly roster: SocketRoster,
    /** What the shard's frames count as (staff sockets live on the staff shard only). */
    private readonly kind: () => DeliveryKind,
    /** The window is due: the shell writes it (`takeWindow`). */
    private readonly windowDue: () => void,
  ) {}

  /** Send one frame to one socket. */
  send(ws: WebSocket, frame: string, kind: DeliveryKind = this.kind()): void {
    if (sendQuietly(ws, frame)) this.counted(kind, 1, utf8Length(frame));
  }

  /** Send one message to one socket. */
  reply(ws: WebSocket, frame: ServerMessage): void {
    this.send(ws, JSON.stringify(frame));
  }

  /** Send a frame to every open socket (with `tag`: tagged so); queued for sockets catching up. */
  broadcast(frame: string, tag?: string): void {
    let n = 0;
    for (const ws of this.roster.open(tag)) {
      const q = this.syncing.get(ws);
      if (q) q.push(frame);
      else if (sendQuietly(ws, frame)) n++;
    }
    if (n > 0) this.counted(this.kind(), n, n * utf8Length(frame));
  }

  /** `ws` waits for its catch-up: live frames queue from now on. */
  hold(ws: WebSocket): void {
    if (!this.syncing.has(ws)) this.syncing.set(ws, []);
  }

  isHeld(ws: WebSocket): boolean {
    return this.syncing.has(ws);
  }

  /** `ws` is caught up: send what queued meanwhile. */
  release(ws: WebSocket): void {
    const queued = this.syncing.get(ws) ?? [];
    this.syncing.delete(ws);
    for (const f of queued) this.send(ws, f);
  }

  /** `ws` is gone: drop its queue. */
  drop(ws: WebSocket): void {
    this.syncing.delete(ws);
  }

  /** This window's sums (one per kind), and a new window. */
  takeWindow(): WindowSum<DeliveryKind>[] {
    this.clock.reset();
    return this.sent.take();
  }

  /** Count frames sent (the shell's own sends too, e.g. the welcome on a fresh socket). */
  counted(kind: DeliveryKind, frames: number, bytes: number): void {
    this.sent.add(kind, frames, bytes);
    if (this.clock.due(Date.now())) this.windowDue();
  }
}
