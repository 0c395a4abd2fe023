import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

import { loadWords } from "./lib/words";

// The core's labels are needed by every page: ask once, then draw the window.
loadWords()
  .catch((e) => console.error("vocabulary", e))
  .finally(() => mount(App, { target: document.getElementById("app")! }));
