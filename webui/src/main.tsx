import { render } from "preact";
import { App } from "./App";
import { adoptKnownMasters } from "./leader";
import "./style.css";

adoptKnownMasters();
render(<App />, document.getElementById("app")!);
