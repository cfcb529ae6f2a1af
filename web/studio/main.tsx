/** Entry for `/studio` and `/studio/:classId`: the teacher's area. */
import { startApp } from "../i18n/render.ts";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { StudioApp } from "./StudioApp.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../studio.css";

void startApp(() => <StudioApp />);
registerServiceWorker();
