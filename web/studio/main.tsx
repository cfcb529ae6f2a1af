/** Entry for `/studio` and `/studio/:classId`: the teacher's area. */
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { StudioApp } from "./StudioApp.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../studio.css";

render(<StudioApp />, document.getElementById("app")!);
registerServiceWorker();
