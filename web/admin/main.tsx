/** Entry for `/admin` and `/admin/*`: the admin area. */
import "../admin.css";
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { AdminApp } from "./AdminApp.tsx";

render(<AdminApp />, document.getElementById("app")!);
registerServiceWorker();
