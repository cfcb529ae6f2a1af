import { describe, expect, it } from "vitest";
import { redactText, redactUrl, urlSecrets } from "./redact.ts";

describe("redactUrl", () => {
  it("keeps scheme and host, hides the path with the stream key", () => {
    expect(redactUrl("rtmps://a.rtmp.youtube.com:443/live2/abcd-efgh-ijkl")).toBe(
      "rtmps://a.rtmp.youtube.com:443/***",
    );
    expect(redactUrl("rtmp://127.0.0.1:1935/live/class?key=s3cret")).toBe(
      "rtmp://127.0.0.1:1935/***",
    );
  });
  it("drops userinfo", () => {
    expect(redactUrl("rtmp://user:pass@host/app/key")).toBe("rtmp://host/***");
  });
  it("returns *** for non-URLs", () => {
    expect(redactUrl("not a url")).toBe("***");
  });
});

describe("redactText", () => {
  it("redacts every URL in ffmpeg-style output", () => {
    const line =
      "Error writing trailer of rtmp://a.rtmp.youtube.com/live2/xxxx-yyyy: Broken pipe; retry rtmps://b.example/app/k?x=1";
    const out = redactText(line);
    expect(out).not.toContain("xxxx-yyyy");
    expect(out).not.toContain("k?x=1");
    expect(out).toContain("rtmp://a.rtmp.youtube.com/***");
  });
  it("redacts literal secrets", () => {
    expect(redactText("key is abcd-1234-efgh", ["abcd-1234-efgh"])).toBe("key is ***");
  });
});

describe("urlSecrets", () => {
  it("hides the key where ffmpeg's RTMP debug log prints it without scheme or host", () => {
    const yt = "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop";
    const debug = [
      "[rtmp @ 0x55] Proto = rtmp, path = /live2/abcd-efgh-ijkl-mnop, app = live2, fname = abcd-efgh-ijkl-mnop",
      "[rtmp @ 0x55] Releasing stream... abcd-efgh-ijkl-mnop",
    ];
    for (const line of debug) {
      const out = redactText(line, [yt, ...urlSecrets(yt)]);
      expect(out).not.toContain("abcd-efgh-ijkl-mnop");
      expect(out).toContain("***");
    }
    const local = "rtmp://127.0.0.1:1935/live/class1?key=s3cret-token";
    const line =
      "[rtmp @ 0x1] Proto = rtmp, path = /live/class1?key=s3cret-token, app = live, fname = class1?key=s3cret-token";
    expect(redactText(line, urlSecrets(local))).not.toContain("s3cret-token");
    expect(urlSecrets("rtmp://host")).toEqual([]);
  });
});
