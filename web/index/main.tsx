/** Entry for `/`, `/signin` and `/signup`: landing, account, sign-in and sign-up. */
import "../index.css";
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { App } from "./App.tsx";

render(<App />, document.getElementById("app")!);
registerServiceWorker();
