import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import { allocateFreeBlock, isBlockFree, PORT_BLOCK_SIZE, PortAllocator } from "./ports.ts";

describe("PortAllocator", () => {
  it("hands out distinct aligned blocks until exhausted", () => {
    const a = new PortAllocator(50000, 50000 + 3 * PORT_BLOCK_SIZE - 1);
    expect(a.capacity).toBe(3);
    const got = [a.allocate(), a.allocate(), a.allocate()];
    expect(got).toEqual([50000, 50008, 50016]);
    expect(a.allocate()).toBeNull();
    a.release(50008);
    expect(a.allocate()).toBe(50008);
  });
  it("rotates so a just-freed block is reused last", () => {
    const a = new PortAllocator(50000, 50000 + 3 * PORT_BLOCK_SIZE - 1);
    const first = a.allocate();
    a.release(first!);
    expect(a.allocate()).toBe(50008);
  });
  it("rejects bad ranges", () => {
    expect(() => new PortAllocator(80, 2000)).toThrow();
    expect(() => new PortAllocator(50000, 50003)).toThrow();
  });
  it("skips blocks another process holds", async () => {
    const base = 51200;
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(base + 3, "127.0.0.1", () => r()));
    try {
      expect(await isBlockFree(base)).toBe(false);
      const a = new PortAllocator(base, base + 2 * PORT_BLOCK_SIZE - 1);
      expect(await allocateFreeBlock(a)).toBe(base + PORT_BLOCK_SIZE);
      expect(a.inUse).toBe(1);
    } finally {
      s.close();
    }
  });
});
