"""Which window scores an enhancer-gene pair: the gene's TSS-centred window, or one moved towards the element.

A model predicts only the central output bins of its input (``crop_bins`` are dropped on each side), but
its TSS bin attends over the whole input. A TSS-centred window therefore reaches elements up to L / 2 from
the TSS (49 kb for the demo's 98,304 bp); moving the window towards a farther element by ``reach_shift_bp``
keeps the TSS inside the predicted bins, with at least 2 x crop_bins bins of input on its near side, and
reaches elements up to L - 2 x crop_bins x bin_size from the TSS (81,920 bp for the demo, 180 kb for
Enformer). Training windows hold TSSs at every offset of the output, so a moved window asks the model
nothing it was not trained on. A pair is scored in the centred window when the element fits there, else in
the moved one; a gene gets one "view" per window any of its pairs needs (the centred view always).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import tss_window_start


def reach_shift_bp(spec: WindowSpec) -> int:
    """How far (bp, a whole number of bins) a gene's window may move off its TSS."""
    shift = spec.length_bp // 2 - 2 * spec.crop_bins * spec.bin_size_bp
    return max(0, shift // spec.bin_size_bp * spec.bin_size_bp)


def _fits(start0: int, end: int, window_start0: int, spec: WindowSpec) -> bool:
    return window_start0 <= start0 and end <= window_start0 + spec.length_bp


def pair_shifts(starts: np.ndarray, ends: np.ndarray, tss: np.ndarray, spec: WindowSpec) -> np.ndarray:
    """Window shift (bp) that scores each element [start, end) against its TSS: 0 when it fits the centred
    window, else +-``reach_shift_bp`` towards it when it fits there; NaN when out of reach (or no TSS)."""
    shift = reach_shift_bp(spec)
    out = np.full(len(starts), np.nan)
    for i, (s, e, t) in enumerate(zip(starts, ends, tss)):
        if np.isnan(t):
            continue
        toward = shift if (s + e) // 2 > t else -shift
        for candidate in (0, toward) if shift else (0,):
            if _fits(int(s), int(e), tss_window_start(int(t), spec, candidate), spec):
                out[i] = candidate
                break
    return out


def gene_views(genes: pd.DataFrame, pairs: pd.DataFrame, shifts: np.ndarray) -> pd.DataFrame:
    """``genes`` (chrom, tss, gene), one row per window to compute: the centred one (shift_bp 0) for every
    gene, in the order of ``genes``, then each moved window a pair of the gene needs (``shifts``, per pair;
    pairs name their gene by chrTSS and gene)."""
    needed = (pd.DataFrame({"chrom": pairs["chrTSS"].to_numpy(), "gene": pairs["gene"].to_numpy(),
                            "shift_bp": shifts}).dropna().query("shift_bp != 0").drop_duplicates())
    moved = genes.merge(needed.astype({"shift_bp": int}), on=["chrom", "gene"])
    return pd.concat([genes.assign(shift_bp=0), moved], ignore_index=True)[["chrom", "tss", "gene", "shift_bp"]]


def pair_tss(pairs: pd.DataFrame, genes: pd.DataFrame) -> np.ndarray:
    """Each pair's TSS position from ``genes`` (matched by chrTSS and gene); NaN when the gene is absent."""
    index = {(g.chrom, g.gene): g.tss for g in genes.itertuples()}
    return np.array([index.get((c, g), np.nan) for c, g in zip(pairs["chrTSS"], pairs["gene"])], dtype=float)
