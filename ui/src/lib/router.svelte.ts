// Hash routes ("#/ke-hoach", "#/hoat-dong/ID") and the guard that keeps unsaved input.
export const route = $state({ path: location.hash.slice(1) || "/tong-quan" });

let unsaved = false;

/** Pages call this while a form holds input that has not been saved. */
export function setUnsaved(value: boolean) {
  unsaved = value;
}

export function go(path: string) {
  location.hash = path;
}

window.addEventListener("hashchange", (event) => {
  const next = location.hash.slice(1) || "/tong-quan";
  if (unsaved && !confirm("Bạn có nội dung chưa lưu. Rời trang này và bỏ nội dung đó?")) {
    history.replaceState(null, "", new URL(event.oldURL).hash);
    return;
  }
  unsaved = false;
  route.path = next;
});
