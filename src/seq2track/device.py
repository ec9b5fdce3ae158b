"""Device choice shared by train, predict and interpret."""

from __future__ import annotations

import ctypes
import logging
import os

import torch

from seq2track.errors import ConfigError

log = logging.getLogger(__name__)

CPU_MALLOC_ENV = "SEQ2TRACK_CPU_MALLOC"  # "tuned" (default) or "default": glibc's own settings
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt parameters from glibc's malloc.h
_allocator_tuned: bool | None = None


def tune_cpu_allocator() -> bool:
    """Keep freed tensor memory in glibc's heap instead of returning it to the system.

    By default glibc serves every allocation above a few MB with a fresh mmap and unmaps it on free,
    so each large activation of every training step is page-faulted and zeroed again by the kernel.
    Disabling mmap for chunks and raising the trim threshold lets such memory be reused once the heap
    has grown to fit a step: a CPU training step (forward, backward, AdamW) ran 10-11% faster at the
    ``demo`` and ``small`` presets for 9% more peak RSS, which stays flat over steps. Results are
    unchanged. Set SEQ2TRACK_CPU_MALLOC=default to opt out (``bench/model_speed.py --cpu-malloc``).
    Returns whether the settings are in effect (False on non-glibc systems).
    """
    global _allocator_tuned
    if _allocator_tuned is None:
        _allocator_tuned = False
        if os.environ.get(CPU_MALLOC_ENV, "tuned") != "default":
            try:
                libc = ctypes.CDLL("libc.so.6")
                _allocator_tuned = bool(libc.mallopt(_M_MMAP_MAX, 0) and libc.mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1))
            except (OSError, AttributeError):  # not glibc
                log.debug("CPU allocator left as is: no glibc mallopt")
    return _allocator_tuned


def resolve_device(name: str = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU; an error when CUDA is asked for and absent. No side effects."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device", f"'{name}' requested but no CUDA device is visible", "use 'auto' or 'cpu'")
    return torch.device(name)


def setup_device(name: str = "auto", num_threads: int = 0) -> torch.device:
    """The device for a compute job, set up process-wide: ``num_threads`` > 0 sets torch's CPU threads,
    and on CPU the allocator is tuned for tensor workloads (``tune_cpu_allocator``)."""
    if num_threads > 0:
        torch.set_num_threads(num_threads)
    device = resolve_device(name)
    if device.type == "cpu":
        tune_cpu_allocator()
    return device
