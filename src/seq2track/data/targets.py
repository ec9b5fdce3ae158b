"""Base-resolution signal -> binned, transformed training targets (Basenji track-sheet semantics)."""

from __future__ import annotations

import numpy as np


def pool_bins(values: np.ndarray, bin_size_bp: int, sum_stat: str) -> np.ndarray:
    """Pool base-resolution ``values`` (L,) to (L // bin_size_bp,) by 'sum' or 'mean'."""
    binned = values[: values.size - values.size % bin_size_bp].reshape(-1, bin_size_bp)
    return binned.sum(axis=1) if sum_stat == "sum" else binned.mean(axis=1)


def transform(binned: np.ndarray, scale: float, clip_soft: float | None, clip: float | None) -> np.ndarray:
    """Scale, then soft-clip (x > s -> s + sqrt(x - s)), then hard-clip; NaN parameters mean 'off'."""
    out = binned.astype(np.float32) * np.float32(scale)
    if clip_soft is not None and np.isfinite(clip_soft):
        over = out > clip_soft
        out[over] = clip_soft + np.sqrt(out[over] - clip_soft)
    if clip is not None and np.isfinite(clip):
        out = np.minimum(out, clip)
    return out


def untransform(values: np.ndarray, scale: float, clip_soft: float | None) -> np.ndarray:
    """Map transformed values (targets or predictions) back to the track's signal scale: undo the soft clip
    (y > s -> s + (y - s)^2) and the scale. The hard clip cannot be undone: values at it stay there."""
    out = np.asarray(values, dtype=np.float64).copy()
    if clip_soft is not None and np.isfinite(clip_soft):
        over = out > clip_soft
        out[over] = clip_soft + (out[over] - clip_soft) ** 2
    return out / scale


def region_targets(reader, track, chrom: str, start0: int, end: int, bin_size_bp: int) -> np.ndarray:
    """One track's transformed bins over [start0, end) read from ``reader`` (an ``io.bigwig.BigWigReader``);
    ``track`` carries sum_stat, scale, clip_soft and clip (a ``data.spec.TrackSpec``)."""
    binned = pool_bins(reader.values(chrom, start0, end), bin_size_bp, track.sum_stat)
    return transform(binned, track.scale, track.clip_soft, track.clip)
