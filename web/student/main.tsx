/** Entry for `/c/:classId`: the student class page. Keep this bundle small (budget in vite.config.ts). */
import "../styles.css";
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { StudentApp } from "./StudentApp.tsx";

const classId = /^\/c\/([A-Za-z0-9_-]{1,32})\/?$/.exec(location.pathname)?.[1] ?? "";
render(<StudentApp classId={classId} />, document.getElementById("app")!);
registerServiceWorker();
