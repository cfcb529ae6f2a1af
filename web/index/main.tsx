/** Entry for `/`, `/signin` and `/signup`: landing, account, sign-in and sign-up. */
import "../styles.css";
import { startApp } from "../i18n/render.ts";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { App } from "./App.tsx";

void startApp(() => <App />);
registerServiceWorker();
