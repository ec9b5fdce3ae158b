"""Resumable training state: weights, optimizer, scheduler, RNG streams of every rank, data position.

The state lives in ``<out>/resume/`` (not a declared workflow output, so Snakemake does not delete it
when a killed job is rerun) and is written atomically; a fingerprint of the configuration makes a
changed config start afresh instead of resuming something else.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
from pathlib import Path

import numpy as np
import torch

from seq2track.io.atomic import atomic_path

log = logging.getLogger(__name__)
STATE_FILE = "state.ckpt"
BEST_FILE = "best.ckpt"


def fingerprint(*parts: dict) -> str:
    """A short hash of the settings that define a training run (JSON, sorted keys)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def rng_state() -> dict:
    """This process's random streams (torch CPU, CUDA, numpy, random)."""
    _, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {"torch": torch.get_rng_state(), "numpy": [torch.from_numpy(keys.astype(np.int64)), int(pos),
                                                       int(has_gauss), float(gauss)],
             "python": list(random.getstate()[1])}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state(("MT19937", keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    random.setstate((3, tuple(state["python"]), None))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def save_state(state_dir: Path, payload: dict) -> None:
    """Write the resumable state atomically (rank 0 only)."""
    with atomic_path(state_dir / STATE_FILE, suffix=".ckpt") as tmp:
        torch.save(payload, tmp)


def load_state(state_dir: Path, expected_fingerprint: str) -> dict | None:
    """The saved state when it belongs to this configuration, else None (and a log line saying why)."""
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError) as exc:
        log.warning("ignoring unreadable training state %s (%s); starting afresh", path, exc)
        return None
    if payload.get("fingerprint") != expected_fingerprint:
        log.warning("training state %s was written for another configuration; starting afresh", path)
        return None
    return payload


def clear_state(state_dir: Path) -> None:
    """Remove the resumable state after a completed run (a forced rerun then starts afresh)."""
    for name in (STATE_FILE, BEST_FILE):
        (state_dir / name).unlink(missing_ok=True)
    try:
        os.rmdir(state_dir)
    except OSError:
        pass
