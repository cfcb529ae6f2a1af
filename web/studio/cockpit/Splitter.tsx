/**
 * A window splitter (WAI-ARIA `separator`, focusable): drag it, or focus it and use the
 * arrow keys (24 px a press, Shift for 96), Home and End. `value` is the size in px of the
 * pane it controls; `grow` says which way the pane grows (+1: right or down).
 */
export function Splitter(props: {
  label: string;
  controls: string;
  orientation: "vertical" | "horizontal";
  value: number;
  min: number;
  max: number;
  grow: 1 | -1;
  onChange: (px: number) => void;
  testId?: string;
}) {
  const { value, min, max } = props;
  const set = (px: number) => props.onChange(Math.round(Math.min(max, Math.max(min, px))));
  const vertical = props.orientation === "vertical";
  // Right to left, the grid's columns are mirrored: a pane that grows to the right in
  // English grows to the left in Arabic, so horizontal moves count the other way.
  const sign = (el: Element) =>
    vertical && getComputedStyle(el).direction === "rtl" ? -props.grow : props.grow;
  const onKeyDown = (e: KeyboardEvent) => {
    const step = e.shiftKey ? 96 : 24;
    const back = vertical ? "ArrowLeft" : "ArrowUp";
    const fwd = vertical ? "ArrowRight" : "ArrowDown";
    const grow = sign(e.currentTarget as Element);
    if (e.key === back) set(value - step * grow);
    else if (e.key === fwd) set(value + step * grow);
    else if (e.key === "Home") set(min);
    else if (e.key === "End") set(max);
    else return;
    e.preventDefault();
  };
  const onPointerDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture(e.pointerId);
    const start = vertical ? e.clientX : e.clientY;
    const from = value;
    const grow = sign(el);
    const move = (m: PointerEvent) =>
      set(from + ((vertical ? m.clientX : m.clientY) - start) * grow);
    const up = () => {
      el.removeEventListener("pointermove", move);
      el.removeEventListener("pointerup", up);
      el.removeEventListener("pointercancel", up);
    };
    el.addEventListener("pointermove", move);
    el.addEventListener("pointerup", up);
    el.addEventListener("pointercancel", up);
    e.preventDefault();
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: a focusable window splitter is role="separator" with a value; <hr> cannot take focus or keys
    <div
      role="separator"
      tabIndex={0}
      class={`cockpit-splitter is-${props.orientation}`}
      aria-label={props.label}
      aria-controls={props.controls}
      aria-orientation={props.orientation}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      data-testid={props.testId}
      onKeyDown={onKeyDown}
      onPointerDown={onPointerDown}
    />
  );
}
