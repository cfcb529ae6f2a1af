/** Entry for `/admin` and `/admin/*`: the admin area. */
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { AdminApp } from "./AdminApp.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../admin.css";

render(<AdminApp />, document.getElementById("app")!);
registerServiceWorker();
