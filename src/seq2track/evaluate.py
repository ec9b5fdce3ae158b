"""Evaluation against observed targets: Pearson r per track and split, and a locus plot."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from seq2track.data.dataset import WindowDataset, window_targets  # noqa: E402
from seq2track.data.windows import WindowSpec  # noqa: E402
from seq2track.io.bigwig import BigWigReader  # noqa: E402
from seq2track.io.atomic import atomic_path  # noqa: E402
from seq2track.metrics import pearson_per_track  # noqa: E402
from seq2track.predict.tracks import predict_windows  # noqa: E402
from seq2track.model.trunk import Seq2Track  # noqa: E402


def split_predictions(model: Seq2Track, data_dir: str | os.PathLike, split: str, device: torch.device,
                      batch_size: int = 4, rc_average: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(predictions, targets), each (N, out_bins, T), for every window of ``split``."""
    ds = WindowDataset(data_dir, split)
    preds = [predict_windows(model, np.asarray(ds.sequences[i:i + batch_size]), device, rc_average)
             for i in range(0, len(ds), batch_size)]
    return np.concatenate(preds), np.asarray(ds.targets)


def metrics_table(pred: np.ndarray, obs: np.ndarray, tracks: list[str], split: str) -> pd.DataFrame:
    """One row per track: Pearson r of binned values and of log1p values."""
    r = pearson_per_track(pred, obs)
    r_log = pearson_per_track(np.log1p(pred), np.log1p(obs))
    return pd.DataFrame({"track": tracks, "split": split, "n_bins": pred.shape[0] * pred.shape[1],
                         "pearson_r": r, "pearson_r_log1p": r_log})


def noise_ceiling(expected_bigwigs: list[str], sheet: pd.DataFrame, windows: pd.DataFrame, spec: WindowSpec,
                  obs: np.ndarray) -> np.ndarray:
    """Pearson r per track between noise-free targets (from ``expected_bigwigs``) and ``obs``.

    No model can beat this on average: it is the agreement of the observed targets with the signal
    they were drawn from (the demo writes such expected tracks). Windows: chrom, start, end rows of ``obs``.
    """
    readers = [BigWigReader(p) for p in expected_bigwigs]
    try:
        exp = np.stack([window_targets(readers, sheet, w.chrom, w.start, w.end, spec) for w in windows.itertuples()])
    finally:
        for r in readers:
            r.close()
    return pearson_per_track(exp, obs)


def plot_locus(pred: np.ndarray, obs: np.ndarray, tracks: list[str], title: str, out_png: str | os.PathLike,
               start0: int, bin_size_bp: int) -> None:
    """Observed vs predicted per track for one window (pred/obs: (out_bins, T))."""
    x = (start0 + bin_size_bp * np.arange(pred.shape[0])) / 1e3
    fig, axes = plt.subplots(len(tracks), 1, figsize=(10, 1.8 * len(tracks)), sharex=True, squeeze=False)
    for t, ax in enumerate(axes[:, 0]):
        ax.fill_between(x, obs[:, t], step="mid", color="0.6", label="observed")
        ax.plot(x, pred[:, t], color="C3", lw=1, label="predicted")
        ax.set_ylabel(tracks[t])
    axes[0, 0].legend(loc="upper right", frameon=False)
    axes[0, 0].set_title(title)
    axes[-1, 0].set_xlabel("position (kb)")
    fig.tight_layout()
    with atomic_path(out_png, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
