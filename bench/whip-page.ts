/**
 * The bridge benchmarks' publisher page (bench/bridge.ts, bench/bridge-startup.ts) keeps
 * its peer connection and WHIP resource URL on `window.pc` / `window.loc`.
 */
import type { Page } from "playwright-core";

/** End the page's publication: WHIP DELETE of its resource, then close the connection. */
export async function unpublish(page: Page, secret: string): Promise<void> {
  await page.evaluate(
    async ({ secret }) => {
      const w = window as unknown as { pc: RTCPeerConnection; loc: string };
      await fetch(w.loc, { method: "DELETE", headers: { Authorization: `Bearer ${secret}` } });
      w.pc.close();
    },
    { secret },
  );
}
