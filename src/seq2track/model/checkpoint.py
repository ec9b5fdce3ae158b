"""Checkpoints: weights + model config + the resolved run config, loadable with weights_only=True."""

from __future__ import annotations

import os

import torch

from seq2track.errors import InputFileError
from seq2track.io.atomic import atomic_path
from seq2track.model.config import ModelConfig
from seq2track.model.network import Seq2Track


def save_checkpoint(path: str | os.PathLike, model: Seq2Track, run_config: dict, **extra) -> None:
    """Write weights, the model config and ``run_config`` (plain types only) atomically."""
    payload = {"model_config": model.cfg.to_dict(), "state_dict": model.state_dict(), "run_config": run_config,
               **extra}
    with atomic_path(path, suffix=".ckpt") as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> tuple[Seq2Track, dict]:
    """Rebuild the model from a checkpoint alone; returns (model in eval mode, payload)."""
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except (OSError, RuntimeError) as exc:
        raise InputFileError(str(path), f"cannot be loaded as a seq2track checkpoint ({exc})",
                             "retrain or point to a valid checkpoint") from exc
    # checkpoints written before output_activation existed were all trained with softplus heads
    model = Seq2Track(ModelConfig(**{"output_activation": "softplus", **payload["model_config"]}))
    model.load_state_dict(payload["state_dict"])
    model.eval()
    return model.to(map_location), payload
