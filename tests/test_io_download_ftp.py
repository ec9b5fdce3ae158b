"""Downloads over FTP from a real pyftpdlib server on 127.0.0.1 started by a fixture."""

import gzip
import hashlib
import threading

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import ThreadedFTPServer

from seq2track.errors import DownloadError
from seq2track.io.download import RetryPolicy, fetch

PAYLOAD = b"".join(b"chr1\t%d\t%d\n" % (i, i + 10) for i in range(20000))
FAST = RetryPolicy(retries=2, timeout_s=2.0, backoff_s=0.01)


@pytest.fixture
def ftp(tmp_path):
    """An anonymous, read-only FTP server over a folder; stopped (only this one) at teardown."""
    root = tmp_path / "ftp-root"
    (root / "pub").mkdir(parents=True)
    (root / "pub" / "plain.bed").write_bytes(PAYLOAD)
    (root / "pub" / "data.bed.gz").write_bytes(gzip.compress(PAYLOAD, mtime=0))
    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(str(root))
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    handler.log_prefix = ""
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    commands = []


    handler.pre_process_command = lambda self, line, cmd, arg: (commands.append(cmd),
                                                                 FTPHandler.pre_process_command(self, line, cmd, arg))
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    yield f"ftp://127.0.0.1:{server.address[1]}", commands
    server.close_all()
    thread.join(timeout=5)


def test_ftp_fetch_with_checksum_and_gunzip(ftp, tmp_path):
    url, _ = ftp
    out = tmp_path / "out"
    out.mkdir()
    fetch(f"{url}/pub/plain.bed", out / "a.bed", md5=hashlib.md5(PAYLOAD).hexdigest(), policy=FAST)
    assert (out / "a.bed").read_bytes() == PAYLOAD
    gz = gzip.compress(PAYLOAD, mtime=0)
    fetch(f"{url}/pub/data.bed.gz", out / "b.bed", sha256=hashlib.sha256(gz).hexdigest(), decompress_gzip=True,
          policy=FAST)
    assert (out / "b.bed").read_bytes() == PAYLOAD
    assert sorted(p.name for p in out.iterdir()) == ["a.bed", "b.bed"]


def test_ftp_missing_file_fails_at_once_in_one_line(ftp, tmp_path):
    url, commands = ftp
    with pytest.raises(DownloadError, match=r"/pub/missing.bed: .*550") as err:
        fetch(f"{url}/pub/missing.bed", tmp_path / "m.bed", policy=FAST)
    assert "\n" not in str(err.value)
    assert commands.count("RETR") == 1    # a permanent FTP error (5xx reply) is not retried
    assert not (tmp_path / "m.bed").exists() and not list(tmp_path.glob("m.bed*"))


def test_ftp_checksum_mismatch_leaves_nothing(ftp, tmp_path):
    url, _ = ftp
    with pytest.raises(DownloadError, match="md5 mismatch"):
        fetch(f"{url}/pub/plain.bed", tmp_path / "c.bed", md5="0" * 32, policy=FAST)
    assert not list(tmp_path.glob("c.bed*"))
