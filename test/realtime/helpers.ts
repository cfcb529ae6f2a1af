/** Helpers for real-time workerd tests: a class with a teacher, and a frame-recording socket client. */
import { exports } from "cloudflare:workers";
import type { ServerMessage } from "../../protocol/realtime.ts";
import { ORIGIN, signUp } from "../helpers.ts";

/** A class owned by a fresh teacher. */
export async function createClass(opts: { guestAccess?: boolean } = {}) {
  const teacher = await signUp("teacher", "Teacher T");
  const res = await teacher.client.post("/api/classes", {
    title: "Physics",
    guestAccess: opts.guestAccess ?? false,
  });
  if (res.status !== 201) throw new Error(`create class: ${res.status} ${await res.text()}`);
  const { class: cls } = (await res.json()) as { class: { id: string } };
  return { classId: cls.id, teacher };
}

/**
 * Fresh students who join `classId` one after another (so sections fill in join order),
 * each ready once its snapshot arrived: one per name, or `n` called "Student 0", "Student 1"….
 */
export async function joinStudents(classId: string, names: number | string[]) {
  const list =
    typeof names === "number" ? Array.from({ length: names }, (_, i) => `Student ${i}`) : names;
  const users: Awaited<ReturnType<typeof signUp>>[] = [];
  const socks: Sock[] = [];
  for (const name of list) {
    const u = await signUp("student", name);
    users.push(u);
    const s = await open(classId, u.client.cookie);
    await s.next("snapshot");
    socks.push(s);
  }
  return { users, socks };
}

/** A class with its teacher connected (poll list received) and `n` students ready. */
export async function classWith(n: number) {
  const { classId, teacher } = await createClass();
  const t = await open(classId, teacher.client.cookie);
  await t.next("poll.list");
  return { classId, teacher, t, ...(await joinStudents(classId, n)) };
}

/** The section a socket was placed in (its first frame says). */
export const sectionOf = (s: Sock) => s.frames[0]!.sectionId as string;

type Frame = ServerMessage & Record<string, unknown>;

/** Open a socket through the Worker; returns the HTTP response when it is not an upgrade. */
export async function connect(
  classId: string,
  opts: { cookie?: string; ticket?: string; query?: string; headers?: Record<string, string> } = {},
): Promise<Sock | Response> {
  const q = new URLSearchParams(opts.query ?? "v=1");
  if (opts.ticket) q.set("ticket", opts.ticket);
  const headers = new Headers({ upgrade: "websocket", ...opts.headers });
  if (opts.cookie) headers.set("cookie", opts.cookie);
  const res = await exports.default.fetch(
    new Request(`${ORIGIN}/ws/classes/${classId}?${q}`, { headers }),
  );
  if (!res.webSocket) return res;
  return new Sock(res.webSocket);
}

/** Connect and insist on success. */
export async function open(classId: string, cookie: string, query = "v=1"): Promise<Sock> {
  const s = await connect(classId, { cookie, query });
  if (!(s instanceof Sock)) throw new Error(`upgrade refused: ${s.status} ${await s.text()}`);
  await s.next("welcome");
  return s;
}

/** A test socket that records every frame and lets tests await the next matching one. */
export class Sock {
  readonly frames: Frame[] = [];
  /** Raw text frames that were not JSON (e.g. "pong"). */
  readonly raw: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private cursor = 0;
  private wake: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      const data = e.data as string;
      try {
        this.frames.push(JSON.parse(data) as Frame);
      } catch {
        this.raw.push(data);
      }
      this.wake?.();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake?.();
    });
  }

  send(msg: unknown): void {
    this.ws.send(
      typeof msg === "string" || msg instanceof ArrayBuffer || ArrayBuffer.isView(msg)
        ? (msg as string)
        : JSON.stringify(msg),
    );
  }

  /** Wait for the next frame (after earlier `next` results) of `type` that satisfies `pred`. */
  async next<T extends Frame["type"]>(
    type: T,
    pred: (f: Extract<Frame, { type: T }>) => boolean = () => true,
    timeoutMs = 4000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.frames.length; i++) {
        const f = this.frames[i]!;
        if (f.type === type && pred(f as Extract<Frame, { type: T }>)) {
          this.cursor = i + 1;
          return f as Extract<Frame, { type: T }>;
        }
      }
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code}) while waiting for ${type}`);
      if (Date.now() > deadline)
        throw new Error(
          `timeout waiting for ${type}; got ${this.frames
            .slice(this.cursor)
            .map((f) => f.type)
            .join(",")}`,
        );
      await this.tick(deadline - Date.now());
    }
  }

  /** All frames of `type` received so far. */
  all<T extends Frame["type"]>(type: T): Extract<Frame, { type: T }>[] {
    return this.frames.filter((f) => f.type === type) as Extract<Frame, { type: T }>[];
  }

  /** Wait for the server to close the socket. */
  async waitClose(timeoutMs = 4000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("timeout waiting for close");
      await this.tick(deadline - Date.now());
    }
    return this.closed;
  }

  private tick(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(
        () => {
          this.wake = null;
          resolve();
        },
        Math.max(1, Math.min(ms, 200)),
      );
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  close(): void {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}

/** Sleep. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
