/** Entry for `/studio` and `/studio/:classId`: the teacher's area. */
import "../styles.css";
import { render } from "preact";
import { StudioApp } from "./StudioApp.tsx";

render(<StudioApp />, document.getElementById("app")!);
