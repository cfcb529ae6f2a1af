/**
 * The foundation journey in a real Chromium: a teacher signs up (a student account), the
 * admin grants the teacher role in the users page, and the teacher creates a class;
 * a guest opens the join link in a separate browser profile and lands on the class page.
 */
import { describe, expect, inject, it } from "vitest";
import { DEMO } from "../scripts/stack.ts";
import { signIn } from "./browser.ts";
import { browsers } from "./class-setup.ts";

const base = inject("baseUrl");
const launch = browsers();

describe("foundation", () => {
  it("teacher signs up, is granted the role by the admin, creates a class; a guest joins from the link and sees the waiting state", async () => {
    const [teacher] = await launch({});
    const t = teacher.page;
    await t.goto(`${base}/signup`);
    const form = t.getByTestId("signup-form");
    const email = `hopper${Date.now()}@example.test`;
    await form.getByLabel("Display name").fill("Prof. Hopper");
    await form.getByLabel("Email").fill(email);
    await form.getByLabel("Password").fill("compilers-rule-1952");
    // Public sign-up offers no role choice: new accounts are students.
    expect(await t.getByTestId("role-teacher").count()).toBe(0);
    await t.getByTestId("auth-submit").click();
    await t.waitForURL((u) => !u.pathname.startsWith("/signup"));
    expect(new URL(t.url()).pathname).not.toMatch(/^\/studio/);

    // The admin grants the teacher role in the users page.
    const [admin] = await launch({});
    const a = admin.page;
    await signIn(a, base, DEMO.admin);
    await a.goto(`${base}/admin/users`);
    await a.getByLabel("Search users").fill(email);
    const granted = a.waitForResponse(
      (r) => r.request().method() === "PATCH" && r.url().includes("/api/admin/users/"),
    );
    // The name is direction-isolated inside the label (U+2068 … U+2069).
    await a.getByLabel(/^Role of \u2068?Prof\. Hopper\u2069?$/).selectOption("teacher");
    expect((await granted).status()).toBe(200);
    await t.goto(`${base}/studio`);

    // A teacher with no classes yet lands straight on the create form.
    const create = t.getByTestId("create-class-form");
    await create.waitFor();
    await create.getByLabel("Title").fill("Compilers 101 <i>live</i>");
    await create.getByLabel("Allow guests").check();
    await t.getByTestId("save-class").click();
    const card = t.getByTestId("class-card").filter({ hasText: "Compilers 101 <i>live</i>" });
    await card.waitFor();
    expect(await card.count()).toBe(1);
    const joinUrl = await card.getByTestId("join-link").getAttribute("href");
    expect(joinUrl).toMatch(/\/c\/[A-Za-z0-9_-]+$/);

    const [guest] = await launch({ viewport: { width: 360, height: 740 } });
    const g = guest.page;
    await g.goto(joinUrl!);
    await g.getByTestId("guest-join-form").getByLabel("Your name").fill("Grace's student");
    await g.getByTestId("guest-join-submit").click();
    await g.getByTestId("class-page").waitFor();
    // User text is shown as text, never parsed as HTML.
    expect(await g.getByTestId("class-title").textContent()).toContain("Compilers 101 <i>live</i>");
    expect(await g.getByTestId("seat-name").textContent()).toBe("Grace's student");
    await g.getByTestId("waiting-for-teacher").waitFor();
    // Usable on a 360 px phone: nothing overflows horizontally.
    const overflow = await g.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it("the seeded demo teacher signs in and sees the demo class", async () => {
    const [u] = await launch({});
    await u.page.goto(`${base}/signin`);
    const form = u.page.getByTestId("signin-form");
    await form.getByLabel("Email").fill("teacher@demo.local");
    await form.getByLabel("Password").fill("demo-teacher-pass-1");
    await u.page.getByTestId("auth-submit").click();
    await u.page.waitForURL(/\/studio/);
    await u.page.getByTestId("class-card").filter({ hasText: "Demo class" }).waitFor();
  });
});
