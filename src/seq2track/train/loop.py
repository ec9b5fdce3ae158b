"""The training loop: data-parallel over ranks, resumable, seeded and deterministic on CPU.

Loss: Poisson NLL of the observed binned counts given predicted rates, or Borzoi's Poisson-multinomial
(``train.loss``; see ``losses``). The output head starts at each track's mean training target
(``head_bias_init``; ``Seq2Track.init_head_bias`` says why). AdamW, linear warm-up, then constant or
cosine learning rate; gradient clipping; optional bf16 autocast. Each global batch of ``batch_size``
windows comes from a permutation seeded by (seed, epoch), split evenly over the ranks (same gradient as
one process). Each epoch: validation loss and Pearson r per track (sharded over ranks, gathered on rank
0); ``last.ckpt`` every epoch and ``best.ckpt``: the best mean validation r's epoch, or the last with
``train.checkpoint: last`` (with ``train.ema_decay``, validation and checkpoints use the moving average,
``averaging``); optional early stopping; one row per epoch in ``history.tsv``. The full state (weights,
optimizer, scheduler, RNG streams of every rank, epoch and batch position) goes to ``<out>/resume/state.ckpt``
every ``checkpoint_every_steps`` steps and at each epoch end; a rerun resumes from it. SIGUSR1 or SIGTERM
(Slurm's pre-timeout signal) saves the state at the next step and, under Slurm with ``requeue``, requeues it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from seq2track.data.dataset import WindowDataset
from seq2track.data.spec import DataSpec
from seq2track.errors import ConfigError
from seq2track.io.atomic import atomic_path
from seq2track.model.checkpoint import save_checkpoint
from seq2track.model.config import ModelConfig
from seq2track.model.convert import init_from_pretrained
from seq2track.model.network import Seq2Track
from seq2track.train import distributed as ddp
from seq2track.train.averaging import make_ema
from seq2track.train.batchnorm import recalibrate_on_windows
from seq2track.train.curves import progress_bar, warn_if_plateau
from seq2track.train.config import PLATEAU_R, RUN_ONLY_KEYS, TrainConfig, seed_everything
from seq2track.train.losses import make_loss, null_deviance_weights, scaled_track_weights
from seq2track.train.sampler import EpochBatches, GlobalBatches, training_loader
from seq2track.train.schedule import lr_factor
from seq2track.train.signals import StopRequest, requeue_slurm_job
from seq2track.train.validation import autocast, validate
from seq2track.train.state import BEST_FILE, clear_state, fingerprint, load_state, rng_state, save_state, set_rng_state

log = logging.getLogger(__name__)


class Trainer:
    """One training run on one rank; ``run()`` returns the history (rank 0) or an empty frame."""

    def __init__(self, data_dir: str | os.PathLike, model_cfg: ModelConfig, cfg: TrainConfig,
                 out_dir: str | os.PathLike, run_config: dict) -> None:
        self.data_dir, self.model_cfg, self.cfg = Path(data_dir), model_cfg, cfg
        self.out, self.state_dir = Path(out_dir), Path(out_dir) / "resume"
        self.ctx = ddp.init_distributed(cfg.device, cfg.num_threads)
        if cfg.batch_size % self.ctx.world_size:
            raise ConfigError("train.batch_size", f"{cfg.batch_size} does not split over {self.ctx.world_size} ranks",
                              "make the batch size a multiple of the number of tasks")
        log.info("rank %d of %d on %s, device %s%s", self.ctx.rank, self.ctx.world_size, socket.gethostname(),
                 self.ctx.device, f", Slurm job {os.environ['SLURM_JOB_ID']}" if "SLURM_JOB_ID" in os.environ else "")
        seed_everything(cfg.seed)
        self.train_set = WindowDataset(data_dir, "train", augment=cfg.augment, max_shift_bp=cfg.max_shift_bp,
                                       seed=cfg.seed, random_offset=cfg.random_offset)
        self.valid_set = WindowDataset(data_dir, "valid")
        self.data_spec = DataSpec.read(self.data_dir / "meta.json")
        self.data_spec.check_model(model_cfg.bin_size_bp, model_cfg.crop_bins, model_cfg.num_tracks)
        self.tracks = self.data_spec.track_ids
        means, mean_ylogy = self.train_set.track_moments()
        self.loss_fn = make_loss(cfg.loss, cfg.loss_total_weight, self._track_weights(means, mean_ylogy))
        model = Seq2Track(model_cfg)
        if cfg.head_bias_init:  # pretrained heads loaded below replace this start
            model.init_head_bias(torch.from_numpy(means))
            log.info("head bias initialised at the training means %s",
                     ", ".join(f"{t} {m:.3g}" for t, m in zip(self.tracks, means)))
        if cfg.init_from:
            init_from_pretrained(model, cfg.init_from, cfg.freeze_trunk)
        if self.ctx.distributed and self.ctx.device.type == "cuda":  # SyncBatchNorm is GPU-only in torch;
            model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)  # on CPU each rank normalises its share
        self.module = model.to(self.ctx.device)
        device_ids = [self.ctx.device] if self.ctx.device.type == "cuda" else None
        self.model = DistributedDataParallel(self.module, device_ids) if self.ctx.distributed else self.module
        self.ema = make_ema(self.module, cfg.ema_decay)  # when on, the averaged weights are validated and saved
        trainable = [p for p in self.module.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        self.steps_per_epoch = GlobalBatches(len(self.train_set), cfg.batch_size, self.ctx, None,
                                              accumulation=cfg.grad_accumulation).batches_per_epoch()
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lr_factor(cfg, cfg.epochs * self.steps_per_epoch))
        resolved = {k: v for k, v in asdict(cfg).items() if k not in RUN_ONLY_KEYS}
        self.full_config = {**run_config, "train_resolved": asdict(cfg), "model_resolved": model_cfg.to_dict(),
                            "world_size": self.ctx.world_size}
        self.fingerprint = fingerprint(run_config, resolved, model_cfg.to_dict(), {"world": self.ctx.world_size})
        self.epoch, self.batch_in_epoch, self.step = 0, 0, 0
        self.history: list[dict] = []
        self.best, self.stale = -np.inf, 0
        self.stop = StopRequest()
        self._batches, self._train_loader = EpochBatches(), None
        self._epoch_loss: tuple[float, int] = (0.0, 0)  # this epoch's loss sum and windows (saved with the state)

    def _track_weights(self, means: np.ndarray, mean_ylogy: np.ndarray) -> torch.Tensor | None:
        """Per-track loss weights for ``train.track_weights`` and ``track_loss_weights``; None for uniform."""
        try:
            base = null_deviance_weights(means, mean_ylogy, self.cfg.track_weight_power) \
                if self.cfg.track_weights == "null_deviance" else None
        except ValueError as exc:
            raise ConfigError("train.track_weights", f"{exc} ({self.data_dir})",
                              "set train.track_weights: uniform, or check the track's source") from exc
        weights = scaled_track_weights(list(self.tracks), base, self.cfg.track_loss_weights)
        if weights is None:
            return None
        log.info("track loss weights %s", ", ".join(f"{t} {w:.3g}" for t, w in zip(self.tracks, weights)))
        return torch.from_numpy(weights).float().to(self.ctx.device)

    # ---------------------------------------------------------------- state
    def _save_state(self) -> None:
        states = ddp.gather_objects(self.ctx, rng_state())
        if self.ctx.is_main:
            save_state(self.state_dir, {
                "fingerprint": self.fingerprint, "model": self.module.state_dict(),
                "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch, "step": self.step,
                "history": self.history, "best": float(self.best), "stale": self.stale, "rng": states,
                "epoch_loss": list(self._epoch_loss), "ema": self.ema.state_dict() if self.ema else None})
        if self.ctx.distributed:
            torch.distributed.barrier()

    def _resume(self) -> None:
        payload = ddp.broadcast_object(self.ctx, load_state(self.state_dir, self.fingerprint)
                                       if self.ctx.is_main else None)
        if payload is None:
            return
        self.module.load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scheduler.load_state_dict(payload["scheduler"])
        if self.ema:
            self.ema.load_state_dict(payload["ema"])
        self.epoch, self.batch_in_epoch, self.step = payload["epoch"], payload["batch_in_epoch"], payload["step"]
        self.history, self.best, self.stale = payload["history"], payload["best"], payload["stale"]
        self._epoch_loss = tuple(payload.get("epoch_loss", (0.0, 0)))  # the resumed epoch's loss so far
        set_rng_state(payload["rng"][self.ctx.rank])
        log.info("resumed from %s at epoch %d, batch %d (step %d)", self.state_dir, self.epoch + 1,
                 self.batch_in_epoch, self.step)

    # ---------------------------------------------------------------- steps
    def _train_step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        x, y = x.to(self.ctx.device), y.to(self.ctx.device)
        self.optimizer.zero_grad(set_to_none=True)
        parts = max(1, min(self.cfg.grad_accumulation, len(x)))
        total = 0.0
        for j in range(parts):  # micro-batch j = share[j::parts]; gradients sum to the full-batch mean
            xj, yj = x[j::parts], y[j::parts]
            sync = j == parts - 1 or not self.ctx.distributed
            with autocast(self.cfg, self.ctx.device), (contextlib.nullcontext() if sync else self.model.no_sync()):
                pred = self.model(xj)
                loss = self.loss_fn(pred.float(), yj)
                (loss * len(xj) / len(x)).backward()
            total += loss.item() * len(xj) / len(x)
        torch.nn.utils.clip_grad_norm_(self.module.parameters(), self.cfg.clip_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        if self.ema:
            self.ema.update_parameters(self.module)
        return total

    def _epoch(self) -> tuple[float, bool]:
        """Train one (possibly resumed) epoch; returns (mean loss over this rank's batches, interrupted)."""
        self.model.train()
        self.train_set.set_epoch(self.epoch)
        gen = torch.Generator().manual_seed(self.cfg.seed + self.epoch)
        torch.empty((), dtype=torch.int64).random_(generator=gen)  # the draw DataLoader(generator=gen) made
        # before the permutation when it got this generator: kept so that shuffles match earlier runs
        batches = GlobalBatches(len(self.train_set), self.cfg.batch_size, self.ctx, gen, skip=self.batch_in_epoch,
                                 accumulation=self.cfg.grad_accumulation)
        loader = self._loader(batches)
        bar = progress_bar(len(batches), f"epoch {self.epoch + 1}", self.ctx.is_main)
        total, n = self._epoch_loss if self.batch_in_epoch else (0.0, 0)
        n0, t0 = n, time.perf_counter()
        for x, y in loader:
            x, y = torch.as_tensor(x), torch.as_tensor(y)
            loss = self._train_step(x, y)
            total, n = total + loss * len(x), n + len(x)
            self._epoch_loss = (total, n)
            self.batch_in_epoch += 1
            self.step += 1
            if bar:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}")
            elif self.ctx.is_main and self.cfg.log_every_steps and self.step % self.cfg.log_every_steps == 0:
                log.info("epoch %d batch %d/%d step %d loss %.4f lr %.2e (%.1f windows/s)", self.epoch + 1,
                         self.batch_in_epoch, self.steps_per_epoch, self.step, loss,
                         self.scheduler.get_last_lr()[0], (n - n0) * self.ctx.world_size / (time.perf_counter() - t0))
            every = self.cfg.checkpoint_every_steps
            if every and self.step % every == 0 and self.batch_in_epoch < self.steps_per_epoch:
                self._save_state()
            if ddp.any_rank(self.ctx, self.stop.requested):
                if bar:
                    bar.close()
                return total / max(n, 1), True
        if bar:
            bar.close()
        return total / max(n, 1), False

    def _loader(self, batches: GlobalBatches) -> DataLoader:
        """The run's one training DataLoader (its workers persist over epochs), set to this epoch's batches."""
        self._batches.set(batches, self.epoch)
        if self._train_loader is None:
            self._train_loader = training_loader(self.train_set, self._batches, self.cfg.num_workers, self.cfg.seed)
        return self._train_loader

    @property
    def eval_module(self) -> Seq2Track:
        """The weights that are validated and saved: the moving average when ``ema_decay`` is on."""
        return self.ema.module if self.ema else self.module

    def _checkpoint(self, path: Path, row: dict) -> None:
        save_checkpoint(path, self.eval_module, self.full_config, data_spec=self.data_spec.to_dict(),
                        epoch=self.epoch + 1, metrics=row)

    def _end_epoch(self, train_loss: float, seconds: float) -> bool:
        """Validate, write checkpoints and history; True when early stopping says stop."""
        self._recalibrate_batchnorm()
        metrics = validate(self.eval_module, self.valid_set, self.cfg, self.ctx, self.tracks, self.loss_fn)
        stop = False
        if self.ctx.is_main:
            row = {"epoch": self.epoch + 1, "train_loss": train_loss, **metrics, "seconds": seconds}
            self.history.append(row)
            log.info("epoch %d train_loss %.4f valid_loss %.4f valid_r %.3f (%.0f s)", self.epoch + 1, train_loss,
                     row["valid_loss"], row["valid_pearson_mean"], seconds)
            self._checkpoint(self.out / "last.ckpt", row)
            score = row["valid_pearson_mean"] if np.isfinite(row["valid_pearson_mean"]) else -np.inf
            if self.epoch == 0 or score > self.best:
                self.best, self.stale = score, 0
                self._checkpoint(self.state_dir / BEST_FILE, row)
            else:
                self.stale += 1
            warn_if_plateau(len(self.history), self.cfg.plateau_warning_epochs, self.best, PLATEAU_R)
            patience = self.cfg.early_stopping_patience
            stop = bool(patience and self.stale >= patience)
            if stop:
                log.info("early stopping: no better validation r for %d epochs", patience)
        return ddp.broadcast_object(self.ctx, stop)

    def _recalibrate_batchnorm(self) -> None:
        """Precise BatchNorm statistics from fixed, evenly spaced training windows (the same on every rank)."""
        per_batch = max(1, self.cfg.batch_size // (self.ctx.world_size * self.cfg.grad_accumulation))
        with autocast(self.cfg, self.ctx.device):
            recalibrate_on_windows(self.eval_module, self.train_set, self.cfg.bn_recalibration_windows, per_batch,
                                   self.ctx.device)

    def _finish(self) -> pd.DataFrame:
        hist = pd.DataFrame(self.history)
        if self.ctx.is_main:
            kept = self.out / "last.ckpt" if self.cfg.checkpoint == "last" else self.state_dir / BEST_FILE
            with atomic_path(self.out / "best.ckpt") as tmp:
                shutil.copyfile(kept, tmp)
            with atomic_path(self.out / "history.tsv") as tmp:
                hist.to_csv(tmp, sep="\t", index=False)
            clear_state(self.state_dir)
        return hist

    def run(self) -> pd.DataFrame:
        self.out.mkdir(parents=True, exist_ok=True)
        self._resume()
        stopped_early = bool(self.history) and self.cfg.early_stopping_patience and \
            self.stale >= self.cfg.early_stopping_patience
        with self.stop.installed():
            while self.epoch < self.cfg.epochs and not stopped_early:
                t0 = time.perf_counter()
                train_loss, interrupted = self._epoch()
                if interrupted:
                    self._save_state()
                    log.info("stop requested: state saved at epoch %d batch %d (step %d)", self.epoch + 1,
                             self.batch_in_epoch, self.step)
                    if self.ctx.is_main and self.cfg.requeue:
                        requeue_slurm_job()
                    raise self.stop.exit_error()
                stopped_early = self._end_epoch(train_loss, time.perf_counter() - t0)
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
                self._save_state()
        hist = self._finish()
        ddp.shutdown(self.ctx)
        return hist if self.ctx.is_main else pd.DataFrame()


def train(data_dir: str | os.PathLike, model_cfg: ModelConfig, cfg: TrainConfig, out_dir: str | os.PathLike,
          run_config: dict) -> pd.DataFrame:
    """Fit a model on ``data_dir``'s train split, validate on valid; write checkpoints and history.

    Resumes from ``<out_dir>/resume/state.ckpt`` when it was written for the same configuration.
    """
    return Trainer(data_dir, model_cfg, cfg, out_dir, run_config).run()
