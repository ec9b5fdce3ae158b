"""Downloads from local paths and from a real HTTP server on 127.0.0.1 started by a fixture.

The server misbehaves on purpose (errors, redirects, short bodies, stalls, interrupted transfers)
so that every failure path of ``seq2track.io.download`` runs against real sockets.
"""

import gzip
import hashlib
import http.server
import subprocess
import sys
import threading
import time

import pytest

from seq2track.errors import DownloadError, InputFileError
from seq2track.io.checksums import parse_checksum_list, resolve_checksums, source_file_name
from seq2track.io.download import RetryPolicy, fetch, is_url

PAYLOAD = b"".join(b"chr1\t%d\t%d\n" % (i, i + 10) for i in range(20000))
GZ = gzip.compress(PAYLOAD, mtime=0)
FAST = RetryPolicy(retries=3, timeout_s=1.0, backoff_s=0.01)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: dict[str, list[str | None]] = {}

    def _body(self, body: bytes, status: int = 200, declared: int | None = None, extra=()) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if declared is None else declared))
        for key, value in extra:
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_GET(self):  # noqa: N802
        path, rng = self.path, self.headers.get("Range")
        seen = self.hits.setdefault(path, [])
        seen.append(rng)
        if path == "/plain.bed":
            self._body(PAYLOAD)
        elif path == "/data.bed.gz":
            self._body(GZ)
        elif path == "/md5sum.txt":  # a publisher's checksum list (UCSC md5sum.txt / sha256sum style)
            self._body(f"{hashlib.md5(PAYLOAD).hexdigest()}  plain.bed\n"
                       f"{hashlib.sha256(b'other bytes').hexdigest()} *./data.bed.gz\n".encode())
        elif path == "/redirect":
            self._body(b"", 302, extra=[("Location", "/plain.bed")])
        elif path == "/flaky" and len(seen) == 1:
            self._body(b"busy", 500)
        elif path == "/flaky":
            self._body(PAYLOAD)
        elif path == "/truncated":  # always promises more than it sends
            self._body(PAYLOAD[:1000], declared=len(PAYLOAD))
            self.close_connection = True
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[:100])
            self.wfile.flush()
            time.sleep(3)
            self.close_connection = True
        elif path == "/resumable" and rng is None:  # first transfer dies half way
            self._body(PAYLOAD[: len(PAYLOAD) // 2], declared=len(PAYLOAD))
            self.close_connection = True
        elif path == "/resumable":
            start = int(rng.removeprefix("bytes=").split("-")[0])
            rest = PAYLOAD[start:]
            self._body(rest, 206, extra=[("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")])
        else:
            self._body(b"not found", 404)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A loopback HTTP server; stopped (only this one) at teardown."""
    _Handler.hits = {}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _only(path):
    return sorted(p.name for p in path.parent.iterdir())


def test_is_url():
    assert is_url("https://x/y") and is_url("ftp://x/y") and not is_url("/data/x.bw")


def test_http_plain_gzip_and_md5(server, tmp_path):
    fetch(f"{server}/plain.bed", tmp_path / "a.bed", sha256=hashlib.sha256(PAYLOAD).hexdigest(), policy=FAST)
    assert (tmp_path / "a.bed").read_bytes() == PAYLOAD
    fetch(f"{server}/data.bed.gz", tmp_path / "b.bed", md5=hashlib.md5(GZ).hexdigest(), decompress_gzip=True,
          policy=FAST)
    assert (tmp_path / "b.bed").read_bytes() == PAYLOAD
    assert _only(tmp_path / "a.bed") == ["a.bed", "b.bed"]


def test_redirect_is_followed(server, tmp_path):
    fetch(f"{server}/redirect", tmp_path / "r.bed", policy=FAST)
    assert (tmp_path / "r.bed").read_bytes() == PAYLOAD


def test_404_names_url_and_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError, match=r"/missing.bed: HTTP 404") as err:
        fetch(f"{server}/missing.bed", tmp_path / "m.bed", policy=FAST)
    assert "\n" not in str(err.value)
    assert _Handler.hits["/missing.bed"] == [None]  # a 404 is not retried
    assert list(tmp_path.iterdir()) == []


def test_500_then_success_is_retried(server, tmp_path):
    fetch(f"{server}/flaky", tmp_path / "f.bed", policy=FAST)
    assert (tmp_path / "f.bed").read_bytes() == PAYLOAD
    assert len(_Handler.hits["/flaky"]) == 2


def test_truncated_body_fails_after_retries(server, tmp_path):
    with pytest.raises(DownloadError, match=r"/truncated: failed after 4 attempts; last error: truncated"):
        fetch(f"{server}/truncated", tmp_path / "t.bed", policy=FAST)
    assert list(tmp_path.iterdir()) == []


def test_stalled_server_times_out(server, tmp_path):
    policy = RetryPolicy(retries=0, timeout_s=0.5, backoff_s=0.01)
    with pytest.raises(DownloadError, match=r"/stall: .*stalled server"):
        fetch(f"{server}/stall", tmp_path / "s.bed", policy=policy)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_transfer_resumes_with_range(server, tmp_path):
    fetch(f"{server}/resumable", tmp_path / "x.bed", sha256=hashlib.sha256(PAYLOAD).hexdigest(), policy=FAST)
    assert (tmp_path / "x.bed").read_bytes() == PAYLOAD
    assert _Handler.hits["/resumable"] == [None, f"bytes={len(PAYLOAD) // 2}-"]


def test_wrong_checksum_then_good_run(server, tmp_path):
    out = tmp_path / "c.bed"
    with pytest.raises(DownloadError, match=r"/plain.bed: sha256 mismatch: expected 0+, got [0-9a-f]{64}"):
        fetch(f"{server}/plain.bed", out, sha256="0" * 64, policy=FAST)
    assert list(tmp_path.iterdir()) == []
    fetch(f"{server}/plain.bed", out, sha256=hashlib.sha256(PAYLOAD).hexdigest(), policy=FAST)
    assert out.read_bytes() == PAYLOAD


def test_local_checksum_mismatch_leaves_nothing(tmp_path):
    src = tmp_path / "src.bed"
    src.write_bytes(PAYLOAD)
    out = tmp_path / "out" / "x.bed"
    with pytest.raises(DownloadError, match="md5 mismatch"):
        fetch(str(src), out, md5="0" * 32)
    assert not out.exists() and list(out.parent.iterdir()) == []


def test_missing_local_source(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        fetch(str(tmp_path / "nope.bed"), tmp_path / "x.bed")


def test_cli_failure_is_one_line_and_nonzero(server, tmp_path):
    out = tmp_path / "cli.bed"
    proc = subprocess.run([sys.executable, "-m", "seq2track.cli", "fetch", f"{server}/gone", str(out),
                           "--retries", "0"], capture_output=True, text=True)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{server}/gone" in lines[0] and "HTTP 404" in lines[0]
    assert not out.exists()
    ok = subprocess.run([sys.executable, "-m", "seq2track.cli", "fetch", f"{server}/plain.bed", str(out),
                         "--sha256", hashlib.sha256(PAYLOAD).hexdigest()], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert out.read_bytes() == PAYLOAD


def test_url_with_spaces_or_control_characters_is_one_line(tmp_path):
    """Issue 12 item 8: a URL with `$(...)` and spaces gave an http.client.InvalidURL traceback."""
    from seq2track.errors import DownloadError
    from seq2track.io.download import RetryPolicy, fetch

    with pytest.raises(DownloadError, match="spaces or control characters"):
        fetch("http://127.0.0.1:9/a$(rm x) b.fa", tmp_path / "x.fa", policy=RetryPolicy(retries=0))
    assert not list(tmp_path.iterdir())


def test_broken_chunked_body_is_retried_then_one_line(tmp_path):
    """Issue 12 item 10: http.client.IncompleteRead (a chunked body cut short) was a traceback, not retried."""
    import socket
    import threading

    from seq2track.errors import DownloadError
    from seq2track.io.download import RetryPolicy, fetch

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    served = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.recv(4096)
            served.append(1)                             # counted before the client can see the close
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            conn.close()                                 # no terminating chunk

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/f.bed"
    try:
        with pytest.raises(DownloadError, match="failed after 3 attempts"):
            fetch(url, tmp_path / "f.bed", policy=RetryPolicy(retries=2, backoff_s=0.01, timeout_s=5))
    finally:
        server.close()
    assert len(served) == 3 and not list(tmp_path.iterdir())


def test_checksum_list_gives_the_digest(server, tmp_path):
    """Issue 12 item 10: the hg38 config had no checksums although UCSC and GENCODE publish md5 lists."""
    listed = f"{server}/md5sum.txt"
    digests = resolve_checksums(f"{server}/plain.bed", None, None, listed, FAST)
    assert digests == {"sha256": None, "md5": hashlib.md5(PAYLOAD).hexdigest()}
    fetch(f"{server}/plain.bed", tmp_path / "a.bed", **digests, policy=FAST)
    assert (tmp_path / "a.bed").read_bytes() == PAYLOAD
    wrong = resolve_checksums(f"{server}/data.bed.gz", None, None, listed, FAST)  # the list's sha256 is wrong
    with pytest.raises(DownloadError, match="sha256 mismatch"):
        fetch(f"{server}/data.bed.gz", tmp_path / "b.bed", **wrong, policy=FAST)
    with pytest.raises(DownloadError, match=r"md5sum.txt: lists no checksum for 'missing.bed' \(2 entries\)"):
        resolve_checksums(f"{server}/missing.bed", None, None, listed, FAST)
    with pytest.raises(DownloadError, match="the config's md5 0+ differs from"):
        resolve_checksums(f"{server}/plain.bed", None, "0" * 32, listed, FAST)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bed"]


def test_checksum_list_parsing():
    text = "# comment\n" + "a" * 32 + "  hg38.fa.gz\n" + "B" * 64 + " *./sub/x y.gz\nnot a line\n"
    assert parse_checksum_list(text) == {"hg38.fa.gz": ("md5", "a" * 32), "x y.gz": ("sha256", "b" * 64)}
    assert source_file_name("https://h/p/a%20b.ctss.bed.gz?x=1") == "a b.ctss.bed.gz"
