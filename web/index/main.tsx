/** Entry for `/`, `/signin` and `/signup`: landing, account, sign-in and sign-up. */
import { render } from "preact";
import { registerServiceWorker } from "../lib/service-worker.ts";
import { App } from "./App.tsx";
// Last: the page's shared stylesheets come after the feature sheets its components import.
import "../index.css";

render(<App />, document.getElementById("app")!);
registerServiceWorker();
