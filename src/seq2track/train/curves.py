"""The training curve: ``history.tsv`` as a figure (loss and validation Pearson r per track by epoch)."""

from __future__ import annotations

import logging
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from seq2track.io.atomic import atomic_path  # noqa: E402
from seq2track.train.config import PLATEAU_R  # noqa: E402


def plot_history(history: pd.DataFrame, out_png: str | os.PathLike) -> None:
    """Two panels over epochs: train/valid loss, and validation r per track (mean in black)."""
    fig, (ax_loss, ax_r) = plt.subplots(1, 2, figsize=(10, 3.6))
    for col, style in (("train_loss", "-"), ("valid_loss", "--")):
        if col in history:
            ax_loss.plot(history["epoch"], history[col], style, label=col.replace("_", " "))
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_loss.legend(frameon=False)
    tracks = [c for c in history.columns if c.startswith("valid_pearson_") and c != "valid_pearson_mean"]
    for col in tracks:
        ax_r.plot(history["epoch"], history[col], lw=1, label=col.removeprefix("valid_pearson_"))
    if "valid_pearson_mean" in history:
        ax_r.plot(history["epoch"], history["valid_pearson_mean"], "k-", lw=2, label="mean")
    ax_r.axhline(PLATEAU_R, color="grey", ls=":", lw=1)
    ax_r.set(xlabel="epoch", ylabel="Pearson r", title="validation r (dotted: plateau level)", ylim=(-0.1, 1))
    ax_r.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    with atomic_path(out_png, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def progress_bar(total: int, desc: str, enabled: bool):
    """A progress bar on an interactive terminal (rank 0), else None."""
    if not (enabled and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, leave=False)


def warn_if_plateau(epochs_done: int, warning_epochs: int, best_r: float, level: float = PLATEAU_R) -> None:
    """A warning, once, when validation r has stayed below ``level`` for ``warning_epochs`` epochs (0 = never)."""
    if not warning_epochs or epochs_done != warning_epochs or best_r >= level:
        return
    logging.getLogger("seq2track.train.loop").warning(
        "validation r is still below %.1f after %d epochs (best %.3f): the model predicts little more than each "
        "track's mean. Check model/history.tsv; try a higher train.learning_rate, train.head_bias_init: true, or "
        "more epochs", level, warning_epochs, best_r)
