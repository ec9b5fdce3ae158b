"""Learning-rate schedule: linear warm-up, then constant or cosine decay to 0 at the last step."""

from __future__ import annotations

import math

from seq2track.train.config import TrainConfig


def lr_factor(cfg: TrainConfig, total_steps: int):
    """A LambdaLR factor function for ``cfg.warmup_steps`` and ``cfg.lr_schedule``."""
    def factor(step: int) -> float:
        if step < cfg.warmup_steps:
            return (step + 1) / cfg.warmup_steps
        if cfg.lr_schedule == "constant":
            return 1.0
        progress = (step - cfg.warmup_steps) / max(1, total_steps - cfg.warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return factor
