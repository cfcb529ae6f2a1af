/**
 * axe-core in the end-to-end tests: run the WCAG 2.1 A/AA rules and axe's best practices
 * on the page as it is now, and summarise the violations by impact.
 *
 * Injection: the pages carry a strict CSP (worker/security-headers.ts, script-src 'self'),
 * which blocks `<script>` tags a test adds. The axe source is evaluated through the
 * DevTools protocol instead (`page.evaluate` of the script text), which page CSP does not
 * govern — so the page keeps its real headers while it is checked, and no test context
 * needs `bypassCSP`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export type Impact = "minor" | "moderate" | "serious" | "critical";
export const IMPACTS: Impact[] = ["critical", "serious", "moderate", "minor"];

export interface AxeViolation {
  id: string;
  impact: Impact;
  help: string;
  /** CSS targets of the failing nodes (first few). */
  nodes: string[];
  /** axe's summary of what to fix for the first node. */
  summary: string;
}

export interface AxeReport {
  page: string;
  counts: Record<Impact, number>;
  violations: AxeViolation[];
}

/** Run axe on `page`; `label` names the page in the report (e.g. "sign-in @ 360×740"). */
export async function runAxe(page: Page, label: string): Promise<AxeReport> {
  const loaded = await page.evaluate(() => typeof (window as { axe?: unknown }).axe === "object");
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
      }
    ).axe;
    const res = await axe.run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
      },
      resultTypes: ["violations"],
    });
    return (
      res.violations as {
        id: string;
        impact: string;
        help: string;
        nodes: { target: unknown[]; failureSummary?: string }[];
      }[]
    ).map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => n.target.map(String).join(" ")),
      summary: (v.nodes[0]?.failureSummary ?? "").split("\n").slice(0, 3).join(" "),
    }));
  });
  const counts: Record<Impact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const v of violations) counts[v.impact as Impact]++;
  return { page: label, counts, violations: violations as AxeViolation[] };
}

/** One line per violation, for a failing assertion's message and the test log. */
export function describeReport(r: AxeReport): string {
  const head = `${r.page}: ${IMPACTS.map((i) => `${r.counts[i]} ${i}`).join(", ")}`;
  return [
    head,
    ...r.violations.map(
      (v) => `  [${v.impact}] ${v.id} — ${v.help} — ${v.nodes.join(" | ")} — ${v.summary}`,
    ),
  ].join("\n");
}

/** Serious and critical violations only: what the tests require to be none. */
export function blocking(r: AxeReport): AxeViolation[] {
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };
