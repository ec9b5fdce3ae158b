"""Typed training settings and process seeding."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrainConfig:
    """Training settings (``train`` in the config; defaults equal the schema's, checked by a test)."""

    epochs: int = 20
    batch_size: int = 4            # global batch: split evenly over the ranks
    grad_accumulation: int = 1     # micro-batches per rank and step (rank share [j::n]); same gradient, less memory
    learning_rate: float = 5e-4
    weight_decay: float = 1e-3
    warmup_steps: int = 50
    lr_schedule: str = "cosine"    # constant | cosine (after warm-up, to 0 at the last step)
    clip_grad_norm: float = 1.0
    max_shift_bp: int = 3          # shift augmentation, +- bp
    augment: bool = True           # reverse complement + shifts on the training split
    seed: int = 1
    device: str = "auto"
    num_threads: int = 0           # CPU threads; 0 keeps torch's default
    precision: str = "fp32"        # fp32 | bf16 (autocast)
    init_from: str | None = None   # pretrained seq2track checkpoint or enformer-pytorch weights
    freeze_trunk: bool = False     # with init_from: only the heads train
    early_stopping_patience: int = 0   # stop after this many epochs without a better valid r; 0 = never
    checkpoint: str = "best"           # best.ckpt holds: best = the epoch of best valid r | last = the last epoch
    checkpoint_every_steps: int = 500  # also save the resumable state every N steps; 0 = epoch ends only
    log_every_steps: int = 50          # periodic progress lines (non-interactive runs)
    requeue: bool = True               # on SIGUSR1/SIGTERM under Slurm: save, then `scontrol requeue`
    loss: str = "poisson"              # poisson | poisson_multinomial (Borzoi: shape + weighted total)
    loss_total_weight: float = 0.2     # poisson_multinomial: weight of the window-total Poisson term
    track_weights: str = "uniform"     # uniform | null_deviance (each track's loss over what predicting its mean loses)
    track_weight_power: float = 1.0    # null_deviance: weights = deviance ** -power (0.5 = a milder balance)
    track_loss_weights: dict | None = None  # {track id: factor} on top of track_weights (mean kept at 1)
    head_bias_init: bool = True        # start the head at each track's mean training target
    plateau_warning_epochs: int = 5    # warn when valid r is still < 0.1 after this many epochs; 0 = off
    bn_recalibration_windows: int = 16  # before validation, BatchNorm statistics from this many training
                                        # windows under the current weights (precise BN); 0 = off
    ema_decay: float = 0.0             # weights validated and saved: a moving average with this decay; 0 = off
    random_offset: bool = False        # augment: move windows by whole bins within the stride, per epoch
    num_workers: int = 0               # DataLoader workers; batches are the same for any number


PLATEAU_R = 0.1  # validation r below this after plateau_warning_epochs epochs gets a warning

# What determines a trained model: these config sections (the train rule reruns when they change) ...
TRAINING_SECTIONS = ("run", "seed", "genome", "tracks", "windows", "model", "train")
# ... except these train keys, which change how a run goes, not what it learns (a resume ignores them)
RUN_ONLY_KEYS = ("log_every_steps", "checkpoint_every_steps", "requeue", "num_threads", "device", "num_workers")


def seed_everything(seed: int) -> None:
    import torch  # here, so that the workflow can read this module's constants without loading torch

    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    # deterministic mode also fills every new tensor with NaN (to expose reads of uninitialised memory):
    # ~880 aten::fill_ per demo training step, ~1.5% of its CPU time; the results are the same without
    torch.utils.deterministic.fill_uninitialized_memory = False
