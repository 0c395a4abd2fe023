// Who is logged in, and what they may do. The core refuses whatever a role may not do; the
// window asks `can` only to hide what would be refused.
import { lock, me as loadMe } from "../bindings/commands";
import type { Me } from "../bindings/Me";
import type { Need } from "../bindings/Need";
import type { Start } from "../bindings/Start";
import type { AppFile } from "../bindings/AppFile";
import { whenLocked } from "../ipc";
import { setUnsaved } from "./router.svelte";

export const LOCKED_NOTICE = "Đã khóa màn hình. Nhập mật khẩu để tiếp tục.";

export const session = $state<{
  /** The person logged in; null while the window is locked. */
  me: Me | null;
  /** What the core said at start: first start or not, and where the data lives. */
  start: Start | null;
  /** The login name offered on the login page (the last person's, after a lock). */
  login: string;
  /** Why the login page is shown, when it is not the app's start. */
  notice: string;
}>({ me: null, start: null, login: "", notice: "" });

/** The path of the app's file the app was opened on, if it is of `kind`; given once. */
export function takeOpened(kind: AppFile): string | null {
  const opened = session.start?.opened;
  if (!opened || opened.kind !== kind) return null;
  session.start!.opened = null;
  return opened.path;
}

/** The page that takes the app's file the app was opened on, if any is waiting. */
export function pageForOpened(): string | null {
  const kind = session.start?.opened?.kind;
  return kind === "sync" ? "/dong-bo" : kind === "backup" ? "/sao-luu" : null;
}

/** Whether the person logged in may do `need`. */
export function can(need: Need): boolean {
  return session.me?.actor.can.includes(need) ?? false;
}

/** Whether the person may do at least one of `needs`. */
export function canAny(needs: Need[]): boolean {
  return needs.some(can);
}

/** After a login or the first start's set-up: the window opens where it was. */
export function signedIn(me: Me) {
  session.me = me;
  session.login = me.actor.login;
  session.notice = "";
  if (session.start) session.start.first_start = false;
}

/** Asks the core again who is logged in (after a setting that changes `me` was saved). */
export async function refreshMe() {
  session.me = await loadMe();
}

function showLocked() {
  if (!session.me) return;
  session.login = session.me.actor.login;
  session.me = null;
  session.notice = LOCKED_NOTICE;
  // The pages are gone with their input; the guard must not ask about it after the unlock.
  setUnsaved(false);
}

let locking: Promise<unknown> = Promise.resolve();

/** Locks the window: the pages are hidden at once, and the core drops the session and its key. */
export function lockNow() {
  if (!session.me) return;
  showLocked();
  locking = lock().catch(() => {
    // The core drops the session before it records the lock; nothing is left to undo.
  });
}

/** Resolves once a lock under way has reached the core, so a quick login is not undone by it. */
export function lockSettled(): Promise<unknown> {
  return locking;
}

whenLocked(showLocked);
