#!/usr/bin/env python3
"""End-to-end test of the operator's loop in a real browser (headless Chromium through Debian's chromium-driver and
python3-selenium): start `camsift run` on two local cameras showing different scenes (opencv-doc's vtest.avi, a
street, and tree.avi, a tree — read by FFmpeg as stream cameras), open the console, create two labels, label frames
with the mouse (click, shift-click, a label button) and the keyboard (a, number keys, u to undo), tag two frames
(a new tag, then its checkbox; rows in ARCHIVE/labels.csv), press Retrain, and
check that the new labels reach the classification log and the camera grid. Screenshots of every page are saved in
ARTIFACTS (default .build/e2e-artifacts/) to look at.

Run by `make test` after the Swift tests; exit status 0 on success, 1 with the reason otherwise.
"""
import json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import StaleElementReferenceException, NoSuchElementException

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("CAMSIFT_BIN", os.path.join(ROOT, ".build/release/camsift"))
WEIGHTS = os.path.join(ROOT, "weights/effnet-lite0-imagenet.csm")
DATA = "/usr/share/doc/opencv-doc/examples/data"
ARTIFACTS = os.environ.get("ARTIFACTS", os.path.join(ROOT, ".build/e2e-artifacts"))
DEADLINE = time.time() + float(os.environ.get("E2E_TIMEOUT", "600"))


def fail(msg):
    print("FAIL  console e2e: " + msg, flush=True)
    raise SystemExit(1)


def wait_for(what, cond, timeout, every=0.5):
    end = min(time.time() + timeout, DEADLINE)
    while time.time() < end:
        try:
            v = cond()
        except (StaleElementReferenceException, NoSuchElementException):
            v = None  # the page was replaced under us (a reload): look again
        if v:
            return v
        time.sleep(every)
    fail("timed out after %.0f s waiting for %s" % (timeout, what))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read()
    except Exception:
        return None


def log_labels(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    except FileNotFoundError:
        pass
    return out


def main():
    for p in (BIN, WEIGHTS, DATA + "/vtest.avi", DATA + "/tree.avi", "/usr/bin/chromedriver", "/usr/bin/chromium"):
        if not os.path.exists(p):
            fail("missing %s — run `make test` (it installs and builds everything)" % p)
    os.makedirs(ARTIFACTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="camsift-e2e-")
    cams, models = os.path.join(work, "cameras"), os.path.join(work, "models")
    for d in (cams, models, os.path.join(work, "state"), os.path.join(work, "archive")):
        os.makedirs(d)
    os.symlink(WEIGHTS, os.path.join(models, "imagenet.csm"))
    for cid, clip in (("e2e-street", "vtest.avi"), ("e2e-tree", "tree.avi")):
        with open(os.path.join(cams, cid + ".json"), "w") as f:
            json.dump({"id": cid, "kind": "stream", "url": "file://%s/%s" % (DATA, clip), "interval": 0.5}, f)
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    log = os.path.join(work, "classifications.jsonl")
    config = {"cameras": cams, "state": os.path.join(work, "state"), "log": log, "archive": os.path.join(work, "archive"),
              "models": models, "console": "127.0.0.1:%d" % port, "retrainFineTuneBlocks": 0, "computeThreads": 2,
              "review": {"scoreBelow": 1.01, "perCameraPerHour": 40}}
    with open(os.path.join(work, "camsift.json"), "w") as f:
        json.dump(config, f)
    daemon_log = open(os.path.join(ARTIFACTS, "daemon.log"), "w")
    daemon = subprocess.Popen([BIN, "run", "--config", os.path.join(work, "camsift.json")], stdout=daemon_log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    driver = None
    try:
        wait_for("the console to answer", lambda: get(base + "/metrics"), 60)
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
                  "--no-proxy-server", "--disable-background-networking"):
            opts.add_argument(a)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        driver.set_page_load_timeout(30)

        def shot(name):
            driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))

        # 1. Cameras: both cameras with a frame and an (ImageNet) label.
        def grid_ready():
            driver.get(base + "/cameras")
            tiles = driver.find_elements(By.CSS_SELECTOR, "#camera-grid .cam")
            imgs = driver.find_elements(By.CSS_SELECTOR, "#camera-grid .cam img")
            return len(tiles) == 2 and len(imgs) == 2
        wait_for("both cameras on the grid with a frame", grid_ready, 90, every=2)
        shot("1-cameras")
        driver.get(base + "/cameras/e2e-street")
        if "Registry definition" not in driver.page_source or DATA in driver.page_source:
            fail("the camera page must show the registry definition without the camera's URL")
        shot("2-camera-page")

        # 2. Review: enough frames of each camera queued.
        def queued(cam):
            body = get(base + "/review?camera=" + cam) or b""
            return body.count(b'class="frame"') >= 10
        wait_for("10 review frames of each camera", lambda: queued("e2e-street") and queued("e2e-tree"), 120, every=2)

        # 3. Two new labels through the form (typing, Enter).
        driver.get(base + "/review")
        for name in ("street", "tree"):
            box = driver.find_element(By.ID, "new-label")
            box.clear()
            box.send_keys(name + Keys.ENTER)
            wait_for("label %s to appear" % name,
                     lambda: any(b.get_attribute("data-label") == name for b in driver.find_elements(By.CLASS_NAME, "label-btn")), 10)
        shot("3-review")

        # 3b. Tags (issue 19): a new tag on one street frame, then the same tag by its checkbox on another frame;
        # both land in ARCHIVE/labels.csv, the file `camsift train --tags` reads.
        labels_csv = os.path.join(work, "archive/labels.csv")
        tag_rows = lambda: [l for l in (open(labels_csv).read().splitlines() if os.path.exists(labels_csv) else [])
                            if l.startswith(".camsift/tagged/") and l.endswith(",night")]
        driver.get(base + "/review?camera=e2e-street")
        first = driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame")[0]
        first_id = first.get_attribute("data-id")
        first.click()
        driver.find_element(By.ID, "new-tag").send_keys("night")
        driver.find_element(By.ID, "set-tags").click()
        wait_for("the first tag in labels.csv", lambda: len(tag_rows()) == 1, 10)
        wait_for("the night checkbox after the reload",
                 lambda: driver.find_elements(By.CSS_SELECTOR, '.tag-box[value="night"]'), 10)
        other = wait_for("an untagged street frame", lambda: [t for t in driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame")
                                                              if t.get_attribute("data-id") != first_id][0], 10)
        other.click()
        driver.find_element(By.CSS_SELECTOR, '.tag-box[value="night"]').click()
        driver.find_element(By.ID, "set-tags").click()
        wait_for("the second tag in labels.csv", lambda: len(tag_rows()) == 2, 10)
        if other.find_element(By.CSS_SELECTOR, ".tags").text != "night":
            fail("the tagged tile does not show its tag")
        shot("3b-tags")

        # 4. Street frames with the mouse: click the first, shift-click the last, then the label button.
        driver.get(base + "/review?camera=e2e-street")
        tiles = driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame")
        n_street = len(tiles)
        tiles[0].click()
        ActionChains(driver).key_down(Keys.SHIFT).click(tiles[-1]).key_up(Keys.SHIFT).perform()
        if len(driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame.selected")) != n_street:
            fail("shift-click did not select the range (%d tiles)" % n_street)
        shot("4-selected")
        driver.find_element(By.CSS_SELECTOR, '.label-btn[data-label="street"]').click()
        wait_for("the labelled street frames to leave the grid",
                 lambda: not driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame"), 10)

        # 5. Tree frames with the keyboard: label the focused frame with 2, undo with u, then a (all) and 2.
        driver.get(base + "/review?camera=e2e-tree")
        tiles = driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame")
        n_tree = len(tiles)
        # Keys go to the focused element (the page focuses the first frame), as a person's typing does.
        keys = lambda k: ActionChains(driver).send_keys(k).perform()
        keys("2")
        wait_for("one tree frame labelled", lambda: len(driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame")) == n_tree - 1, 10)
        keys("u")
        wait_for("undo to bring it back",
                 lambda: len(driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame")) >= n_tree, 10)
        wait_for("the reloaded review page", lambda: driver.execute_script(
            "return document.activeElement && document.activeElement.classList.contains('frame')"), 10)
        keys("a")
        keys("2")
        wait_for("the tree frames labelled",
                 lambda: not driver.find_elements(By.CSS_SELECTOR, "#review-grid .frame"), 10)
        n_tree = max(n_tree, 1)
        street_dir, tree_dir = os.path.join(work, "archive/street"), os.path.join(work, "archive/tree")
        count = lambda d: sum(len(fs) for _, _, fs in os.walk(d) if True) if os.path.isdir(d) else 0
        if count(street_dir) < n_street or count(tree_dir) < n_tree:
            fail("archive holds %d street and %d tree images, expected %d and %d"
                 % (count(street_dir), count(tree_dir), n_street, n_tree))
        driver.get(base + "/dataset")
        shot("5-dataset")

        # 6. Retrain from the Models page and watch it promote.
        driver.get(base + "/models")
        driver.find_element(By.ID, "retrain").click()
        t0 = time.time()

        def promoted():
            lines = log_labels(log)
            return any(r.get("label") in ("street", "tree") for r in lines[-50:])
        wait_for("the log to use the new labels after the retrain", promoted, 240, every=2)
        took = time.time() - t0
        driver.get(base + "/models")
        if "promoted" not in driver.page_source:
            fail("the Models page does not list the promotion")
        shot("6-models")

        # 7. The grid shows the new labels.
        def grid_labels():
            driver.get(base + "/cameras")
            labels = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#camera-grid .cam .label")]
            return set(labels) & {"street", "tree"}
        wait_for("the camera grid to show the new labels", grid_labels, 30, every=2)
        shot("7-cameras-after")
        recent = [r for r in log_labels(log)[-40:] if r.get("label") in ("street", "tree")]
        right = sum(1 for r in recent if (r["camera"] == "e2e-street") == (r["label"] == "street"))
        print("PASS  console e2e: labelled %d street + %d tree frames in the browser; retrain to first new label "
              "in the log %.0f s; last %d new-label lines: %d right; screenshots in %s"
              % (n_street, n_tree, took, len(recent), right, ARTIFACTS), flush=True)
    finally:
        if driver is not None:
            driver.quit()
        try:
            os.killpg(daemon.pid, signal.SIGTERM)
            daemon.wait(timeout=60)
        except Exception:
            os.killpg(daemon.pid, signal.SIGKILL)
        daemon_log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
