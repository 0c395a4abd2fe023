// Questions in the system's own dialog, with Vietnamese buttons (the webview's confirm() says
// "OK" and "Cancel").
import { ask } from "@tauri-apps/plugin-dialog";

/** Asks `question`; true when the officer presses `yes`. */
export function confirmed(question: string, yes = "Đồng ý"): Promise<boolean> {
  return ask(question, { title: "Công tác Trẻ em", kind: "warning", okLabel: yes, cancelLabel: "Thôi" });
}
