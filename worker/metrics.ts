/**
 * Counters into Workers Analytics Engine (wrangler.toml `[[analytics_engine_datasets]]`,
 * binding METRICS). Optional: with no binding every call is a no-op, and a failing write
 * never fails the request that counts. One data point per event, one shape for all:
 *
 * - `indexes: [name]` — the metric (the sampling key, so rare metrics survive sampling);
 * - `blobs: [name, label, classId]` — what kind (e.g. the rejection's code), the class;
 * - `doubles: [count, value]` — 1 (or a batch size) and the metric's value, else 0.
 *
 * Query: `SELECT blob2, SUM(_sample_interval * double1) FROM mass_class_metrics WHERE
 * index1 = 'rejection' GROUP BY blob2` (docs/operations.md#observability).
 */

/** Every counter the Worker writes. */
export type Metric =
  | { name: "socket_opened"; classId: string; kind: "student" | "staff" }
  | { name: "socket_rejected"; classId: string; kind: string }
  | { name: "rejection"; kind: string; status: number }
  | { name: "error"; kind: string }
  | {
      name: "bridge_health";
      classId: string;
      kind: string;
      bitrateKbps: number;
      restarts: number;
    }
  | { name: "youtube_health"; classId: string; kind: string; issues: number }
  /**
   * Frames sent over one window (durable-objects/metric-window.ts): by a section shard to
   * its sockets (kind `student`, `staff`, or `relay` for section chat relayed to watching
   * staff), or by the class root to its shards (kind `shard`). Count = frames, value = bytes.
   */
  | { name: "deliveries"; classId: string; kind: DeliveryKind; frames: number; bytes: number }
  /** Requests the class root received over one window, by method (kind). Count = requests. */
  | { name: "rpc"; classId: string; kind: string; count: number };

/** Who a delivery went to (the `deliveries` metric's label). */
export type DeliveryKind = "student" | "staff" | "relay" | "shard";

/** One Analytics Engine data point as this module writes it. */
export interface MetricPoint {
  indexes: string[];
  blobs: string[];
  doubles: number[];
}

/**
 * The Analytics Engine dataset's one method we use (a test stand-in implements it). Own
 * types rather than workers-types', so the pure parts also type-check under Node.
 */
export interface MetricsDataset {
  writeDataPoint(point: MetricPoint): void;
}

/** The data point for a metric (exported for the shape test). */
export function dataPoint(m: Metric): MetricPoint {
  const classId = "classId" in m ? m.classId : "";
  let count = 1;
  let value = 0;
  switch (m.name) {
    case "rejection":
      value = m.status;
      break;
    case "bridge_health":
      value = m.bitrateKbps;
      break;
    case "youtube_health":
      value = m.issues;
      break;
    case "deliveries":
      count = m.frames;
      value = m.bytes;
      break;
    case "rpc":
      count = m.count;
      break;
    case "socket_opened":
    case "socket_rejected":
    case "error":
      break;
    default:
      m satisfies never;
  }
  const doubles = m.name === "bridge_health" ? [1, value, m.restarts] : [count, value];
  return { indexes: [m.name], blobs: [m.name, m.kind, classId], doubles };
}

/** Count one event; no METRICS binding (or a failing write) does nothing. */
export function countMetric(env: { METRICS?: MetricsDataset }, m: Metric): void {
  const ds = env.METRICS;
  if (!ds) return;
  try {
    ds.writeDataPoint(dataPoint(m));
  } catch {
    // Counters are best effort: the request they describe goes on.
  }
}
