import { createSocket, type Socket } from "node:dgram";
import { readFileSync } from "node:fs";

/**
 * Every session gets its own block of loopback UDP ports so a restarted or
 * stale ffmpeg can never receive another class's packets. Block layout:
 *   +0 video RTP → output ffmpeg, +1 its RTCP, +2 audio RTP, +3 its RTCP,
 *   +4 filler video RTP → bridge, +5 its RTCP, +6 filler audio RTP, +7 its RTCP.
 */
export const PORT_BLOCK_SIZE = 8;

/** Pure allocator over [min, max] in blocks of {@link PORT_BLOCK_SIZE}; rotates so a freed block is reused last. */
export class PortAllocator {
  readonly min: number;
  readonly max: number;
  private used = new Set<number>();
  private cursor = 0;

  constructor(min: number, max: number) {
    if (!(Number.isInteger(min) && Number.isInteger(max)) || min < 1024 || max > 65535) {
      throw new Error(`invalid RTP port range ${min}-${max}`);
    }
    if (max - min + 1 < PORT_BLOCK_SIZE) throw new Error("RTP port range smaller than one block");
    this.min = min;
    this.max = max;
  }

  /** Number of whole blocks in the range. */
  get capacity(): number {
    return Math.floor((this.max - this.min + 1) / PORT_BLOCK_SIZE);
  }

  /** Blocks currently handed out. */
  get inUse(): number {
    return this.used.size;
  }

  /**
   * Returns the first port of a free block, or null when the range is exhausted.
   * `skip` lets the caller reject a block (e.g. found busy by another process).
   */
  allocate(skip: (base: number) => boolean = () => false): number | null {
    const n = this.capacity;
    for (let i = 0; i < n; i++) {
      const idx = (this.cursor + i) % n;
      const base = this.min + idx * PORT_BLOCK_SIZE;
      if (this.used.has(base) || skip(base)) continue;
      this.used.add(base);
      this.cursor = (idx + 1) % n;
      return base;
    }
    return null;
  }

  /** Returns a block to the pool; unknown bases are ignored. */
  release(base: number): void {
    this.used.delete(base);
  }
}

/** True when every port of the block can be bound on 127.0.0.1 right now (another process may hold one). */
export async function isBlockFree(base: number, size = PORT_BLOCK_SIZE): Promise<boolean> {
  const sockets = [];
  try {
    for (let p = base; p < base + size; p++) {
      const s = createSocket("udp4");
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.bind(p, "127.0.0.1", () => resolve());
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** Allocates a block whose ports are actually free; null when none is. */
export async function allocateFreeBlock(alloc: PortAllocator): Promise<number | null> {
  const busy = new Set<number>();
  for (let attempt = 0; attempt < alloc.capacity; attempt++) {
    const base = alloc.allocate((b) => busy.has(b));
    if (base === null) return null;
    if (await isBlockFree(base)) return base;
    busy.add(base);
    alloc.release(base);
  }
  return null;
}

/**
 * Whether every one of `ports` has a bound UDP socket (any address), from
 * /proc/net/udp; null where that file does not exist (not Linux).
 */
export function udpPortsBound(ports: number[]): boolean | null {
  let table: string;
  try {
    table = readFileSync("/proc/net/udp", "utf8");
  } catch {
    return null;
  }
  const bound = new Set<number>();
  for (const line of table.split("\n").slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const hex = local?.split(":")[1];
    if (hex) bound.add(Number.parseInt(hex, 16));
  }
  return ports.every((p) => bound.has(p));
}

/** A UDP socket bound on 127.0.0.1 (`port` 0: any); later socket errors are ignored. */
export function bindUdp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(port, "127.0.0.1", () => {
      s.off("error", reject);
      s.on("error", () => {});
      resolve(s);
    });
  });
}
