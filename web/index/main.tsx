/** Entry for `/`, `/signin` and `/signup`: landing, account, sign-in and sign-up. */
import { startApp } from "../i18n/render.ts";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { App } from "./App.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../index.css";

void startApp(() => <App />);
registerServiceWorker();
