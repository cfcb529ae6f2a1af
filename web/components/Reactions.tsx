/**
 * Emoji reactions: the bar a student reacts with, and the burst everyone sees near the
 * video (staff in the studio too). Bursts arrive as counts at a bounded rate
 * (`reaction.burst`, protocol/social.ts); each one floats a few emoji — a handful per
 * burst, however many students reacted — and updates the running totals. With
 * `prefers-reduced-motion` nothing floats: the totals change in place.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { REACTIONS, type Reaction, type ReactionCounts } from "../../protocol/social.constants.ts";
import type { ClassroomSocket } from "../lib/classroom-socket.ts";
import type { ClassroomState } from "../lib/classroom-state.ts";
import "./social.css";
import { t } from "../i18n/common.ts";
import { formatNumber } from "../i18n/core.ts";

const LABEL = {
  "👍": "common.react.thumbs",
  "❤️": "common.react.heart",
  "😂": "common.react.laughing",
  "😮": "common.react.surprised",
  "👏": "common.react.applause",
  "🎉": "common.react.celebrate",
} as const satisfies Record<Reaction, string>;

/** Floating emoji shown per burst at most (the rest are in the totals). */
const FLOATS_PER_BURST = 12;
/** How long one float lives, ms (the CSS animation's length). */
const FLOAT_MS = 2200;

interface Float {
  key: number;
  emoji: Reaction;
  left: number;
  delay: number;
}

function reducedMotion(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** The floats of one burst: each emoji in proportion to its count, FLOATS_PER_BURST at most. */
function floatsOf(counts: ReactionCounts, seq: number): Float[] {
  const total = REACTIONS.reduce((n, e) => n + (counts[e] ?? 0), 0);
  if (total === 0) return [];
  const out: Float[] = [];
  for (const e of REACTIONS) {
    const n = counts[e] ?? 0;
    if (n === 0) continue;
    const k = Math.max(1, Math.round((n / total) * Math.min(total, FLOATS_PER_BURST)));
    for (let i = 0; i < k && out.length < FLOATS_PER_BURST; i++)
      out.push({
        key: seq * 100 + out.length,
        emoji: e,
        left: 10 + Math.random() * 80,
        delay: Math.random() * 400,
      });
  }
  return out;
}

/** The floating burst layer (place it inside a `position: relative` box) and the totals. */
export function ReactionBurst(props: {
  reactions: ClassroomState["reactions"];
  testId?: string;
  /** Float in the viewport's corner (the studio, a long page) instead of the parent box. */
  corner?: boolean;
}) {
  const r = props.reactions;
  const [floats, setFloats] = useState<Float[]>([]);
  const seen = useRef(0);
  useEffect(() => {
    if (!r || r.seq === seen.current) return;
    seen.current = r.seq;
    if (reducedMotion()) return;
    const added = floatsOf(r.counts, r.seq);
    setFloats((f) => [...f, ...added].slice(-FLOATS_PER_BURST * 2));
    const timer = setTimeout(
      () => setFloats((f) => f.filter((x) => !added.includes(x))),
      FLOAT_MS + 500,
    );
    return () => clearTimeout(timer);
  }, [r?.seq]);
  return (
    <div
      class={`reaction-burst${props.corner ? " reaction-burst-corner" : ""}`}
      aria-hidden="true"
      data-testid={props.testId ?? "reaction-burst"}
    >
      {floats.map((f) => (
        <span
          key={f.key}
          class="reaction-float"
          style={{ insetInlineStart: `${f.left}%`, animationDelay: `${f.delay}ms` }}
        >
          {f.emoji}
        </span>
      ))}
    </div>
  );
}

/** Running totals per emoji (e.g. "👍 12 · 🎉 3"); nothing before the first burst. */
export function ReactionTotals(props: { reactions: ClassroomState["reactions"] }) {
  const totals = props.reactions?.totals ?? {};
  const shown = REACTIONS.filter((e) => (totals[e] ?? 0) > 0);
  if (shown.length === 0) return null;
  return (
    <p class="reaction-totals" data-testid="reaction-totals">
      <span class="visually-hidden">{t("common.react.soFar")} </span>
      {shown.map((e) => (
        <span
          key={e}
          class="reaction-total"
          data-emoji={e}
          data-count={totals[e]}
          title={t("common.react.total", { name: t(LABEL[e]), count: totals[e] ?? 0 })}
        >
          <span aria-hidden="true">{e}</span>
          <span class="visually-hidden">{t(LABEL[e])}</span> {formatNumber(totals[e] ?? 0)}
        </span>
      ))}
    </p>
  );
}

/** The student's reaction buttons. A rate-limit refusal shows a short note. */
export function ReactionBar(props: { state: ClassroomState; socket: ClassroomSocket }) {
  const { state, socket } = props;
  const err = state.lastError;
  const limited =
    err?.ref === "reaction.send" && err.code === "rate_limited" && Date.now() - err.at < 3000;
  return (
    <fieldset class="reaction-bar" data-testid="reaction-bar">
      <legend class="visually-hidden">{t("common.react.legend")}</legend>
      {REACTIONS.map((e) => (
        <button
          key={e}
          type="button"
          class="reaction-btn"
          aria-label={t("common.react.with", { name: t(LABEL[e]) })}
          data-testid="react"
          data-emoji={e}
          disabled={state.conn !== "connected"}
          onClick={() => socket.send({ type: "reaction.send", emoji: e })}
        >
          {e}
        </button>
      ))}
      <ReactionTotals reactions={state.reactions} />
      {limited ? (
        <span class="reaction-note muted" role="status">
          {t("common.react.easy")}
        </span>
      ) : null}
    </fieldset>
  );
}
