/**
 * A uPlot chart as a Preact component. uPlot (and its CSS) is imported lazily on first
 * render, so it only loads on dashboard pages, never in the student bundle. The chart
 * follows its container's width (phones included) and redraws when data changes.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { t } from "../i18n/admin.ts";
import { formatNumber } from "../i18n/core.ts";
import { countMax, countTicks } from "./ticks.ts";

type UPlotCtor = typeof uPlot;
let loading: Promise<UPlotCtor> | null = null;

/** Load uPlot once per page. */
function loadUPlot(): Promise<UPlotCtor> {
  loading ??= Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")]).then(
    ([m]) => m.default,
  );
  return loading;
}

/** Axis numbers: 25,000 → "25K", so labels fit beside a phone-width chart. */
const compact = (n: number) => formatNumber(n, { notation: "compact", maximumFractionDigits: 1 });

/** Colours that read on light and dark backgrounds. */
export const PALETTE = [
  "#3b5bdb",
  "#e8590c",
  "#2b8a3e",
  "#ae3ec9",
  "#c92a2a",
  "#1098ad",
  "#f08c00",
];

export interface Series {
  label: string;
  color: string;
  /** Draw as bars instead of a line. */
  bars?: boolean;
}

/**
 * One chart: `x` values (epoch seconds when `time`, else category indexes) and one
 * column per series. `xLabels` names category indexes (bar charts).
 */
export function Chart(props: {
  title: string;
  x: number[];
  series: Series[];
  columns: number[][];
  time?: boolean;
  xLabels?: string[];
  height?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let plot: uPlot | null = null;
    let stopped = false;
    let observer: ResizeObserver | null = null;
    loadUPlot().then(
      (UPlot) => {
        if (stopped) return;
        const labels = props.xLabels;
        const bars = UPlot.paths.bars?.({ size: [0.6, 64] });
        const opts: uPlot.Options = {
          width: Math.max(200, el.clientWidth),
          height: props.height ?? 220,
          scales: {
            x: {
              time: props.time ?? false,
              // One point (a one-minute session) would otherwise stretch the axis over years.
              range: (_u, min, max) => (min === max ? [min - 60, max + 60] : [min, max]),
            },
            // Counts: bars and areas start at zero, or a 12,000-to-5,000 vote looks like 10 to 1.
            // Whole-number top, so the whole-number ticks below reach it.
            y: { range: (_u, _min, max) => [0, countMax(max)] },
          },
          legend: { show: props.series.length > 1 },
          cursor: { drag: { x: false, y: false } },
          axes: [
            {
              stroke: "currentColor",
              grid: { stroke: "rgba(128,128,128,0.15)" },
              ...(labels
                ? {
                    splits: () => labels.map((_, i) => i),
                    values: (_u: uPlot, vals: number[]) => vals.map((v) => labels[v] ?? ""),
                  }
                : {}),
            },
            {
              stroke: "currentColor",
              grid: { stroke: "rgba(128,128,128,0.15)" },
              size: 52,
              // Every chart here counts people or events: no 0.5-student ticks. One
              // label per ~30 px keeps them apart on a phone.
              splits: (u: uPlot, _axis: number, min: number, max: number) =>
                countTicks(
                  min,
                  max,
                  Math.max(2, Math.floor(u.bbox.height / devicePixelRatio / 30)),
                ),
              values: (_u: uPlot, vals: number[]) => vals.map((v) => compact(v)),
            },
          ],
          series: [
            {},
            ...props.series.map((s) => ({
              label: s.label,
              stroke: s.color,
              fill: s.bars ? `${s.color}cc` : `${s.color}22`,
              width: s.bars ? 0 : 2,
              // A session a minute or two long has too few points for a line: show them.
              points: { show: !s.bars && props.x.length <= 3, size: 8, fill: s.color },
              ...(s.bars && bars ? { paths: bars } : {}),
            })),
          ],
        };
        if (labels) opts.scales!.x = { time: false, range: [-0.5, labels.length - 0.5] };
        plot = new UPlot(opts, [props.x, ...props.columns] as uPlot.AlignedData, el);
        observer = new ResizeObserver(() => {
          if (plot && el.clientWidth > 0)
            plot.setSize({ width: el.clientWidth, height: props.height ?? 220 });
        });
        observer.observe(el);
      },
      () => setError(t("admin.analytics.chart.failed")),
    );
    return () => {
      stopped = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [props.x, props.columns, props.series, props.xLabels, props.time, props.height]);
  return (
    <figure class="chart card" data-testid={props.testId}>
      <figcaption class="chart-title">{props.title}</figcaption>
      {error ? <p class="muted">{error}</p> : <div ref={box} class="chart-box" />}
    </figure>
  );
}
