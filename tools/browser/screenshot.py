"""Screenshot a run's browser bundle in igv.js (Debian's headless chromium), as tests/test_browser.py does.

    .venv/bin/python tools/browser/screenshot.py results/demo/browser docs/browser_igv_js.png

Needs tools/browser/install.sh (chromium, chromium-driver, igv.js). Serves the folder with
``seq2track.browser.serve`` on 127.0.0.1 (stopped at the end) and prints each track's peak at the locus.
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))
from test_browser import PAGE_STATE  # noqa: E402  (the same page check as the test)


def main(bundle: str, shot: str) -> None:
    port_file = Path(tempfile.mkdtemp()) / "port"
    server = subprocess.Popen([sys.executable, "-m", "seq2track.browser.serve", bundle, str(port_file),
                               f"/igv.min.js={HERE / 'node_modules/igv/dist/igv.min.js'}"])
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1250"):
        opts.add_argument(arg)
    driver = None
    try:
        while not port_file.exists():
            time.sleep(0.1)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        driver.get(f"http://127.0.0.1:{port_file.read_text()}/index.html")
        for _ in range(300):
            ready, error = driver.execute_script(
                "return [window.seq2trackReady || false, window.seq2trackError || null]")
            if ready or error:
                break
            time.sleep(0.2)
        if not ready:
            raise SystemExit(f"igv.js did not load the bundle: {error}")
        driver.set_script_timeout(120)
        for t in driver.execute_async_script(PAGE_STATE)["tracks"]:
            values = [v for v in t["values"] if v is not None]
            print(f"{t['name']}\t{t['n']} features\tpeak {max(values) if values else '-'}")
        driver.save_screenshot(shot)
    finally:
        if driver:
            driver.quit()
        server.terminate()


if __name__ == "__main__":
    main(*sys.argv[1:3])
