"""The training loop. Seeded, deterministic on CPU; uses CUDA when present.

Loss: Poisson NLL of the observed binned counts given predicted rates. Optimiser: AdamW with linear
warm-up. Each epoch: validation loss and Pearson r per track; ``last.ckpt`` every epoch and ``best.ckpt``
when the mean validation Pearson r improves; one row per epoch in ``history.tsv``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from seq2track.data.dataset import WindowDataset
from seq2track.device import resolve_device
from seq2track.io.atomic import atomic_path
from seq2track.metrics import pearson_per_track
from seq2track.model.checkpoint import save_checkpoint
from seq2track.model.config import ModelConfig
from seq2track.model.convert import init_from_pretrained
from seq2track.model.trunk import Seq2Track

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    batch_size: int = 4
    learning_rate: float = 5e-4
    weight_decay: float = 1e-3
    warmup_steps: int = 50
    clip_grad_norm: float = 1.0
    max_shift_bp: int = 3          # shift augmentation, +- bp
    augment: bool = True           # reverse complement + shifts on the training split
    seed: int = 1
    device: str = "auto"
    num_threads: int = 0           # CPU threads; 0 keeps torch's default
    precision: str = "fp32"        # fp32 | bf16 (autocast)
    init_from: str | None = None   # pretrained seq2track checkpoint or enformer-pytorch weights
    freeze_trunk: bool = False     # with init_from: only the heads train


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


@torch.no_grad()
def predict_arrays(model: Seq2Track, dataset: WindowDataset, batch_size: int, device: torch.device
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Predictions and targets (N, out_bins, T) for a whole split, in order."""
    model.eval()
    preds, obs = [], []
    for x, y in DataLoader(dataset, batch_size=batch_size, shuffle=False):
        preds.append(model(x.to(device)).float().cpu().numpy())
        obs.append(y.numpy())
    return np.concatenate(preds), np.concatenate(obs)


def _autocast(cfg: TrainConfig, device: torch.device):
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")


def _epoch(model, loader, optimizer, scheduler, cfg: TrainConfig, device) -> float:
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        with _autocast(cfg, device):
            pred = model(x)
        loss = F.poisson_nll_loss(pred.float(), y, log_input=False, full=False)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip_grad_norm)
        optimizer.step()
        scheduler.step()
        total, n = total + loss.item() * len(x), n + len(x)
    return total / max(n, 1)


def train(data_dir: str | os.PathLike, model_cfg: ModelConfig, cfg: TrainConfig, out_dir: str | os.PathLike,
          run_config: dict) -> pd.DataFrame:
    """Fit a model on ``data_dir``'s train split, validate on valid; write checkpoints and history."""
    out = Path(out_dir)
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device, cfg.num_threads)
    train_set = WindowDataset(data_dir, "train", augment=cfg.augment, max_shift_bp=cfg.max_shift_bp, seed=cfg.seed)
    valid_set = WindowDataset(data_dir, "valid")
    tracks = json.loads((Path(data_dir) / "meta.json").read_text())["tracks"]
    model = Seq2Track(model_cfg)
    if cfg.init_from:
        init_from_pretrained(model, cfg.init_from, cfg.freeze_trunk)
    model = model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / cfg.warmup_steps))
    history, best = [], -np.inf
    full_config = {**run_config, "train_resolved": asdict(cfg), "model_resolved": model_cfg.to_dict()}
    for epoch in range(cfg.epochs):
        t0 = time.perf_counter()
        train_set.set_epoch(epoch)
        loader = DataLoader(train_set, batch_size=cfg.batch_size, shuffle=True,
                            generator=torch.Generator().manual_seed(cfg.seed + epoch))
        train_loss = _epoch(model, loader, optimizer, scheduler, cfg, device)
        pred, obs = predict_arrays(model, valid_set, cfg.batch_size, device)
        valid_loss = float(F.poisson_nll_loss(torch.from_numpy(pred), torch.from_numpy(obs), log_input=False))
        r = pearson_per_track(pred, obs)
        mean_r = float(np.nanmean(r)) if np.isfinite(r).any() else float("nan")
        row = {"epoch": epoch + 1, "train_loss": train_loss, "valid_loss": valid_loss,
               "valid_pearson_mean": mean_r, "seconds": time.perf_counter() - t0,
               **{f"valid_pearson_{t}": float(v) for t, v in zip(tracks, r)}}
        history.append(row)
        log.info("epoch %d train_loss %.4f valid_loss %.4f valid_r %.3f (%.0f s)", epoch + 1, train_loss,
                 valid_loss, row["valid_pearson_mean"], row["seconds"])
        save_checkpoint(out / "last.ckpt", model, full_config, epoch=epoch + 1, metrics=row)
        score = mean_r if np.isfinite(mean_r) else -np.inf
        if epoch == 0 or score > best:
            best = score
            save_checkpoint(out / "best.ckpt", model, full_config, epoch=epoch + 1, metrics=row)
    hist = pd.DataFrame(history)
    with atomic_path(out / "history.tsv") as tmp:
        hist.to_csv(tmp, sep="\t", index=False)
    return hist
