import { describe, expect, it } from "vitest";
import { needsHomeScreen } from "./push.ts";

const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
const IPAD_AS_MAC =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
const ANDROID =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

describe("iOS push needs the Home Screen", () => {
  it("says so in an iPhone or iPad Safari tab, not once installed", () => {
    expect(needsHomeScreen(IPHONE, 5, false)).toBe(true);
    expect(needsHomeScreen(IPAD_AS_MAC, 5, false)).toBe(true);
    expect(needsHomeScreen(IPHONE, 5, true)).toBe(false);
  });
  it("leaves Macs without touch and Android alone", () => {
    expect(needsHomeScreen(IPAD_AS_MAC, 0, false)).toBe(false);
    expect(needsHomeScreen(ANDROID, 5, false)).toBe(false);
  });
});
