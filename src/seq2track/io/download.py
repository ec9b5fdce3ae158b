"""Fetch a source (http/https/ftp URL or local path) to a local file, verified and atomic."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

from seq2track.errors import DownloadError, InputFileError
from seq2track.io.atomic import atomic_path

URL_SCHEMES = ("http://", "https://", "ftp://")
_CHUNK = 1 << 20


def is_url(source: str) -> bool:
    """True for http/https/ftp sources."""
    return source.startswith(URL_SCHEMES)


def sha256sum(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stream_url(url: str, dest: Path, timeout_s: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout_s) as resp, open(dest, "wb") as out:
        expected = resp.headers.get("Content-Length")
        written = 0
        for chunk in iter(lambda: resp.read(_CHUNK), b""):
            out.write(chunk)
            written += len(chunk)
    if expected is not None and written != int(expected):
        raise DownloadError(url, f"truncated: got {written} of {expected} bytes", "retry the download")


def _fetch_url(url: str, dest: Path, retries: int, timeout_s: float) -> None:
    for attempt in range(retries + 1):
        try:
            _stream_url(url, dest, timeout_s)
            return
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500 or attempt == retries:
                raise DownloadError(url, reason, "check the URL in the config or track sheet") from exc
        except (urllib.error.URLError, TimeoutError, OSError, DownloadError) as exc:
            if attempt == retries:
                raise DownloadError(url, f"failed after {retries + 1} attempts: {exc}",
                                    "check the network or the URL") from exc
        time.sleep(min(2 ** attempt, 30))


def fetch(source: str, dest: str | os.PathLike, sha256: str | None = None, decompress_gzip: bool = False,
          retries: int = 3, timeout_s: float = 60.0) -> Path:
    """Copy or download ``source`` to ``dest``; verify ``sha256`` (of the source bytes) when given.

    With ``decompress_gzip`` a gzipped source (by magic bytes) is written decompressed.
    Nothing is left at ``dest`` on failure.
    """
    dest = Path(dest)
    with atomic_path(dest, suffix=".raw") as raw:
        if is_url(source):
            _fetch_url(source, raw, retries, timeout_s)
        else:
            if not Path(source).is_file():
                raise InputFileError(source, "source file does not exist", "fix the path in the config or track sheet")
            shutil.copyfile(source, raw)
        if sha256:
            got = sha256sum(raw)
            if got != sha256.lower():
                raise DownloadError(source, f"sha256 mismatch: expected {sha256}, got {got}",
                                    "update the checksum or re-fetch the source")
        with open(raw, "rb") as fh:
            gzipped = fh.read(2) == b"\x1f\x8b"
        if decompress_gzip and gzipped:
            plain = raw.with_name(raw.name + ".plain")
            try:
                with gzip.open(raw, "rb") as src, open(plain, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
                os.replace(plain, raw)
            finally:
                plain.unlink(missing_ok=True)
    return dest
