"""Downloads from local paths and from a real HTTP server on 127.0.0.1 started by a fixture."""

import gzip
import hashlib
import http.server
import threading

import pytest

from seq2track.errors import DownloadError, InputFileError
from seq2track.io.download import fetch, is_url

PAYLOAD = b"chr1\t10\t20\n" * 1000


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes]] = {}

    def do_GET(self):  # noqa: N802
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A loopback HTTP server; stopped (only this one) at teardown."""
    _Handler.routes = {"/plain.bed": (200, PAYLOAD), "/data.bed.gz": (200, gzip.compress(PAYLOAD))}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_is_url():
    assert is_url("https://x/y") and is_url("ftp://x/y") and not is_url("/data/x.bw")


def test_http_plain_and_gzip(server, tmp_path):
    fetch(f"{server}/plain.bed", tmp_path / "a.bed", sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert (tmp_path / "a.bed").read_bytes() == PAYLOAD
    fetch(f"{server}/data.bed.gz", tmp_path / "b.bed", decompress_gzip=True)
    assert (tmp_path / "b.bed").read_bytes() == PAYLOAD


def test_http_404_names_url_and_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError, match=r"/missing.bed: HTTP 404") as err:
        fetch(f"{server}/missing.bed", tmp_path / "m.bed", retries=0)
    assert "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "src.bed"
    src.write_bytes(PAYLOAD)
    out = tmp_path / "out" / "x.bed"
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        fetch(str(src), out, sha256="0" * 64)
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_missing_local_source(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        fetch(str(tmp_path / "nope.bed"), tmp_path / "x.bed")
