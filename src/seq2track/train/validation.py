"""Validation during training: predictions of a split (sharded over ranks), loss and Pearson r per track."""

from __future__ import annotations

import functools
import logging

import numpy as np
import torch

from seq2track.metrics import pearson_per_track
from seq2track.model.inference import predict_dataset
from seq2track.model.network import Seq2Track
from seq2track.train import distributed as ddp
from seq2track.train.config import TrainConfig


log = logging.getLogger(__name__)


def autocast(cfg: TrainConfig, device: torch.device):
    """bf16 autocast when ``cfg.precision`` is bf16 (the model's output head stays fp32 either way)."""
    if cfg.precision == "bf16" and device.type == "cpu":
        _warn_unless_native_bf16()
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")


@functools.cache
def _warn_unless_native_bf16() -> None:
    """Once per process: bf16 on a CPU without bf16 instructions (AVX512-BF16 or AMX) is emulated, slower than fp32."""
    native = [getattr(torch.cpu, name, lambda: False)() for name in ("_is_avx512_bf16_supported",
                                                                      "_is_amx_tile_supported")]
    if not any(native):
        log.warning("train.precision is bf16 but this CPU has no AVX512-BF16/AMX instructions: bf16 is emulated "
                    "here and likely slower than fp32; set train.precision: fp32 in the config")


def validate(module: Seq2Track, valid_set, cfg: TrainConfig, ctx: ddp.DistContext, tracks: list[str],
              loss_fn) -> dict:
    """Validation metrics on rank 0 (every rank predicts its shard); {} on the other ranks."""
    shard = torch.utils.data.Subset(valid_set, list(range(ctx.rank, len(valid_set), ctx.world_size)))
    with autocast(cfg, ctx.device):
        pred, obs = predict_dataset(module, shard, max(1, cfg.batch_size // ctx.world_size), ctx.device)
    parts = ddp.gather_objects(ctx, (pred, obs))
    if not ctx.is_main:
        return {}
    pred = np.concatenate([p for p, _ in parts if p.size])
    obs = np.concatenate([o for _, o in parts if o.size])
    valid_loss = float(loss_fn(torch.from_numpy(pred), torch.from_numpy(obs)))
    r = pearson_per_track(pred, obs)
    mean_r = float(np.nanmean(r)) if np.isfinite(r).any() else float("nan")
    return {"valid_loss": valid_loss, "valid_pearson_mean": mean_r,
            **{f"valid_pearson_{t}": float(v) for t, v in zip(tracks, r)}}
