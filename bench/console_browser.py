#!/usr/bin/env python3
"""The browser of `camsift-bench console` (make bench-console): headless Chromium (Debian's chromium +
chromium-driver + python3-selenium, as tests/e2e/console_e2e.py) that, while CONTROL exists, loads BASE/cameras
every second, waits until every image on it has loaded (the 60 tiles' /cameras/<id>/latest.jpg; the window is
tall enough that none of the lazy images is deferred), then fetches /api/cameras for the tiles' ids as the page's
script does. Idle on about:blank while CONTROL is absent. One JSON line per load to OUT:
{"t": wall at the start, "ms": load time, "imgs": images on the page, "loaded": images loaded, "api": status}.
"ready" in OUT once the browser is up. Exits at MAX_SECONDS, when its parent exits, or on SIGTERM.

usage: console_browser.py BASE CONTROL OUT MAX_SECONDS
"""
import json, os, signal, sys, time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ALL_LOADED = """
const imgs = Array.from(document.images);
return [imgs.length, imgs.filter(i => i.complete && i.naturalWidth > 0).length];
"""
API = """
const done = arguments[arguments.length - 1];
const ids = Array.from(document.querySelectorAll("[data-camera]")).map(e => e.dataset.camera);
fetch("/api/cameras?ids=" + encodeURIComponent(ids.join("\\n")), {credentials: "same-origin"})
  .then(r => r.text().then(() => done(r.status))).catch(() => done(0));
"""


def main():
    base, control, out_path, max_seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    deadline = time.time() + max_seconds
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    out = open(out_path, "a", buffering=1)
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,9000",
              "--no-proxy-server", "--disable-background-networking", "--disable-extensions", "--mute-audio"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.set_page_load_timeout(20)
        driver.set_script_timeout(10)
        out.write("ready\n")
        blank = True
        while time.time() < deadline and os.getppid() == parent:
            if not os.path.exists(control):
                if not blank:
                    driver.get("about:blank")
                    blank = True
                time.sleep(0.1)
                continue
            blank = False
            t0 = time.time()
            imgs = loaded = api = 0
            try:
                driver.get(base + "/cameras")
                while time.time() - t0 < 10:
                    imgs, loaded = driver.execute_script(ALL_LOADED)
                    if loaded >= imgs:
                        break
                    time.sleep(0.01)
                api = driver.execute_async_script(API)
            except Exception as e:  # a timeout: record it, go on
                out.write(json.dumps({"t": t0, "error": str(e)[:200]}) + "\n")
            ms = (time.time() - t0) * 1000
            out.write(json.dumps({"t": t0, "ms": round(ms, 1), "imgs": imgs, "loaded": loaded, "api": api}) + "\n")
            time.sleep(max(0.0, 1.0 - (time.time() - t0)))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
