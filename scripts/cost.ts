/**
 * What a class costs: `npm run cost -- --from usage.json --students N --minutes M`.
 * Reads the counts a benchmark run measured (`bench:fanout -- --usage usage.json`), derives
 * per-unit rates, scales them to N students × M minutes under the assumptions (each has a
 * flag; defaults in scripts/cost-core.ts) and prints the bill at the published prices
 * (docs/cost.md). `--json`: the bill as one JSON line.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type Assumptions,
  bill,
  DEFAULT_ASSUMPTIONS,
  type MeasuredRun,
  ratesOf,
} from "./cost-core.ts";

const { values: args } = parseArgs({
  options: {
    /** Repeatable: a phase is taken from the first file that has it (e.g. a poll run for
     * join/idle/interact and a fan-out run for announce). */
    from: { type: "string", multiple: true },
    students: { type: "string", default: "100000" },
    minutes: { type: "string", default: "60" },
    "shard-capacity": { type: "string" },
    chat: { type: "string" },
    polls: { type: "string" },
    reactions: { type: "string" },
    pings: { type: "string" },
    "pings-billed": { type: "boolean", default: false },
    events: { type: "string" },
    rejoin: { type: "string" },
    awake: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
if (!args.from?.length) {
  console.error("usage: npm run cost -- --from usage.json [--students N] [--minutes M] …");
  process.exit(2);
}
const runs = args.from.map((f) => JSON.parse(readFileSync(f, "utf8")) as MeasuredRun);
const run: MeasuredRun = { ...runs[0]!, phases: runs.flatMap((r) => r.phases) };
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const d = DEFAULT_ASSUMPTIONS;
const a: Assumptions = {
  ...d,
  students: Number(args.students),
  minutes: Number(args.minutes),
  shardCapacity: num(args["shard-capacity"], d.shardCapacity),
  chatPerMin: num(args.chat, d.chatPerMin),
  pollAnswersPerMin: num(args.polls, d.pollAnswersPerMin),
  reactionsPerMin: num(args.reactions, d.reactionsPerMin),
  pingsPerMin: num(args.pings, d.pingsPerMin),
  pingsBilled: args["pings-billed"],
  teacherEventsPerMin: num(args.events, d.teacherEventsPerMin),
  rejoinShare: num(args.rejoin, d.rejoinShare),
  awakeShare: num(args.awake, d.awakeShare),
};
const rates = ratesOf(run);
const b = bill(rates, a);
if (args.json) {
  console.log(JSON.stringify({ measured: args.from, assumptions: a, rates, ...b }));
} else {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en") : n.toPrecision(3));
  for (const r of runs)
    console.log(
      `Measured: ${r.command} (${r.date}, ${r.students} students, ${r.processes} processes; phases ${r.phases.map((p) => p.name).join(", ")})`,
    );
  console.log(`Rates: ${JSON.stringify(rates)}`);
  console.log(`Assumptions: ${JSON.stringify(a)}`);
  console.log("| item | quantity | unit | $ per million | $ |");
  console.log("|---|---|---|---|---|");
  for (const l of b.lines)
    console.log(
      `| ${l.item} | ${fmt(l.quantity)} | ${l.unit} | ${l.usdPerMillion} | ${l.usd.toFixed(4)} |`,
    );
  console.log(`| **total** | | | | **${b.usd.toFixed(2)}** |`);
  console.log(
    `${a.students} students × ${a.minutes} min: $${b.usd.toFixed(2)} (${b.shards} shards, ${Math.round(b.joins)} joins, ${Math.round(b.studentMessages)} student messages); dominant: ${b.dominant}`,
  );
}
