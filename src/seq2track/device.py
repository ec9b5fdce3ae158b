"""Device choice shared by train, predict and interpret."""

from __future__ import annotations

import torch

from seq2track.errors import ConfigError


def resolve_device(name: str = "auto", num_threads: int = 0) -> torch.device:
    """'auto' -> CUDA when present, else CPU; ``num_threads`` > 0 sets CPU threads."""
    if num_threads > 0:
        torch.set_num_threads(num_threads)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device", f"'{name}' requested but no CUDA device is visible", "use 'auto' or 'cpu'")
    return torch.device(name)
