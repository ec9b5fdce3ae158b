"""TSS-centred attention profiles and their mapping to genome coordinates.

A gene's window is [tss - L/2, tss + L/2); its TSS sits in grid bin n_bins // 2 (the query).
Key bin k covers [window_start + k * bin, window_start + (k + 1) * bin). The attention grid is the
uncropped one: output bin j of the model is grid index j + crop_bins.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from seq2track.data.encoding import encode, one_hot
from seq2track.data.windows import WindowSpec
from seq2track.io.fasta import Genome
from seq2track.model.trunk import Seq2Track


def tss_window_start(tss: int, spec: WindowSpec) -> int:
    """Start (0-based) of the window centred on ``tss``."""
    return tss - spec.length_bp // 2


def element_key_bins(start0: int, end: int, window_start0: int, spec: WindowSpec) -> tuple[int, int] | None:
    """Grid bins [first, last] overlapping the element [start0, end); None when outside the window."""
    first = (start0 - window_start0) // spec.bin_size_bp
    last = (end - 1 - window_start0) // spec.bin_size_bp
    if first < 0 or last >= spec.n_bins:
        return None
    return int(first), int(last)


@torch.no_grad()
def tss_attention(model: Seq2Track, genome: Genome, tss: pd.DataFrame, spec: WindowSpec, device: torch.device,
                  batch_size: int = 4) -> np.ndarray:
    """Attention of each TSS's query bin over all key bins, mean over layers and heads: (G, n_bins).

    ``tss`` has columns chrom and tss (0-based position). Windows reaching beyond a contig are N-padded.
    """
    model.eval()
    query = torch.tensor([spec.n_bins // 2], device=device)
    rows = []
    for i in range(0, len(tss), batch_size):
        part = tss.iloc[i:i + batch_size]
        codes = np.stack([encode(genome.fetch(r.chrom, tss_window_start(r.tss, spec),
                                              tss_window_start(r.tss, spec) + spec.length_bp))
                          for r in part.itertuples()])
        attn = model.attention_rows(torch.from_numpy(one_hot(codes)).to(device), query)  # (B, layers, heads, 1, N)
        rows.append(attn.mean(dim=(1, 2))[:, 0].float().cpu().numpy())
    return np.concatenate(rows) if rows else np.zeros((0, spec.n_bins), dtype=np.float32)
