/**
 * The one real-time socket client of every web app (student page, studio). It gets a
 * join ticket, connects, resumes from the last applied `seq`, feeds every frame to the
 * pure reducer (classroom-state.ts), and reconnects with the protocol's full-jitter
 * backoff (protocol/reconnect.ts) — never a fixed delay. See docs/protocol.md.
 *
 * I/O is injected (ticket fetch, socket factory, timers, clock), so tests drive it
 * with fakes, as livekit's managers do.
 *
 * Only types come from protocol/realtime.ts (it carries the valibot schemas, which stay
 * out of the web bundles); values and the sequenced-event test come from the valibot-free
 * protocol/realtime.constants.ts (scripts/web-bundle.test.ts holds both).
 */
import {
  CloseCode,
  isClassEvent,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  socketPath,
  socketSearch,
} from "../../protocol/realtime.constants.ts";
import type {
  ClassEvent,
  ClientMessage,
  ServerMessage,
  ServerMessageType,
} from "../../protocol/realtime.ts";
import { ReconnectPolicy } from "../../protocol/reconnect.ts";
import { ApiClientError, call, client } from "./api.ts";
import {
  type ClassroomAction,
  type ClassroomState,
  type EndReason,
  initialClassroomState,
  reduce,
} from "./classroom-state.ts";
import type { VideoSync } from "./video-delay.ts";

/** Keep-alive period; a period with no frame at all after a ping means the socket is dead. */
export const HEARTBEAT_MS = 15_000;
/** Give up on a connection that opened but sent no `welcome` in this time. */
export const WELCOME_TIMEOUT_MS = 10_000;
/** A chat message with no echo, refusal or error after this long is shown as not sent. */
export const CHAT_ANSWER_MS = 10_000;
/** Wait before re-sending `hello` when a gap did not fill (lost resync). */
export const RESYNC_RETRY_MS = 5_000;

/** The part of `WebSocket` the client uses (a browser WebSocket fits; tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Outcome of asking for a join ticket. */
export type TicketResult =
  | { ok: true; ticket: string }
  /** Try again later (network, server busy). */
  | { ok: false; retry: true }
  /** Stop: the server refused us for good. */
  | { ok: false; retry: false; reason: EndReason };

/** Injected I/O; everything defaults to the browser's. */
export interface ClassroomSocketOptions {
  classId: string;
  fetchTicket?: (classId: string, section?: string | null) => Promise<TicketResult>;
  createSocket?: (url: string) => SocketLike;
  /** `ws://host` or `wss://host`; defaults to this page's origin. */
  socketOrigin?: string;
  policy?: ReconnectPolicy;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Subscribe to the browser's online/offline events; returns an unsubscribe. */
  watchNetwork?: (onChange: (online: boolean) => void) => () => void;
  /**
   * Students: hold picture events (slides, whiteboard, polls) until this viewer's video
   * reaches them (video-delay.ts). Without it every event applies on arrival.
   */
  sync?: VideoSync<ClassEvent> | null;
}

/**
 * Ask the Worker for a join ticket (same-origin session cookie), classifying failures.
 * `section`: the section this client was in; the ticket names it while it has room.
 */
export async function fetchJoinTicket(
  classId: string,
  section?: string | null,
): Promise<TicketResult> {
  try {
    const t = await call(
      client.classes[":id"].ticket.$post({
        param: { id: classId },
        query: section ? { section } : {},
      }),
    );
    return { ok: true, ticket: t.ticket };
  } catch (err) {
    if (err instanceof ApiClientError) {
      if (err.status === 401 || err.status === 403)
        return { ok: false, retry: false, reason: "auth" };
      if (err.status === 404) return { ok: false, retry: false, reason: "not_found" };
    }
    return { ok: false, retry: true };
  }
}

/** The socket URL (docs/protocol.md §1). */
export function classroomSocketUrl(
  origin: string,
  classId: string,
  q: { ticket: string; resume?: number | null; section?: string | null },
): string {
  const search = socketSearch({
    ticket: q.ticket,
    resume: q.resume ?? undefined,
    section: q.section ?? undefined,
  });
  return `${origin}${socketPath(classId)}${search}`;
}

function browserNetwork(onChange: (online: boolean) => void): () => void {
  const on = () => onChange(true);
  const off = () => onChange(false);
  addEventListener("online", on);
  addEventListener("offline", off);
  return () => {
    removeEventListener("online", on);
    removeEventListener("offline", off);
  };
}

type FrameHandler<T extends ServerMessageType> = (
  frame: Extract<ServerMessage, { type: T }>,
) => void;

/**
 * One participant's connection to one class. `start()` once; read `state` or
 * `subscribe()`; `send()` typed client messages; `stop()` when leaving.
 */
export class ClassroomSocket {
  state: ClassroomState = initialClassroomState();
  private readonly opts: Required<Omit<ClassroomSocketOptions, "classId" | "sync">> & {
    classId: string;
  };
  /** Video alignment (students), or null. */
  readonly sync: VideoSync<ClassEvent> | null;
  private readonly listeners = new Set<(s: ClassroomState) => void>();
  private readonly handlers = new Map<string, Set<(f: ServerMessage) => void>>();
  private ws: SocketLike | null = null;
  private welcomed = false;
  private started = false;
  private stopped = false;
  private everConnected = false;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private welcomeTimer: unknown = null;
  private resyncTimer: unknown = null;
  private awaitingPong = false;
  private unwatchNetwork: (() => void) | null = null;
  /** Bumped per connection attempt, so late callbacks of an old one are ignored. */
  private generation = 0;
  /** The section staff watch, re-sent after every reconnect. */
  private watching: string | null = null;
  private ridCounter = 0;

  constructor(opts: ClassroomSocketOptions) {
    this.opts = {
      fetchTicket: fetchJoinTicket,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      socketOrigin:
        typeof location === "undefined"
          ? ""
          : `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}`,
      policy: new ReconnectPolicy(),
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      watchNetwork: browserNetwork,
      ...opts,
    };
    this.sync = opts.sync ?? null;
    this.sync?.onRelease((ev) => {
      this.dispatch({ type: "release", event: ev, now: this.opts.now() });
      this.runHandlers(ev);
    });
  }

  /** Listen to state changes; returns an unsubscribe. */
  subscribe(fn: (s: ClassroomState) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Listen to one type of server frame (after the state has been updated); returns an unsubscribe. */
  on<T extends ServerMessageType>(type: T, fn: FrameHandler<T>): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    const h = fn as (f: ServerMessage) => void;
    set.add(h);
    return () => set.delete(h);
  }

  /** Connect (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.unwatchNetwork = this.opts.watchNetwork((online) => this.onNetwork(online));
    void this.connect();
  }

  /** Leave for good: close the socket (1000) and cancel every timer. */
  stop(): void {
    this.stopped = true;
    this.sync?.stop();
    this.unwatchNetwork?.();
    this.unwatchNetwork = null;
    this.teardown(CloseCode.normal);
    this.dispatch({ type: "ended", reason: "closed" });
  }

  /** Send a typed client message. False when not connected (nothing is queued). */
  send(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || !this.welcomed || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  /** Post a chat message with a fresh `rid`; returns the rid, or null when not connected. */
  sendChat(text: string): string | null {
    const rid = `${this.opts.now().toString(36)}-${(++this.ridCounter).toString(36)}`;
    if (!this.send({ type: "chat.send", text, rid })) return null;
    this.dispatch({ type: "sent", rid, text });
    // Every chat message gets an echo, a refusal or an error; if none comes (socket lost,
    // frame dropped), say so rather than let the message vanish.
    this.opts.setTimer(() => {
      if (!this.stopped) this.dispatch({ type: "unanswered", rid, now: this.opts.now() });
    }, CHAT_ANSWER_MS);
    return rid;
  }

  /** Staff: watch one section's chat (null stops). Survives reconnects. */
  watch(sectionId: string | null): void {
    if (sectionId === this.watching) return;
    this.watching = sectionId;
    this.dispatch({ type: "watch", sectionId });
    this.send({ type: "section.watch", sectionId });
  }

  // ---- internals ---------------------------------------------------------------

  private dispatch(a: ClassroomAction): void {
    const next = reduce(this.state, a);
    if (next === this.state) return;
    this.state = next;
    for (const fn of this.listeners) fn(next);
  }

  private clear(t: unknown): null {
    if (t !== null) this.opts.clearTimer(t);
    return null;
  }

  private teardown(code?: number): void {
    this.generation++;
    this.retryTimer = this.clear(this.retryTimer);
    this.heartbeatTimer = this.clear(this.heartbeatTimer);
    this.welcomeTimer = this.clear(this.welcomeTimer);
    this.resyncTimer = this.clear(this.resyncTimer);
    this.welcomed = false;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(code);
      } catch {
        // Already closed.
      }
    }
  }

  private end(reason: EndReason): void {
    this.stopped = true;
    this.teardown(CloseCode.normal);
    this.dispatch({ type: "ended", reason });
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.dispatch({ type: "conn", conn: this.everConnected ? "reconnecting" : "connecting" });
    // A fresh ticket for every attempt: tickets live 60 s, and the ticket call is also
    // the only way a browser learns why an upgrade was refused (it just sees 1006).
    // The ticket names the section (decision 014): ask for the one this client was in.
    const section =
      this.state.you && this.state.sectionId !== "staff" ? this.state.sectionId : null;
    const t = await this.opts.fetchTicket(this.opts.classId, section);
    if (gen !== this.generation || this.stopped) return;
    if (!t.ok) {
      if (t.retry) this.retry();
      else this.end(t.reason);
      return;
    }
    const url = classroomSocketUrl(this.opts.socketOrigin, this.opts.classId, {
      ticket: t.ticket,
      resume: this.state.lastSeq,
      section,
    });
    let ws: SocketLike;
    try {
      ws = this.opts.createSocket(url);
    } catch {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (gen === this.generation) this.onData(ev.data);
    };
    ws.onclose = (ev) => {
      if (gen === this.generation) this.onClose(ev.code);
    };
    // An error is always followed by a close; the close decides.
    ws.onerror = null;
    this.welcomeTimer = this.opts.setTimer(() => {
      this.welcomeTimer = null;
      if (gen === this.generation && !this.welcomed) this.drop();
    }, WELCOME_TIMEOUT_MS);
  }

  /** The connection is unusable: close it and try again with backoff. */
  private drop(): void {
    this.teardown();
    this.retry();
  }

  private retry(): void {
    if (this.stopped) return;
    const delay = this.opts.policy.nextDelay();
    if (delay === null) {
      this.end("closed");
      return;
    }
    this.dispatch({ type: "conn", conn: this.everConnected ? "reconnecting" : "connecting" });
    this.retryTimer = this.opts.setTimer(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private onClose(code: number): void {
    this.ws = null;
    if (code === CloseCode.banned) this.end("banned");
    else if (code === CloseCode.revoked) this.end("auth");
    else if (code === CloseCode.unsupportedVersion) this.end("version");
    else if (code === CloseCode.normal) this.end("closed");
    else this.drop();
  }

  private onNetwork(online: boolean): void {
    if (this.stopped) return;
    if (!online) {
      // The browser knows the network is gone: say so now rather than after a heartbeat.
      this.teardown();
      this.dispatch({ type: "conn", conn: "offline" });
      return;
    }
    this.opts.policy.reset();
    this.teardown();
    void this.connect();
  }

  private heartbeat(): void {
    const gen = this.generation;
    this.heartbeatTimer = this.opts.setTimer(() => {
      this.heartbeatTimer = null;
      if (gen !== this.generation) return;
      // Nothing at all since the last ping — not even its pong: the socket is dead
      // even if the browser has not noticed (sleeping laptops, NAT timeouts).
      if (this.awaitingPong) {
        this.drop();
        return;
      }
      this.awaitingPong = true;
      try {
        this.ws?.send(PING_FRAME);
      } catch {
        this.drop();
        return;
      }
      this.heartbeat();
    }, HEARTBEAT_MS);
  }

  private onData(data: unknown): void {
    this.awaitingPong = false;
    if (data === PONG_FRAME || typeof data !== "string") return;
    let frame: ServerMessage;
    try {
      frame = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null || typeof frame.type !== "string") return;
    const before = this.state;
    const sync = this.sync;
    const event = isClassEvent(frame) ? frame : null;
    if (sync && event) sync.observeServerTime(event.at);
    else if (sync && frame.type === "welcome") sync.observeServerTime(frame.serverTime);
    // Picture events advance `lastSeq` now (so resume and gap checks stay exact) and
    // take effect when this viewer's video reaches them.
    const hold = sync !== null && event !== null && sync.shouldHold(event);
    this.dispatch({ type: "frame", frame, now: this.opts.now(), hold });
    this.afterFrame(frame, before);
    if (sync) {
      if (frame.type === "snapshot") sync.dropThrough(frame.seq);
      // A stream that is reconnecting is still the same stream (same start, same delay).
      const s = this.state.stream;
      sync.setStream(
        s === "live" || s === "reconnecting" || s === "interrupted",
        this.state.streamStartedAt,
      );
      if (hold && event && this.state.lastSeq === event.seq && before.lastSeq !== event.seq) {
        sync.hold(event);
        return; // its handlers run on release
      }
      if (hold) return; // a duplicate or a gap: nothing to show
    }
    this.runHandlers(frame);
  }

  private runHandlers(frame: ServerMessage): void {
    for (const h of this.handlers.get(frame.type) ?? []) h(frame);
  }

  private afterFrame(frame: ServerMessage, before: ClassroomState): void {
    switch (frame.type) {
      case "welcome":
        this.welcomed = true;
        this.everConnected = true;
        this.welcomeTimer = this.clear(this.welcomeTimer);
        this.opts.policy.reset();
        this.heartbeat();
        if (this.watching && (frame.you.role === "teacher" || frame.you.role === "moderator"))
          this.send({ type: "section.watch", sectionId: this.watching });
        break;
      case "error":
        if (frame.code === "unsupported_version") this.end("version");
        // Class state was briefly unreachable during our sync: ask again.
        else if (frame.code === "unavailable" && frame.ref === undefined) this.resync(1000);
        break;
      default:
        break;
    }
    if (this.state.gap && !before.gap) this.resync(0);
    else if (!this.state.gap) this.resyncTimer = this.clear(this.resyncTimer);
  }

  /** Send `hello` with our last seq (now or after `ms`), and again if the gap persists. */
  private resync(ms: number): void {
    if (this.resyncTimer !== null) return;
    const fire = () => {
      this.resyncTimer = null;
      const resume = this.state.lastSeq;
      this.send(
        resume === null
          ? { type: "hello", v: PROTOCOL_VERSION }
          : { type: "hello", v: PROTOCOL_VERSION, resume },
      );
      if (this.state.gap) this.resyncTimer = this.opts.setTimer(fire, RESYNC_RETRY_MS);
    };
    if (ms === 0) fire();
    else this.resyncTimer = this.opts.setTimer(fire, ms);
  }
}
