"""Evaluation against observed targets: Pearson r per track and split, and a locus plot."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from torch.utils.data import Subset  # noqa: E402

from seq2track.data.dataset import SPLITS, WindowDataset, read_split_windows, read_window_targets  # noqa: E402
from seq2track.data.spec import DataSpec, TrackSpec  # noqa: E402
from seq2track.data.windows import WindowSpec, covering_rows  # noqa: E402
from seq2track.evaluate_tss import tss_metrics  # noqa: E402
from seq2track.io.atomic import atomic_path  # noqa: E402
from seq2track.metrics import pearson_per_track  # noqa: E402
from seq2track.model.inference import predict_dataset  # noqa: E402
from seq2track.model.network import Seq2Track  # noqa: E402


def split_predictions(model: Seq2Track, data_dir: str | os.PathLike, split: str, device: torch.device,
                      batch_size: int = 4, rc_average: bool = True, rows: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(predictions, targets), each (N, out_bins, T), for every window of ``split`` (or those at ``rows``)."""
    dataset = WindowDataset(data_dir, split)
    return predict_dataset(model, dataset if rows is None else Subset(dataset, rows), batch_size, device, rc_average)


def metrics_table(pred: np.ndarray, obs: np.ndarray, tracks: list[str], split: str) -> pd.DataFrame:
    """One row per track: Pearson r of binned values and of log1p values, and the calibration
    ``pred_to_obs`` = summed prediction / summed target (1 = calibrated; Pearson r cannot see a model
    that predicts every peak five times too high)."""
    r = pearson_per_track(pred, obs)
    r_log = pearson_per_track(np.log1p(pred), np.log1p(obs))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pred.sum(axis=(0, 1), dtype=np.float64) / obs.sum(axis=(0, 1), dtype=np.float64)
    return pd.DataFrame({"track": tracks, "split": split, "n_bins": pred.shape[0] * pred.shape[1],
                         "pearson_r": r, "pearson_r_log1p": r_log, "pred_to_obs": ratio})


def noise_ceiling(expected_bigwigs: list[str], tracks: tuple[TrackSpec, ...], windows: pd.DataFrame,
                  spec: WindowSpec, obs: np.ndarray) -> np.ndarray:
    """Pearson r per track between noise-free targets (from ``expected_bigwigs``) and ``obs``.

    No model can beat this on average: it is the agreement of the observed targets with the signal
    they were drawn from (the demo writes such expected tracks). Windows: chrom, start, end rows of ``obs``.
    """
    return pearson_per_track(read_window_targets(expected_bigwigs, tracks, windows, spec), obs)


def train_rows(windows: pd.DataFrame, spec: WindowSpec, max_windows: int | None = None) -> np.ndarray:
    """The training windows to evaluate: ``covering_rows`` (every bin the overlapping tiles predict), and of
    those at most ``max_windows``, evenly spaced along the genome (None: all of them)."""
    rows = covering_rows(windows, spec)
    if max_windows is None or len(rows) <= max_windows:
        return rows
    return rows[np.unique(np.linspace(0, len(rows) - 1, max_windows).round().astype(int))]


def evaluate_splits(model: Seq2Track, data_dir: str | os.PathLike, device: torch.device, batch_size: int = 4,
                    rc_average: bool = True, expected_bigwigs: list[str] | None = None,
                    tss: pd.DataFrame | None = None, train_windows: int | None = None
                    ) -> tuple[pd.DataFrame, pd.DataFrame, tuple[np.ndarray, np.ndarray, pd.DataFrame]]:
    """The metrics table of every split (with the noise ceiling when ``expected_bigwigs`` are given), the
    TSS-level table of every split (``evaluate_tss.tss_metrics``; empty without ``tss``) and the test
    split's (predictions, targets, windows).

    The training split is the largest, and its figures are a check for under- or over-fitting: it is
    evaluated on ``train_rows`` (its covering windows, about half of them at the demo's stride, and of those
    at most ``train_windows``). Validation and test use every window."""
    spec = DataSpec.read(Path(data_dir) / "meta.json")
    tables, tss_tables, test = [], [], None
    for split in SPLITS:
        windows = read_split_windows(data_dir, split)
        rows = train_rows(windows, spec.window, train_windows) if split == "train" else None
        pred, obs = split_predictions(model, data_dir, split, device, batch_size, rc_average, rows)
        windows = windows if rows is None else windows.iloc[rows].reset_index(drop=True)
        table = metrics_table(pred, obs, spec.track_ids, split)
        if expected_bigwigs:
            table["noise_ceiling_r"] = noise_ceiling(expected_bigwigs, spec.tracks, windows, spec.window, obs)
        tables.append(table)
        if tss is not None:
            tss_tables.append(tss_metrics(pred, obs, windows, tss, spec.window, spec.track_ids, split,
                                          targets=spec.tracks))
        test = (pred, obs, windows) if split == "test" else test
    return pd.concat(tables), pd.concat(tss_tables) if tss_tables else pd.DataFrame(), test


def plot_most_active_window(pred: np.ndarray, obs: np.ndarray, windows: pd.DataFrame, spec: DataSpec,
                            out_png: str | os.PathLike) -> None:
    """``plot_locus`` of the window with the largest observed total (the most active test window)."""
    i = int(np.argmax(obs.sum(axis=(1, 2))))
    start = int(windows.start[i]) + spec.window.crop_bp
    plot_locus(pred[i], obs[i], spec.track_ids, f"test window {windows.chrom[i]}:{start + 1:,}", out_png, start,
               spec.window.bin_size_bp)


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
