/**
 * One simulated participant's socket: a real `ws` WebSocket to the local stack that
 * keeps what the checks need (its section, the class events it holds, the section
 * frames it saw, the latest staff frames) and lets the engine await a frame.
 */
import WebSocket from "ws";
import type { ServerMessage } from "../protocol/realtime.ts";

/** A frame as received, with its arrival time. */
export interface Received {
  at: number;
  frame: ServerMessage;
}

interface Waiter {
  pred: (m: ServerMessage) => boolean;
  resolve: (m: ServerMessage | null) => void;
  timer: NodeJS.Timeout;
}

let nextId = 1;

/** A participant's socket and what it has received. */
export class SimSocket {
  readonly id = nextId++;
  readonly actorKey: string;
  readonly ws: WebSocket;
  readonly openedAt = Date.now();
  welcomeAt: number | null = null;
  /** The sim step during which the welcome arrived. */
  welcomeStep = -1;
  /** Whether its first `interactive.me` was checked. */
  meSeen = false;
  /** Poll answers restated to this socket after connecting (`poll.answered` without `rid`). */
  readonly restated = new Map<string, number[]>();
  sectionId: string | null = null;
  closedAt: number | null = null;
  closeCode: number | null = null;
  /** The socket's error, when it failed (close code 1006). */
  error: string | null = null;
  /** This side closed it (leave, reload, drop). */
  closing = false;
  /** When the TCP connection ended (after the close handshake). */
  tcpClosedAt: number | null = null;
  /** Highest class `seq` applied (-1: none yet). A resume starts from the resumed seq. */
  lastSeq: number;
  /** The `resume` this socket was opened with, or null. */
  readonly resumeFrom: number | null;
  /** Whether the class state (snapshot or first replayed event) arrived. */
  gotState = false;
  /** Last `sseq` seen per section (after that section's snapshot). */
  readonly sseq = new Map<string, number>();
  /** Section message ids received live on this socket. */
  readonly seenMessages = new Set<string>();
  /** Staff: the section watched now, and since when (its snapshot's arrival). */
  watching: string | null = null;
  /** Staff: sections watched before, and when the watch moved away (late frames are tolerated). */
  readonly unwatchedAt = new Map<string, number>();
  /** The latest frame of each type (staff lists, counters). */
  readonly latest = new Map<string, Received>();
  /** The board as this socket would draw it: slide key → stroke ids in order. */
  board: { slide: string | null; strokes: string[] } = { slide: null, strokes: [] };
  /** The last frames, for failure reports. */
  readonly recent: Received[] = [];
  private waiters: Waiter[] = [];

  constructor(
    url: string,
    actorKey: string,
    resumeFrom: number | null,
    onFrame: (s: SimSocket, m: ServerMessage) => void,
    onClose: (s: SimSocket) => void,
  ) {
    this.actorKey = actorKey;
    this.resumeFrom = resumeFrom;
    this.lastSeq = resumeFrom ?? -1;
    this.ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 15_000 });
    this.ws.on("message", (data) => {
      const text = data.toString();
      if (text === "pong") return;
      let m: ServerMessage;
      try {
        m = JSON.parse(text) as ServerMessage;
      } catch {
        return;
      }
      const r = { at: Date.now(), frame: m };
      this.recent.push(r);
      if (this.recent.length > 40) this.recent.shift();
      this.latest.set(m.type, r);
      onFrame(this, m);
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          clearTimeout(w.timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    const closed = (code: number) => {
      if (this.closedAt !== null) return;
      this.closedAt = Date.now();
      this.closeCode = code;
      onClose(this);
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.resolve(null);
      }
    };
    // A close frame counts as the close: `ws` fires "close" only when the TCP connection
    // ends, which (client side) waits for the server's FIN or a 30 s timeout.
    this.ws.on("open", () => {
      (this.ws as unknown as { _receiver: NodeJS.EventEmitter })._receiver.on(
        "conclude",
        (code: number) => closed(code),
      );
    });
    this.ws.on("close", (code) => {
      this.tcpClosedAt = Date.now();
      closed(code);
    });
    this.ws.on("error", (err) => {
      this.error = err.message;
      closed(1006);
    });
    this.ws.on("unexpected-response", (_req, res) => closed(res.statusCode ?? 1006));
  }

  /** Whether the socket is open and welcomed. */
  get open(): boolean {
    return this.closedAt === null && this.welcomeAt !== null;
  }

  /** Send a JSON frame (or a raw string); false when the socket is not open. */
  send(m: unknown): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(typeof m === "string" ? m : JSON.stringify(m));
    return true;
  }

  /** The next frame (from now on) satisfying `pred`, or null after `timeoutMs` or on close. */
  wait(pred: (m: ServerMessage) => boolean, timeoutMs: number): Promise<ServerMessage | null> {
    if (this.closedAt !== null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const w: Waiter = {
        pred,
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          resolve(null);
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Wait until the socket closes (true) or `timeoutMs` passes (false). */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedAt === null && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 25));
    return this.closedAt !== null;
  }

  /** Close the way a page does: `code` 1000 (leave) or 1001 (reload), or drop the TCP connection. */
  close(how: "leave" | "reload" | "drop"): void {
    this.closing = true;
    if (how === "drop") this.ws.terminate();
    else this.ws.close(how === "leave" ? 1000 : 1001);
  }
}
