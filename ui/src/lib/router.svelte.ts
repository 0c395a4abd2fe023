// Hash routes ("#/ke-hoach", "#/hoat-dong/ID") and the guard that keeps unsaved input.
import { confirmed } from "./ask";
export const route = $state({ path: location.hash.slice(1) || "/tong-quan" });

let unsaved = false;

/** Pages call this while a form holds input that has not been saved. */
export function setUnsaved(value: boolean) {
  unsaved = value;
}

export function go(path: string) {
  location.hash = path;
}

window.addEventListener("hashchange", async (event) => {
  const next = location.hash.slice(1) || "/tong-quan";
  if (unsaved) {
    // Stay on the page while the question is asked; go only if the officer agrees.
    history.replaceState(null, "", new URL(event.oldURL).hash);
    if (!(await confirmed("Bạn có nội dung chưa lưu. Rời trang này và bỏ nội dung đó?", "Rời trang"))) return;
    history.replaceState(null, "", "#" + next);
  }
  unsaved = false;
  route.path = next;
});
