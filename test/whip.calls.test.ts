/** The production media path: WHIP through Cloudflare Calls (a local stand-in), bridge told to pull. */
import { describe, expect, it } from "vitest";
import { OFFER, signUp } from "./helpers.ts";

describe("WHIP (production mode: Cloudflare Calls)", () => {
  it("pushes the teacher's tracks to Calls, answers with Calls' SDP, and DELETE closes them", async () => {
    const { client } = await signUp("teacher");
    const created = await client.post("/api/classes", {
      title: "Calls class",
      streamKey: "yt-key",
    });
    const { class: cls } = (await created.json()) as { class: { id: string } };

    const res = await client.requestRaw("POST", `/whip/${cls.id}`, OFFER, {
      "content-type": "application/sdp",
    });
    expect(res.status).toBe(201);
    const location = res.headers.get("location")!;
    expect(location).toMatch(new RegExp(`^/whip/${cls.id}/sess\\d+$`));
    const answer = new TextDecoder().decode(await res.arrayBuffer());
    expect(answer).toContain("a=recvonly");
    expect(answer).toContain("a=mid:1");

    expect((await client.requestRaw("DELETE", location)).status).toBe(200);
    expect((await client.requestRaw("DELETE", `/whip/${cls.id}/sess-missing`)).status).toBe(404);
  });
});
