/**
 * Keyboard for an ARIA tab list (WAI-ARIA Authoring Practices, tabs with automatic
 * activation): ←/→ (↑/↓ too) move to the previous/next tab, Home/End to the first/last,
 * wrapping; the tab reached is focused and activated (clicked). Tabs carry a roving
 * tabindex (0 on the selected tab, -1 on the others), so Tab enters the list once.
 * Put `onKeyDown={onTabListKey}` on the `role="tablist"` element.
 */
export function onTabListKey(e: KeyboardEvent): void {
  const list = e.currentTarget as HTMLElement;
  const tabs = [...list.querySelectorAll<HTMLElement>('[role="tab"]')].filter(
    (t) => !(t as HTMLButtonElement).disabled,
  );
  const at = tabs.indexOf(document.activeElement as HTMLElement);
  if (at < 0 || tabs.length === 0) return;
  const next = nextTabIndex(e.key, at, tabs.length);
  if (next === null) return;
  e.preventDefault();
  tabs[next]!.focus();
  tabs[next]!.click();
}

/** Index of the tab a key moves to from `at` among `count` tabs, or null if none. */
export function nextTabIndex(key: string, at: number, count: number): number | null {
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return (at + 1) % count;
    case "ArrowLeft":
    case "ArrowUp":
      return (at - 1 + count) % count;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
