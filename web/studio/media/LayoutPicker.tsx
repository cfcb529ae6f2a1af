/**
 * The layout picker for the media studio: screen + camera (with the camera's corner),
 * screen only, or camera only. The layouts themselves are layout.ts; the compositor draws
 * them (use-layout.ts).
 */
import type { Corner, Layout } from "./layout.ts";

const CORNERS: { corner: Corner; label: string }[] = [
  { corner: "top-left", label: "Top left" },
  { corner: "top-right", label: "Top right" },
  { corner: "bottom-left", label: "Bottom left" },
  { corner: "bottom-right", label: "Bottom right" },
];

/** Radio buttons for the layout; with screen + camera, four corner buttons for the camera. */
export function LayoutPicker(props: { layout: Layout; onChange: (layout: Layout) => void }) {
  const { layout } = props;
  return (
    <fieldset class="media-layout">
      <legend>Layout</legend>
      <div class="media-choices">
        {(
          [
            ["pip", "Screen + camera"],
            ["screen", "Screen only"],
            ["camera", "Camera only"],
          ] as const
        ).map(([kind, label]) => (
          <label class="media-choice" key={kind}>
            <input
              type="radio"
              name="layout"
              checked={layout.kind === kind}
              data-testid={`layout-${kind}`}
              onChange={() =>
                props.onChange(
                  kind === "pip"
                    ? {
                        kind,
                        corner: layout.kind === "pip" ? layout.corner : "bottom-right",
                      }
                    : { kind },
                )
              }
            />
            {label}
          </label>
        ))}
      </div>
      {layout.kind === "pip" ? (
        <fieldset class="media-corners">
          <legend class="visually-hidden">Camera corner</legend>
          {CORNERS.map(({ corner, label }) => (
            <button
              key={corner}
              type="button"
              class={`media-corner media-corner-${corner}`}
              aria-pressed={layout.corner === corner}
              aria-label={`Camera ${label.toLowerCase()}`}
              title={label}
              data-testid={`corner-${corner}`}
              onClick={() => props.onChange({ kind: "pip", corner })}
            />
          ))}
        </fieldset>
      ) : null}
    </fieldset>
  );
}
