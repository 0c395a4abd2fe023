#!/usr/bin/env python3
"""Memory of the whole app with the demo ward open: logs in through tauri-driver, waits on the
overview, and sums the PSS of the app and its WebKit processes. Run by scripts/bench under Xvfb
with the release build and a demo database (argument: the database file)."""
import json, os, subprocess, sys, time, urllib.request

DRIVER = "http://127.0.0.1:4444"
APP = os.path.join(os.path.dirname(__file__), "..", "target", "release", "cong-tac-tre-em")


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(DRIVER + path, method=method, data=data, headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=60))


def main(db):
    driver = subprocess.Popen(["tauri-driver", "--port", "4444", "--native-driver", "/usr/bin/WebKitWebDriver"],
                              env=dict(os.environ, TREEM_DB=db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        time.sleep(2)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": os.path.abspath(APP)}}}}
        session = call("POST", "/session", caps)["value"]["sessionId"]

        def find(css):
            for _ in range(150):
                found = call("POST", f"/session/{session}/execute/sync",
                             {"script": "return document.querySelector(arguments[0])", "args": [css]})["value"]
                if found:
                    return list(found.values())[0]
                time.sleep(0.2)
            sys.exit(f"no {css}")

        for css, text in [("[data-testid=login-name]", "canbo"), ("[data-testid=login-password]", "demo-2024")]:
            call("POST", f"/session/{session}/element/{find(css)}/value", {"text": text})
        call("POST", f"/session/{session}/element/{find('[data-testid=login-submit]')}/click", {})
        find("[data-testid=late-count]")
        time.sleep(6)
        total = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                comm = open(f"/proc/{pid}/comm").read().strip()
                if comm.startswith(("cong-tac", "WebKitWebProces", "WebKitNetworkPr")):
                    total += next(int(l.split()[1]) for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith("Pss:"))
            except (OSError, StopIteration):
                pass
        print(f"Sau khi đăng nhập, trang Tổng quan: bộ nhớ khi nghỉ (PSS) {total // 1024} MB")
        call("DELETE", f"/session/{session}")
    finally:
        os.killpg(driver.pid, 9)


if __name__ == "__main__":
    main(sys.argv[1])
