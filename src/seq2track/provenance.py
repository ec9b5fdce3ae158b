"""Provenance saved with every run: config, package versions, git commit, host."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata

from seq2track.io.atomic import write_text_atomic

_PACKAGES = ("seq2track", "torch", "numpy", "pandas", "pysam", "pyBigWig", "snakemake")


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,
                             cwd=os.path.dirname(__file__))
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def provenance(config: dict) -> dict:
    """A JSON-able record of what produced a result."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"created_utc": datetime.now(timezone.utc).isoformat(), "python": sys.version.split()[0],
            "platform": platform.platform(), "versions": versions, "git_commit": _git_commit(), "config": config}


def write_provenance(path: str | os.PathLike, config: dict) -> None:
    write_text_atomic(path, json.dumps(provenance(config), indent=2, default=str))
