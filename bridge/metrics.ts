/**
 * The bridge's state in the Prometheus text exposition format (version 0.0.4), for
 * `GET /metrics` (behind the bridge secret: the labels name classes). Pure: built from the
 * same `BridgeHealth` snapshot `/health` answers with.
 */
import { BRIDGE_SESSION_STATES, type BridgeHealth } from "../protocol/bridge.ts";

/** Every session state, so each class has one sample per state (0 or 1). */
const STATES = BRIDGE_SESSION_STATES;

/** Content-Type of the exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** A label value, escaped as the format requires (class ids are plain, but be exact). */
function label(v: string): string {
  return v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** The metrics text for a health snapshot taken at `now` (epoch ms). */
export function prometheusText(h: BridgeHealth, now: number): string {
  const out: string[] = [];
  const family = (name: string, type: "gauge" | "counter", help: string) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const sample = (name: string, labels: Record<string, string>, value: number) => {
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${label(v)}"`)
      .join(",");
    out.push(`${name}${l ? `{${l}}` : ""} ${Number.isFinite(value) ? value : "NaN"}`);
  };
  const perClass = (
    name: string,
    type: "gauge" | "counter",
    help: string,
    value: (s: BridgeHealth["sessions"][number]) => number | null,
  ) => {
    family(name, type, help);
    for (const s of h.sessions) {
      const v = value(s);
      if (v !== null) sample(name, { class_id: s.classId }, v);
    }
  };

  family("mass_class_bridge_up", "gauge", "1 when the bridge can stream (ffmpeg found).");
  sample("mass_class_bridge_up", {}, h.ok ? 1 : 0);
  family("mass_class_bridge_sessions", "gauge", "Class sessions on this bridge.");
  sample("mass_class_bridge_sessions", {}, h.sessions.length);
  family("mass_class_bridge_session_state", "gauge", "1 for the state each class is in.");
  for (const s of h.sessions)
    for (const state of STATES)
      sample(
        "mass_class_bridge_session_state",
        { class_id: s.classId, state },
        s.state === state ? 1 : 0,
      );
  perClass("mass_class_bridge_receiving", "gauge", "1 while teacher video arrives.", (s) =>
    s.receiving ? 1 : 0,
  );
  perClass("mass_class_bridge_pushing", "gauge", "1 while ffmpeg reports RTMP output.", (s) =>
    s.pushing ? 1 : 0,
  );
  perClass("mass_class_bridge_filler_active", "gauge", "1 while the slate is on air.", (s) =>
    s.fillerActive ? 1 : 0,
  );
  perClass(
    "mass_class_bridge_restarts_total",
    "counter",
    "Output ffmpeg restarts.",
    (s) => s.restarts,
  );
  perClass(
    "mass_class_bridge_inbound_bitrate_kbps",
    "gauge",
    "Teacher media bitrate into the bridge, kbit/s over ~2 s.",
    (s) => s.bitrateKbps,
  );
  perClass(
    "mass_class_bridge_keyframe_age_seconds",
    "gauge",
    "Seconds since the teacher's last keyframe (the keyframe gap so far).",
    (s) => (s.lastKeyframeAt === null ? null : Math.max(0, now - s.lastKeyframeAt) / 1000),
  );
  return `${out.join("\n")}\n`;
}
