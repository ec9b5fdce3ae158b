"""Interpretation profiles as bigWig tracks, to open in a browser next to the predictions.

Each gene's profile (attention of its TSS over key bins, or gradient x input per base) covers its
TSS-centred window; windows of neighbouring genes overlap, so every position shows the profile of the
nearest TSS (boundaries at the midpoints between consecutive TSSs on a chromosome).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pandas as pd

from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import tss_window_start
from seq2track.io.bigwig import write_bigwig_runs


def nearest_tss_runs(genes: pd.DataFrame, profiles: np.ndarray, resolution_bp: int, spec: WindowSpec,
                     chrom_sizes: dict[str, int]) -> Iterator[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    """(chrom, starts, ends, values) runs: each position takes the profile of its nearest TSS.

    ``genes`` (chrom, tss) row g owns ``profiles[g]``, whose entry k covers
    [window_start + k * resolution_bp, window_start + (k + 1) * resolution_bp).
    """
    n = profiles.shape[1]
    for chrom, size in chrom_sizes.items():
        rows = genes.index[genes["chrom"].to_numpy() == chrom].to_numpy()
        if rows.size == 0:
            continue
        rows = rows[np.argsort(genes["tss"].to_numpy()[rows], kind="stable")]
        tss = genes["tss"].to_numpy()[rows].astype(np.int64)
        bounds = np.concatenate([[0], (tss[:-1] + tss[1:]) // 2, [size]])
        starts, ends, values = [], [], []
        for i, row in enumerate(rows):
            ws = tss_window_start(int(tss[i]), spec)
            lo, hi = max(int(bounds[i]), ws, 0), min(int(bounds[i + 1]), ws + n * resolution_bp, size)
            if hi <= lo:
                continue
            k = np.arange((lo - ws) // resolution_bp, (hi - 1 - ws) // resolution_bp + 1)
            s = np.maximum(ws + k * resolution_bp, lo)
            e = np.minimum(ws + (k + 1) * resolution_bp, hi)
            starts.append(s)
            ends.append(e)
            values.append(profiles[row, k])
        if starts:
            yield chrom, np.concatenate(starts), np.concatenate(ends), np.concatenate(values).astype(np.float32)


def write_profile_bigwig(path: str | os.PathLike, genes: pd.DataFrame, profiles: np.ndarray, resolution_bp: int,
                         spec: WindowSpec, chrom_sizes: dict[str, int]) -> None:
    """Write one interpretation profile (attention or contributions) as a bigWig (atomic)."""
    write_bigwig_runs(path, chrom_sizes, nearest_tss_runs(genes, profiles, resolution_bp, spec, chrom_sizes))
