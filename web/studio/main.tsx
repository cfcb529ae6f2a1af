/** Entry for `/studio` and `/studio/:classId`: the teacher's area. */
import "../studio.css";
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { StudioApp } from "./StudioApp.tsx";

render(<StudioApp />, document.getElementById("app")!);
registerServiceWorker();
