"""Fetch a source (http/https/ftp URL or local path) to a local file: streamed, verified, atomic.

A download streams in 1 MiB chunks to a temporary file beside the output, retries with
exponential backoff (connection errors, timeouts, truncated bodies, HTTP 5xx/408/429), resumes
from the bytes already received with an HTTP Range request when the server answers 206, verifies
the sha256 or md5 the config gives, and only then renames onto the output. Nothing is ever held
whole in memory, and nothing is left at the output path on failure.
"""

from __future__ import annotations

import contextlib

import ftplib
import gzip
import hashlib
import http.client
import os
import shutil
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

from seq2track.errors import DownloadError, InputFileError, Seq2TrackError
from seq2track.io.atomic import atomic_path

URL_SCHEMES = ("http://", "https://", "ftp://")
_CHUNK = 1 << 20
_RETRY_HTTP = {408, 429}
_USER_AGENT = "seq2track (+https://github.com/seq2track)"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: ``retries`` extra attempts, socket ``timeout_s``, backoff base ``backoff_s``."""

    retries: int = 4
    timeout_s: float = 60.0
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.backoff_s * 2 ** attempt, self.max_backoff_s)


def is_url(source: str) -> bool:
    """True for http/https/ftp sources."""
    return source.startswith(URL_SCHEMES)


def _ftp_permanent(exc: urllib.error.URLError) -> str:
    """The reply of a permanent FTP error (5xx) behind a urllib error, else ''."""
    cause = exc.__cause__ or exc.__context__
    while cause is not None and not isinstance(cause, ftplib.error_perm):
        cause = cause.__cause__ or cause.__context__
    if cause is None and isinstance(exc.reason, ftplib.error_perm):
        cause = exc.reason
    return " ".join(str(cause).split()) if cause is not None else ""


class _Truncated(Exception):
    """The connection ended before Content-Length bytes arrived (retryable, resumable)."""


def _open(url: str, offset: int, timeout_s: float):
    headers = {"User-Agent": _USER_AGENT}
    if offset and not url.startswith("ftp://"):
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout_s)


def _resumed(resp, offset: int) -> bool:
    """True when the server honoured our Range request from ``offset``."""
    content_range = resp.headers.get("Content-Range", "")
    return offset > 0 and resp.status == 206 and content_range.startswith(f"bytes {offset}-")


class _Digests:
    """Running checksums of the bytes written so far (so verification needs no second pass)."""

    def __init__(self, algorithms: tuple[str, ...]) -> None:
        self.algorithms = algorithms
        self.reset()

    def reset(self) -> None:
        self.hashers = {a: hashlib.new(a) for a in self.algorithms}

    def update(self, chunk: bytes | memoryview) -> None:
        for hasher in self.hashers.values():
            hasher.update(chunk)

    def rehash(self, path: Path) -> None:
        """Restart from the bytes already in ``path`` (a resumed transfer appends to them)."""
        self.reset()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                self.update(chunk)

    def hexdigest(self, algorithm: str) -> str:
        return self.hashers[algorithm].hexdigest()


def _copy(src, out, digests: _Digests) -> int:
    """Stream ``src`` into ``out`` through one reusable buffer; returns the bytes copied."""
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    total = 0
    while n := src.readinto(buf):
        out.write(view[:n])
        digests.update(view[:n])
        total += n
    return total


def _transfer(url: str, part: Path, timeout_s: float, digests: _Digests) -> None:
    """One attempt: append to ``part`` if the server resumes, else rewrite it. Raises on short bodies."""
    offset = part.stat().st_size if part.exists() else 0
    with _open(url, offset, timeout_s) as resp:
        if _resumed(resp, offset):
            digests.rehash(part)
        else:
            offset = 0
            digests.reset()
        length = resp.headers.get("Content-Length")
        expected = offset + int(length) if length is not None else None
        with open(part, "ab" if offset else "wb") as out:
            written = offset + _copy(resp, out, digests)
    if expected is not None and written != expected:
        raise _Truncated(f"truncated body: got {written} of {expected} bytes")


def _fetch_url(url: str, part: Path, policy: RetryPolicy, digests: _Digests) -> None:
    last = ""
    for attempt in range(policy.retries + 1):
        try:
            _transfer(url, part, policy.timeout_s, digests)
            return
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500 and exc.code not in _RETRY_HTTP:
                raise DownloadError(url, last, "check the URL in the config or track sheet") from None
        except urllib.error.URLError as exc:
            last = str(exc.reason)
            if reply := _ftp_permanent(exc):  # 5xx FTP replies (550 no such file, 530 login) will not change
                raise DownloadError(url, f"FTP {reply}", "check the URL in the config or track sheet") from None
        except TimeoutError:
            last = f"no data for {policy.timeout_s:g} s (stalled server)"
        except (_Truncated, OSError, http.client.HTTPException) as exc:  # IncompleteRead: a broken chunked body
            last = str(getattr(exc, "reason", exc)) or type(exc).__name__
        if attempt < policy.retries:
            time.sleep(policy.delay(attempt))
    raise DownloadError(url, f"failed after {policy.retries + 1} attempts; last error: {last}",
                        "check the network and the URL, or raise download.retries / download.timeout_s")


def _verify(digests: _Digests, source: str, expected: dict[str, str | None]) -> None:
    """Raise DownloadError when a given checksum does not match the bytes fetched."""
    for algorithm, want in expected.items():
        if want:
            got = digests.hexdigest(algorithm)
            if got != want.lower():
                raise DownloadError(source, f"{algorithm} mismatch: expected {want.lower()}, got {got}",
                                    f"update the {algorithm} in the config or re-fetch the source")


def _gunzip_in_place(path: Path) -> None:
    with open(path, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return
    plain = path.with_name(path.name + ".plain")
    try:
        with gzip.open(path, "rb") as src, open(plain, "wb") as out:
            shutil.copyfileobj(src, out, _CHUNK)
        os.replace(plain, path)
    except (OSError, EOFError) as exc:
        raise InputFileError(str(path), f"is not valid gzip ({exc})", "re-fetch the source") from None
    finally:
        plain.unlink(missing_ok=True)


def fetch(source: str, dest: str | os.PathLike, sha256: str | None = None, md5: str | None = None,
          decompress_gzip: bool = False, policy: RetryPolicy | None = None) -> Path:
    """Copy or download ``source`` to ``dest``; verify ``sha256``/``md5`` of the source bytes when given.

    With ``decompress_gzip`` a gzipped source (by magic bytes) is written decompressed.
    Nothing is left at ``dest`` (or beside it) on failure.
    """
    dest = Path(dest)
    policy = policy or RetryPolicy()
    if is_url(source) and any(ch.isspace() or ord(ch) < 32 for ch in source):
        raise DownloadError(source, "the URL contains spaces or control characters",
                            "percent-encode them (%20 for a space) or fix the URL")
    expected = {"sha256": sha256, "md5": md5}
    digests = _Digests(tuple(a for a, want in expected.items() if want))
    with atomic_path(dest, suffix=".part") as part:
        if is_url(source):
            part.unlink()  # a fresh transfer; retries within this call resume from what arrived
            _fetch_url(source, part, policy, digests)
        else:
            if not Path(source).is_file():
                raise InputFileError(source, "source file does not exist", "fix the path in the config or track sheet")
            with open(source, "rb") as src, open(part, "wb") as out:
                _copy(src, out, digests)
        _verify(digests, source, expected)
        if decompress_gzip:
            _gunzip_in_place(part)
    return dest


HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml")


@contextlib.contextmanager
def named_as_source(local: str | os.PathLike, source: str, kind: str):
    """Errors raised while preparing the downloaded copy ``local`` name the user's ``source`` instead, in one
    line; an HTML page (a server's error page) or unreadable bytes (random, truncated gzip) get a clear message."""
    local = str(local)
    with open(local, "rb") as fh:
        head = fh.read(512).lstrip().lower()
    if head.startswith(HTML_STARTS):
        raise InputFileError(source, f"is an HTML page, not a {kind} (an error or login page from the server?)",
                             "check the URL in a browser and point to the file itself")
    try:
        yield
    except Seq2TrackError as exc:
        what = exc.what.replace(local, source) if local in exc.what else f"{source} ({exc.what})"
        raise type(exc)(what, exc.problem.replace(local, source), exc.fix) from exc
    except (OSError, EOFError, UnicodeDecodeError, ValueError, zlib.error) as exc:
        detail = str(exc).replace(local, "the downloaded copy")
        raise InputFileError(source, f"cannot be read as a {kind} ({type(exc).__name__}: {detail})",
                             "check that the source is the file you meant and is complete (not truncated)") from exc
