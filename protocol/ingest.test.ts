import { describe, expect, it } from "vitest";
import {
  addressCategory,
  checkIngestUrl,
  ingestEndpoint,
  ingestPolicy,
  parseIngestUrl,
  STREAM_ERRORS,
  teacherStreamError,
} from "./ingest.ts";

const youtube = ingestPolicy();

describe("checkIngestUrl: the port-scanner attack (issue 12, point 18)", () => {
  it("accepts YouTube's RTMP and RTMPS ingest URLs", () => {
    for (const url of [
      "rtmp://a.rtmp.youtube.com/live2",
      "rtmp://b.rtmp.youtube.com/live2?backup=1",
      "rtmps://a.rtmps.youtube.com:443/live2",
      "rtmps://b.rtmps.youtube.com/live2/abcd-efgh",
      "RTMP://A.RTMP.YOUTUBE.COM:1935/live2",
      "rtmp://a.rtmp.youtube.com./live2",
    ]) {
      expect(checkIngestUrl(url, youtube), url).toMatchObject({ ok: true, local: false });
    }
  });

  it("refuses every spelling of an internal host, and other ports on allowed hosts", () => {
    for (const url of [
      "rtmp://127.0.0.1:22/x",
      "rtmp://127.0.0.2/x",
      "rtmp://[::ffff:127.0.0.1]:6379/x",
      "rtmp://[::1]/x",
      "rtmp://0.0.0.0:8790/x",
      "rtmp://169.254.169.254:80/latest",
      "rtmp://10.0.0.1:5432/x",
      "rtmp://10.20.30.40/x",
      "rtmp://2130706434:1935/x", // decimal 127.0.0.2
      "rtmp://0x7f000001/x",
      "rtmp://017700000001/x",
      "rtmp://localhost/x",
      "rtmp://localhost./x",
      "rtmp://internal-db.corp:5432/x",
      "rtmp://a.rtmp.youtube.com.evil.example/live2",
      "rtmp://a.rtmp.youtube.com:22/live2", // allowed host, not its ingest port
      "rtmps://a.rtmps.youtube.com:1935/live2",
    ]) {
      expect(checkIngestUrl(url, youtube), url).toEqual({ ok: false, reason: "host-not-allowed" });
    }
  });

  it("refuses what is not an RTMP URL, and user:pass@ tricks", () => {
    for (const url of [
      "http://a.rtmp.youtube.com/live2",
      "rtmp://a.rtmp.youtube.com",
      "rtmp://a.rtmp.youtube.com@127.0.0.1/live2",
      "rtmp://user:pw@a.rtmp.youtube.com/live2",
      "rtmp://a.rtmp.youtube.com:99999/live2",
      "rtmp://[::1/x",
    ]) {
      expect(checkIngestUrl(url, youtube), url).toEqual({ ok: false, reason: "bad-url" });
    }
  });

  it("allows configured extra hosts (host: default port only; host:port: that port)", () => {
    const p = ingestPolicy("live.example.org, push.example.net:8443");
    expect(checkIngestUrl("rtmp://live.example.org/app", p).ok).toBe(true);
    expect(checkIngestUrl("rtmp://live.example.org:1936/app", p).ok).toBe(false);
    expect(checkIngestUrl("rtmps://push.example.net:8443/app", p).ok).toBe(true);
    expect(checkIngestUrl("rtmps://push.example.net/app", p).ok).toBe(false);
    expect(checkIngestUrl("rtmp://a.rtmp.youtube.com/live2", p).ok).toBe(true);
  });

  it("allows the configured local ingest, only at its exact host and port", () => {
    const local = ingestEndpoint("rtmp://127.0.0.1:41935/live/{classId}?key=s3cret");
    expect(local).toBe("127.0.0.1:41935");
    const p = ingestPolicy("", local);
    expect(checkIngestUrl("rtmp://127.0.0.1:41935/live/c1?key=s3cret", p)).toMatchObject({
      ok: true,
      local: true,
    });
    for (const url of [
      "rtmp://127.0.0.1:41936/live/c1",
      "rtmp://127.0.0.1/live/c1",
      "rtmp://localhost:41935/live/c1",
      "rtmp://2130706433:41935/live/c1",
    ]) {
      expect(checkIngestUrl(url, p).ok, url).toBe(false);
    }
  });

  it("parses host, port and scheme", () => {
    expect(parseIngestUrl("rtmps://A.rtmps.youtube.com/live2/k")).toEqual({
      scheme: "rtmps",
      host: "a.rtmps.youtube.com",
      port: 443,
    });
    expect(parseIngestUrl("rtmp://[::1]:1936/x")).toEqual({
      scheme: "rtmp",
      host: "[::1]",
      port: 1936,
    });
  });
});

describe("addressCategory: resolved addresses the bridge must not connect to", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.0.0.2", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["0:0:0:0:0:0:0:1", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["10.0.0.1", "private"],
    ["10.255.1.2", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["fd00::1", "private"],
    ["fc12:3456::1", "private"],
    ["169.254.169.254", "link-local"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["100.64.0.1", "cgnat"],
    ["100.127.255.255", "cgnat"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "ipv4-mapped"],
    ["::ffff:7f00:1", "ipv4-mapped"],
    ["[::ffff:127.0.0.1]", "ipv4-mapped"],
    ["::ffff:8.8.8.8", "ipv4-mapped"],
    ["::127.0.0.1", "ipv4-mapped"],
    ["::ffff:0:10.0.0.1", "ipv4-mapped"],
    ["64:ff9b::a00:1", "ipv4-mapped"],
    ["2002:7f00:1::1", "ipv4-mapped"],
    ["255.255.255.255", "reserved"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.1", "reserved"],
    ["2001:db8::1", "reserved"],
    ["2001:0:4136:e378::1", "reserved"],
    ["2130706434", "invalid"],
    ["not-an-ip", "invalid"],
    ["1:2:3:4:5:6:7:8:9", "invalid"],
  ] as const)("%s → %s", (address, category) => {
    expect(addressCategory(address)).toBe(category);
  });

  it.each([
    "8.8.8.8",
    "142.250.185.110",
    "172.32.0.1",
    "100.128.0.1",
    "169.255.0.1",
    "2a00:1450:4001:82b::200e",
    "2002:808:808::1",
  ])("%s is public", (address) => {
    expect(addressCategory(address)).toBeNull();
  });
});

describe("teacherStreamError", () => {
  it("passes category texts and hides anything else (raw connection errors)", () => {
    expect(teacherStreamError(STREAM_ERRORS["ingest-refused"])).toBe(
      STREAM_ERRORS["ingest-refused"],
    );
    expect(teacherStreamError("rtmp://10.0.0.1:22/x: Connection refused")).not.toMatch(
      /refused|10\.0\.0\.1/,
    );
    expect(teacherStreamError("ffmpeg exited (1)")).not.toContain("exited");
    expect(teacherStreamError(null)).toBeNull();
  });
});
