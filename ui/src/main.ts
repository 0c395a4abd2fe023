import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";

import { start } from "./bindings/commands";
import { loadWords } from "./lib/words";
import { session } from "./lib/session.svelte";

// The core's labels are needed by every page, and whether this is the first start decides the
// first page: ask both (they work while locked), then draw the window.
const target = document.getElementById("app")!;
Promise.all([loadWords(), start()])
  .then(([, s]) => {
    session.start = s;
    mount(App, { target });
  })
  .catch(() => {
    target.textContent = "Ứng dụng chưa sẵn sàng: không đọc được dữ liệu. Hãy đóng rồi mở lại ứng dụng; nếu vẫn vậy, hãy liên hệ người hỗ trợ kỹ thuật.";
  });
// "Today" moves on while a laptop stays open overnight: ask again when the window is used.
window.addEventListener("focus", () => void loadWords().catch(() => {}));
