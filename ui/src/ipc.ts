// The one door to the app's commands: every call goes through here, and every failure comes
// back as an ErrorPayload with a Vietnamese message.
import { invoke } from "@tauri-apps/api/core";
import type { ErrorPayload } from "./bindings/ErrorPayload";

export function isErrorPayload(e: unknown): e is ErrorPayload {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

let onLocked: (() => void) | null = null;

/** Set by the session store: a command refused because nobody is logged in (the window was
 * locked, here or by the core) sends the window back to the login page, whatever page asked. */
export function whenLocked(handler: () => void) {
  onLocked = handler;
}

export async function call<T>(command: string, req: unknown): Promise<T> {
  try {
    return await invoke<T>(command, { req });
  } catch (e) {
    if (isErrorPayload(e)) {
      if (e.code === "locked") onLocked?.();
      throw e;
    }
    const message = typeof e === "string" ? e : "Đã có lỗi không mong muốn. Hãy thử lại; nếu vẫn lỗi, hãy khởi động lại ứng dụng.";
    throw { code: "database", message, field: null } satisfies ErrorPayload;
  }
}

/** The form field a failure is about, if the core named one. */
export function fieldOf(e: unknown): string | null {
  return isErrorPayload(e) ? e.field : null;
}

/** A failure's message placed beside the form field the core named (or `fallback`), if any. */
export function fieldErrorOf(e: unknown, fallback: string | null = null): { field: string; message: string } | null {
  const field = fieldOf(e) ?? fallback;
  return field ? { field, message: messageOf(e) } : null;
}

/** The message to show for any failure. */
export function messageOf(e: unknown): string {
  return isErrorPayload(e) ? e.message : String(e);
}
