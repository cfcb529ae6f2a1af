/**
 * The layout picker for the media studio: screen + camera (with the camera's corner),
 * screen only, or camera only. The layouts themselves are layout.ts; the compositor draws
 * them (use-layout.ts).
 */
import { type StudioKey, t } from "../../i18n/studio.ts";
import type { Corner, Layout } from "./layout.ts";

const CORNERS: { corner: Corner; label: StudioKey; camera: StudioKey }[] = [
  {
    corner: "top-left",
    label: "studio.media.corner.topLeft",
    camera: "studio.media.camera.topLeft",
  },
  {
    corner: "top-right",
    label: "studio.media.corner.topRight",
    camera: "studio.media.camera.topRight",
  },
  {
    corner: "bottom-left",
    label: "studio.media.corner.bottomLeft",
    camera: "studio.media.camera.bottomLeft",
  },
  {
    corner: "bottom-right",
    label: "studio.media.corner.bottomRight",
    camera: "studio.media.camera.bottomRight",
  },
];

/** Radio buttons for the layout; with screen + camera, four corner buttons for the camera. */
export function LayoutPicker(props: { layout: Layout; onChange: (layout: Layout) => void }) {
  const { layout } = props;
  return (
    <fieldset class="media-layout">
      <legend>{t("studio.media.layout")}</legend>
      <div class="media-choices">
        {(
          [
            ["pip", "studio.media.layout.pip"],
            ["screen", "studio.media.layout.screen"],
            ["camera", "studio.media.layout.camera"],
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
            {t(label)}
          </label>
        ))}
      </div>
      {layout.kind === "pip" ? (
        <fieldset class="media-corners">
          <legend class="visually-hidden">{t("studio.media.cameraCorner")}</legend>
          {CORNERS.map(({ corner, label, camera }) => (
            <button
              key={corner}
              type="button"
              class={`media-corner media-corner-${corner}`}
              aria-pressed={layout.corner === corner}
              aria-label={t(camera)}
              title={t(label)}
              data-testid={`corner-${corner}`}
              onClick={() => props.onChange({ kind: "pip", corner })}
            />
          ))}
        </fieldset>
      ) : null}
    </fieldset>
  );
}
