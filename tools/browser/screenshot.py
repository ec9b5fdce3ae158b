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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))
from test_browser import chromium, load_page_state  # noqa: E402  (the test's browser and page check)


def main(bundle: str, shot: str) -> None:
    port_file = Path(tempfile.mkdtemp()) / "port"
    server = subprocess.Popen([sys.executable, "-m", "seq2track.browser.serve", bundle, str(port_file),
                               f"/igv.min.js={HERE / 'node_modules/igv/dist/igv.min.js'}"])
    driver = None
    try:
        while not port_file.exists():
            time.sleep(0.1)
        driver = chromium("/usr/bin/chromedriver", height=1250)
        for t in load_page_state(driver, f"http://127.0.0.1:{port_file.read_text()}/index.html")["tracks"]:
            values = [v for v in t["values"] if v is not None]
            print(f"{t['name']}\t{t['n']} features\tpeak {max(values) if values else '-'}")
        driver.save_screenshot(shot)
    finally:
        if driver:
            driver.quit()
        server.terminate()


if __name__ == "__main__":
    main(*sys.argv[1:3])
