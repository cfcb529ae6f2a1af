/**
 * An app's first render, in the user's language: picks and loads the language (and sets
 * `<html lang dir>`) before anything is drawn, and draws the app again when the picker changes it.
 * Drawing again keeps every component's state (Preact diffs the same tree), so a class
 * page keeps its socket, video and chat while its words change.
 */
import { render, type VNode } from "preact";
import { onLocaleChange, startLocale } from "./core.ts";

/** Each entry's main.tsx: `startApp(() => <StudentApp … />)`. */
export async function startApp(
  app: () => VNode,
  root: HTMLElement = document.getElementById("app")!,
): Promise<void> {
  await startLocale();
  const draw = () => render(app(), root);
  draw();
  onLocaleChange(draw);
}
