"""Checksums a source's publisher lists beside it (UCSC ``md5sum.txt``, GENCODE ``MD5SUMS``, ``SHA256SUMS``).

A config may name such a list (``checksums_from``) instead of copying a digest by hand: the list is fetched
(small; same retries as the source), the line for the source's file name is found, and its digest (md5 for
32 hex digits, sha256 for 64) is verified like a digest written in the config. A list without the file, or
a digest that contradicts one given in the config, stops the job before the source is downloaded.
"""

from __future__ import annotations

import re
import tempfile
import urllib.parse
from pathlib import Path, PurePosixPath

from seq2track.errors import DownloadError
from seq2track.io.download import RetryPolicy, fetch, is_url

_LINE = re.compile(r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{64})\s+\*?(?:\./)?(\S.*?)\s*$")
_ALGORITHM = {32: "md5", 64: "sha256"}


def source_file_name(source: str) -> str:
    """The file name a checksum list uses for ``source`` (URL path or local path, percent-decoded)."""
    path = urllib.parse.urlparse(source).path if is_url(source) else source
    return PurePosixPath(urllib.parse.unquote(path)).name


def parse_checksum_list(text: str) -> dict[str, tuple[str, str]]:
    """{file name: (algorithm, digest)} from ``<digest>  <name>`` lines (``*name`` and ``./name`` too)."""
    entries = {}
    for line in text.splitlines():
        if m := _LINE.match(line.strip()):
            digest, name = m.group(1).lower(), m.group(2)
            entries[PurePosixPath(name).name] = (_ALGORITHM[len(digest)], digest)
    return entries


def resolve_checksums(source: str, sha256: str | None, md5: str | None, checksums_from: str | None,
                      policy: RetryPolicy | None = None) -> dict[str, str | None]:
    """``{"sha256": .., "md5": ..}`` for ``fetch``: the config's digests, completed from ``checksums_from``."""
    digests = {"sha256": sha256 or None, "md5": md5 or None}
    if not checksums_from:
        return digests
    name = source_file_name(source)
    with tempfile.TemporaryDirectory(prefix="seq2track-checksums-") as tmp:
        listed = Path(fetch(checksums_from, Path(tmp) / "list", policy=policy)).read_text(errors="replace")
    entries = parse_checksum_list(listed)
    if name not in entries:
        raise DownloadError(checksums_from, f"lists no checksum for '{name}' ({len(entries)} entries)",
                            "point checksums_from at the list published beside the source, or set sha256/md5")
    algorithm, digest = entries[name]
    if digests[algorithm] and digests[algorithm].lower() != digest:
        raise DownloadError(source, f"the config's {algorithm} {digests[algorithm]} differs from {digest} in "
                            f"{checksums_from}", f"remove one of them or fix the {algorithm}")
    digests[algorithm] = digest
    return digests
