"""Score enhancer–gene pairs by the model's attention, next to a distance baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import element_key_bins, tss_window_start
from seq2track.metrics import ranking_metrics

METHODS = {"attention": "attention", "inverse_distance": "baseline"}


def score_pairs(pairs: pd.DataFrame, genes: pd.DataFrame, profiles: np.ndarray, spec: WindowSpec) -> pd.DataFrame:
    """Add attention and 1/distance scores to each pair (EPCrisprBenchmark columns).

    ``genes`` (chrom, tss, gene) are the rows of ``profiles`` (G, n_bins); pairs are matched to them by
    chromosome and gene symbol, and the window is centred on the gene's TSS from ``genes``. Pairs whose
    gene has no profile, or whose element lies outside the gene's window, get ``in_reach`` False and
    NaN attention; they are kept, not dropped.
    """
    index = {(g.chrom, g.gene): (i, g.tss) for i, g in enumerate(genes.itertuples())}
    attention, in_reach = [], []
    for p in pairs.itertuples():
        row, tss = index.get((p.chrTSS, p.measuredGeneSymbol), (None, None))
        bins = None if row is None else element_key_bins(p.chromStart, p.chromEnd, tss_window_start(tss, spec),
                                                         spec)
        in_reach.append(bins is not None)
        attention.append(np.nan if bins is None else float(profiles[row, bins[0]:bins[1] + 1].mean()))
    centre = (pairs["chromStart"] + pairs["chromEnd"]) // 2
    distance = np.abs(centre - pairs["startTSS"]).clip(lower=1)
    return pairs.assign(in_reach=in_reach, attention=attention, inverse_distance=1.0 / distance)


def summarise(scored: pd.DataFrame) -> pd.DataFrame:
    """auPRC and auROC per method over the pairs in reach, with counts and the positive rate."""
    reach = scored[scored["in_reach"]]
    labels = reach["Regulated"].to_numpy(dtype=bool)
    rows = []
    for method, kind in METHODS.items():
        m = ranking_metrics(labels, reach[method].to_numpy())
        rows.append({"method": method, "kind": kind, "n_pairs": len(reach), "n_positive": int(labels.sum()),
                     "positive_rate": float(labels.mean()) if len(labels) else np.nan,
                     "n_out_of_reach": int((~scored["in_reach"]).sum()), **m})
    return pd.DataFrame(rows)
