"""TSS-level evaluation: does the model rank genes, not only find promoters?

Bin-level Pearson r of a CAGE-like track is mostly "is there a peak here": on the demo a predictor that
places every TSS peak right with one and the same height reaches 0.97 of the noise ceiling while it
knows nothing about which genes are expressed. The Enformer paper therefore also reports CAGE at TSSs
across genes. ``tss_metrics`` sums each track over the TSS's bin and its neighbours (``flank_bins``),
once per TSS (from the window where it lies farthest from the output's edges), and correlates predicted
with observed sums across TSSs: Pearson r of log1p values (as Enformer), of raw values, and Spearman.
The sums are of the signal, not of the transformed targets: a soft clip (``clip_soft``) squashes each bin,
so a peak split over two bins sums to more target than the same peak in one bin (at clip_soft 32 a bin of
358 counts is a target of 50; split in halves, 2 x 44.1), and across genes the sums of targets rank the
TSSs' position in their bin as much as their level. Each bin is mapped back first (``data.targets.untransform``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from seq2track.data.spec import TrackSpec
from seq2track.data.targets import untransform
from seq2track.data.windows import WindowSpec
from seq2track.metrics import pearson_per_track


def tss_sites(tss: pd.DataFrame, windows: pd.DataFrame, spec: WindowSpec, flank_bins: int = 1) -> pd.DataFrame:
    """One row per TSS position covered by some window's output, at least ``flank_bins`` from its edges:
    columns chrom, position, window (row of ``windows``), bin (output bin of the TSS)."""
    n, size = spec.n_out_bins, spec.bin_size_bp
    out_start = windows["start"].to_numpy(np.int64) + spec.crop_bp
    rows = []
    for chrom, pos in tss.drop_duplicates(["chrom", "start"]).groupby("chrom")["start"]:
        on_chrom = np.flatnonzero(windows["chrom"].to_numpy() == chrom)
        on_chrom = on_chrom[np.argsort(out_start[on_chrom], kind="stable")]
        starts, pos = out_start[on_chrom], pos.to_numpy(np.int64)
        hi = np.searchsorted(starts, pos, side="right")                  # windows whose output starts <= pos
        lo = np.searchsorted(starts, pos - n * size, side="right")       # ... and ends after pos
        k = int((hi - lo).max()) if len(pos) and len(starts) else 0
        if k == 0:
            continue
        cand = lo[:, None] + np.arange(k)[None, :]                        # (TSS, k) candidate windows
        valid = cand < hi[:, None]
        cand = np.minimum(cand, len(starts) - 1)
        bins = (pos[:, None] - starts[cand]) // size
        margin = np.where(valid & (bins >= flank_bins) & (bins < n - flank_bins), np.minimum(bins, n - 1 - bins), -1)
        best = margin.argmax(axis=1)
        row = np.arange(len(pos))
        keep = margin[row, best] >= 0
        rows.append(pd.DataFrame({"chrom": chrom, "position": pos[keep], "window": on_chrom[cand[row, best]][keep],
                                  "bin": bins[row, best][keep]}))
    cols = ["chrom", "position", "window", "bin"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)


def tss_sums(values: np.ndarray, sites: pd.DataFrame, flank_bins: int = 1,
             targets: Sequence[TrackSpec] | None = None) -> np.ndarray:
    """(TSS, T): ``values`` (windows, bins, T) summed over each site's bin +- ``flank_bins``; with ``targets``
    (one ``TrackSpec`` per track) each bin is first mapped back to its track's signal scale (``untransform``)."""
    if not len(sites):
        return np.zeros((0, values.shape[-1]))
    offsets = np.arange(-flank_bins, flank_bins + 1)
    w = sites["window"].to_numpy(np.int64)[:, None]
    picked = values[w, sites["bin"].to_numpy(np.int64)[:, None] + offsets[None, :]].astype(np.float64)
    for t, target in enumerate(targets or ()):
        picked[..., t] = untransform(picked[..., t], target.scale, target.clip_soft)
    return picked.sum(axis=1)


def tss_metrics(pred: np.ndarray, obs: np.ndarray, windows: pd.DataFrame, tss: pd.DataFrame, spec: WindowSpec,
                tracks: list[str], split: str, flank_bins: int = 1,
                targets: Sequence[TrackSpec] | None = None) -> pd.DataFrame:
    """One row per track: n_tss and the correlation across TSSs of predicted and observed sums; with
    ``targets`` (the tracks' ``TrackSpec``s), sums of the signal the targets were made from (``tss_sums``)."""
    sites = tss_sites(tss, windows, spec, flank_bins)
    p, o = tss_sums(pred, sites, flank_bins, targets), tss_sums(obs, sites, flank_bins, targets)
    enough = len(sites) >= 3
    rho = [spearmanr(p[:, t], o[:, t]).statistic if enough else np.nan for t in range(len(tracks))]
    nan = np.full(len(tracks), np.nan)
    return pd.DataFrame({"track": tracks, "split": split, "n_tss": len(sites),
                         "pearson_r_log1p": pearson_per_track(np.log1p(p), np.log1p(o)) if enough else nan,
                         "pearson_r": pearson_per_track(p, o) if enough else nan, "spearman_r": rho})
