/** Entry for `/admin` and `/admin/*`: the admin area. */
import { startApp } from "../i18n/render.ts";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { AdminApp } from "./AdminApp.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../admin.css";

void startApp(() => <AdminApp />);
registerServiceWorker();
