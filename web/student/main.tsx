/** Entry for `/c/:classId`: the student class page. Keep this bundle small (budget in vite.config.ts). */
import "./focus.css";
import { startApp } from "../i18n/render.ts";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { StudentApp } from "./StudentApp.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../student.css";

const route = /^\/c\/([A-Za-z0-9_-]{1,32})(\/replay)?\/?$/.exec(location.pathname);
void startApp(() => <StudentApp classId={route?.[1] ?? ""} replay={!!route?.[2]} />);
registerServiceWorker();
