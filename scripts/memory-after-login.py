#!/usr/bin/env python3
"""Memory of the whole app with the demo ward open, as an officer leaves it: starts the release app
under Xvfb, types the login with the keyboard (xdotool; a WebDriver session would add its own
automation to both processes), waits for the overview and the start-up checks, then sums the PSS
of the app and its WebKit processes, just after logging in and again after a minute without use.
With `--floor` it measures a blank WebKitGTK page in a window of the same size instead: what any
app on this WebKit pays before its own code and page. Run by scripts/bench (argument: the
database)."""
import os, subprocess, sys, tempfile, time

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "cong-tac-tre-em")
# The navigation's colour, drawn only once someone is logged in; looked at in the links' left
# border, where no text is.
SIDEBAR = "srgb(29,78,137)"


def family(root):
    """The process and its descendants."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    return found


def pss(root):
    """PSS in MB of each process under `root` and the total."""
    parts = []
    for pid in family(root):
        try:
            comm = open(f"/proc/{pid}/comm").read().strip()
            kb = next(int(l.split()[1]) for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
        parts.append((comm, kb))
    total = sum(kb for _, kb in parts)
    return f"{total // 1024} MB (" + ", ".join(f"{c} {kb // 1024}" for c, kb in parts) + ")"


def sidebar_shown():
    with tempfile.NamedTemporaryFile(suffix=".png") as shot:
        subprocess.run(["import", "-window", "root", shot.name], check=True)
        pixel = subprocess.run(["convert", shot.name, "-format", "%[pixel:p{2,400}]", "info:"],
                               capture_output=True, text=True, check=True).stdout
    return pixel.strip() == SIDEBAR


def floor():
    script = """
import gi
gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1')
from gi.repository import Gtk, WebKit2
w = Gtk.Window(title='floor'); w.set_default_size(1366, 768); w.maximize()
v = WebKit2.WebView(); w.add(v)
v.load_html("<h1 style='font-family:sans-serif'>Tổng quan</h1>", "about:blank")
w.show_all(); Gtk.main()
"""
    # The same environment the app gives WebKit (src-tauri/src/lib.rs).
    env = dict(os.environ, WEBKIT_DISABLE_COMPOSITING_MODE="1", GDK_GL="disable",
               WEBKIT_DISABLE_DMABUF_RENDERER="1", WEBKIT_WEB_RENDER_DEVICE_FILE="/dev/null")
    page = subprocess.Popen(["/usr/bin/python3", "-c", script], env=env)
    try:
        time.sleep(8)
        print(f"Trang trắng của WebKitGTK (python3-gi) trong cửa sổ cùng cỡ: {pss(page.pid)}")
    finally:
        page.kill()


def main(db):
    app = subprocess.Popen([APP], env=dict(os.environ, TREEM_DB=db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            time.sleep(0.5)
            window = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Công tác Trẻ em"],
                                    capture_output=True, text=True).stdout.split()
            if window:
                break
        else:
            sys.exit("no window")
        time.sleep(4)  # the login page drawn
        subprocess.run(["xdotool", "windowfocus", "--sync", window[0]], check=True)
        # The login name has the focus when the page opens.
        for keys in (["type", "--delay", "20", "canbo"], ["key", "Tab"], ["type", "--delay", "20", "hoa-phuong-do-ruc-ro"], ["key", "Return"]):
            subprocess.run(["xdotool", *keys], check=True)
        for _ in range(60):
            if sidebar_shown():
                break
            time.sleep(0.5)
        else:
            sys.exit("the overview did not open")
        time.sleep(8)  # the overview's data, the integrity check and the day's backup
        print(f"Sau khi đăng nhập, trang Tổng quan: bộ nhớ khi nghỉ (PSS) {pss(app.pid)}")
        time.sleep(65)
        print(f"Để yên một phút sau đó: {pss(app.pid)}")
    finally:
        app.kill()


if __name__ == "__main__":
    floor() if sys.argv[1] == "--floor" else main(sys.argv[1])
