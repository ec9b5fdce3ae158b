"""The tiny run's browser bundle opened by real clients: igv.js 3 in Debian's headless Chromium (served by a
loopback HTTP server with Range support), the IGV desktop session and the UCSC hub by their specs.

Marker ``browser``: needs chromium + chromium-driver (apt) and the pinned igv.js (npm); the fixture runs
tools/browser/install.sh, which installs them when running as root. The screenshot goes to
test-artifacts/igv_js.png.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from bundle_checks import check_hub, check_igv_session
from conftest import REPO
from test_workflow import smk, workdir  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOOLS = REPO / "tools" / "browser"
IGV_JS = TOOLS / "node_modules" / "igv" / "dist" / "igv.min.js"
ARTIFACTS = REPO / "test-artifacts"
LOCAL = re.compile(r"https?://127\.0\.0\.1:\d+/")
EXTERNAL = re.compile(r"https?://(?!127\.0\.0\.1)[\w.-]+")

PAGE_STATE = """
const done = arguments[arguments.length - 1];
(async () => {
  const b = window.igvBrowser, rf = b.referenceFrameList[0];
  const out = {genome: b.genome.id, chroms: b.genome.chromosomeNames, chr: rf.chr, tracks: []};
  for (const tv of b.trackViews) {
    const t = tv.track;
    if (!t.url) continue;
    const f = await t.getFeatures(rf.chr, Math.floor(rf.start), Math.ceil(rf.end), rf.bpPerPixel);
    out.tracks.push({name: t.name, url: t.url, type: t.type, n: f.length,
                     values: f.map(x => x.value === undefined ? null : x.value), names: f.map(x => x.name || null)});
  }
  return out;
})().then(done, e => done({error: String(e)}));
"""


@pytest.fixture(scope="module")
def browser_tools():
    if not (shutil.which("chromedriver") and IGV_JS.exists()):
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.skip("needs chromium, chromium-driver and igv.js: run tools/browser/install.sh as root")
        subprocess.run(["bash", str(TOOLS / "install.sh")], check=True, timeout=900)
    return shutil.which("chromedriver")


@pytest.fixture
def served_bundle(workdir):  # noqa: F811
    res = smk(workdir, "results/tiny/browser", "--cores", "2", "--configfile", "config/tiny.yaml")
    assert res.returncode == 0, res.stderr[-3000:]
    bundle = workdir / "results" / "tiny" / "browser"
    port_file = workdir / "port.txt"
    server = subprocess.Popen([sys.executable, "-m", "seq2track.browser.serve", str(bundle), str(port_file),
                               f"/igv.min.js={IGV_JS}"])
    try:
        for _ in range(100):
            if port_file.exists() or server.poll() is not None:
                break
            time.sleep(0.1)
        yield bundle, f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        server.terminate()  # only the server this fixture started
        server.wait(timeout=10)


def chromium(driver_path: str, height: int = 1600):
    """Debian's headless chromium through its chromedriver, with the page console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size=1400,{height}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=opts)


def load_page_state(driver, page_url: str) -> dict:
    """Open the bundle's index.html, wait until igv.js has loaded the session, return PAGE_STATE's answer."""
    driver.get(page_url)
    for _ in range(300):
        ready, error = driver.execute_script("return [window.seq2trackReady || false, window.seq2trackError || null]")
        if ready or error:
            break
        time.sleep(0.2)
    assert ready and error is None, error
    driver.set_script_timeout(120)
    return driver.execute_async_script(PAGE_STATE)


def test_igv_js_shows_every_track_and_predicted_differs_from_observed(browser_tools, served_bundle):
    bundle, url = served_bundle
    check_igv_session(bundle)  # the IGV desktop session and the hub of the same bundle, by their specs
    check_hub(bundle, bundle / "genome.fa.gz")
    driver = chromium(browser_tools)
    try:
        state = load_page_state(driver, f"{url}/index.html")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "igv_js.png"))
        log = driver.get_log("browser")
    finally:
        driver.quit()
    assert "error" not in state, state
    assert state["genome"] == "tiny" and state["chroms"] == ["chr1", "chr2", "chr3"] and state["chr"] == "chr3"
    session = json.loads((bundle / "igv_session.json").read_text())
    tracks = {t["name"]: t for t in state["tracks"]}
    assert set(tracks) == {t["name"] for t in session["tracks"]}  # every track of the session is on the page
    for name, t in tracks.items():  # with data at the default locus
        assert t["n"] > 0, name
        if t["type"] == "wig":
            assert any(v for v in t["values"]), name
    assert all(any(t["names"]) for t in (tracks["TSS"], tracks["enhancer pairs"]))
    for assay in ("dnase", "h3k27ac", "cage"):
        assert tracks[f"{assay} predicted"]["values"] != tracks[f"{assay} observed"]["values"], assay
        assert LOCAL.sub("", tracks[f"{assay} observed"]["url"]) == f"observed.{assay}.bw"
    # no page errors but those of external hosts igv.js tries (its genome list; no network here)
    severe = [e["message"] for e in log if e["level"] == "SEVERE"]
    assert not [m for m in severe if not EXTERNAL.search(m)], severe
