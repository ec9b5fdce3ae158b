"""TSS-centred attention profiles and their mapping to genome coordinates.

A gene's window is [tss - L/2, tss + L/2); its TSS sits in grid bin n_bins // 2 (the query). A window moved
by shift_bp to reach a far element (``seq2track.interpret.reach``) holds the TSS in bin n_bins // 2 - shift / bin.
Key bin k covers [window_start + k * bin, window_start + (k + 1) * bin). The attention grid is the
uncropped one: output bin j of the model is grid index j + crop_bins.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import torch

from seq2track.data.encoding import one_hot
from seq2track.data.windows import WindowSpec
from seq2track.data.store import SequenceSource, sequence_source
from seq2track.model.network import Seq2Track


def tss_window_start(tss: int, spec: WindowSpec, shift_bp: int = 0) -> int:
    """Start (0-based) of the window centred on ``tss``, moved by ``shift_bp`` (positive: downstream;
    ``seq2track.interpret.reach``)."""
    return int(tss) - spec.length_bp // 2 + int(shift_bp)


def element_span(start0: int, end: int, window_start0: int, resolution_bp: int, n_entries: int
                 ) -> tuple[int, int] | None:
    """Entries [first, last] of a window profile (``resolution_bp`` per entry) overlapping [start0, end).

    None when the element is not wholly inside the window's ``n_entries`` entries.
    """
    first = (start0 - window_start0) // resolution_bp
    last = (end - 1 - window_start0) // resolution_bp
    if first < 0 or last >= n_entries:
        return None
    return int(first), int(last)


def element_key_bins(start0: int, end: int, window_start0: int, spec: WindowSpec) -> tuple[int, int] | None:
    """Attention grid bins [first, last] overlapping the element [start0, end); None outside the window."""
    return element_span(start0, end, window_start0, spec.bin_size_bp, spec.n_bins)


def tss_window_batches(genome: SequenceSource, genes: pd.DataFrame, spec: WindowSpec, batch_size: int
                       ) -> Iterator[np.ndarray]:
    """uint8 codes (B, L) of TSS-centred windows for consecutive batches of ``genes`` (chrom, tss; optional
    shift_bp: the window moved by that much)."""
    genome = sequence_source(genome)
    starts = [tss_window_start(t, spec, s) for t, s in zip(genes["tss"], _shifts(genes))]
    for i in range(0, len(genes), batch_size):
        yield np.stack([genome.codes(c, s, s + spec.length_bp)
                        for c, s in zip(genes["chrom"].iloc[i:i + batch_size], starts[i:i + batch_size])])


def _shifts(genes: pd.DataFrame) -> np.ndarray:
    return genes["shift_bp"].to_numpy(dtype=int) if "shift_bp" in genes else np.zeros(len(genes), dtype=int)


def by_shift(genes: pd.DataFrame, compute, width: int) -> np.ndarray:
    """``compute(part, shift_bp)`` -> (len(part), width) over the rows of ``genes`` that share a window shift,
    reassembled in the order of ``genes``."""
    shifts = _shifts(genes)
    out = np.zeros((len(genes), width), dtype=np.float32)
    for shift in np.unique(shifts):
        rows = np.flatnonzero(shifts == shift)
        out[rows] = compute(genes.iloc[rows], int(shift))
    return out


def rollout(attn: torch.Tensor) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020): (B, layers, heads, N, N) -> (B, N, N).

    Heads are averaged, the residual path added as 0.5 A + 0.5 I, rows renormalised, layers multiplied.
    """
    a = attn.mean(dim=2)
    eye = torch.eye(a.shape[-1], device=a.device, dtype=a.dtype)
    a = 0.5 * a + 0.5 * eye
    a = a / a.sum(dim=-1, keepdim=True)
    out = a[:, 0]
    for layer in range(1, a.shape[1]):
        out = a[:, layer] @ out
    return out


def tss_query_bins(spec: WindowSpec, tss_bins: int = 1, shift_bp: int = 0) -> list[int]:
    """Grid bins used as queries: the TSS bin (of a window moved by ``shift_bp``) and (tss_bins - 1) / 2 bins
    on each side."""
    if tss_bins < 1 or tss_bins % 2 == 0:
        raise ValueError(f"tss_bins must be a positive odd number, got {tss_bins}")
    centre, half = spec.n_bins // 2 - shift_bp // spec.bin_size_bp, tss_bins // 2
    return list(range(centre - half, centre + half + 1))


def aggregate_rows(model: Seq2Track, x: torch.Tensor, query_bins: int | list[int], aggregation: str) -> torch.Tensor:
    """Attention of the query bin(s) over all key bins (B, N), averaged over queries, by one aggregation."""
    return aggregate_all(model, x, query_bins, (aggregation,))[aggregation]


def aggregate_all(model: Seq2Track, x: torch.Tensor, query_bins: int | list[int], aggregations: tuple[str, ...]
                  ) -> dict[str, torch.Tensor]:
    """``aggregate_rows`` for several aggregations from one pass: every row of every layer when rollout is
    asked for (mean and last layer then read their query rows from it), else the query rows only."""
    queries = [query_bins] if isinstance(query_bins, int) else list(query_bins)
    every = "rollout" in aggregations
    n = x.shape[1] // model.cfg.bin_size_bp
    attn = model.attention_rows(x, torch.arange(n, device=x.device) if every else
                                torch.tensor(queries, device=x.device))   # (B, layers, heads, Q or N, N)
    picked = attn[:, :, :, queries] if every else attn
    out = {}
    for aggregation in aggregations:
        if aggregation == "rollout":
            out[aggregation] = rollout(attn)[:, queries].mean(dim=1)
        elif aggregation == "last_layer":
            out[aggregation] = picked[:, -1].mean(dim=(1, 2))
        else:
            out[aggregation] = picked.mean(dim=(1, 2, 3))
    return out


@torch.no_grad()
def tss_attention(model: Seq2Track, genome: SequenceSource, tss: pd.DataFrame, spec: WindowSpec, device: torch.device,
                  batch_size: int = 4, aggregations: tuple[str, ...] = ("mean",), tss_bins: int = 1
                  ) -> dict[str, np.ndarray]:
    """Attention of each TSS's query bin(s) over all key bins: {aggregation: (G, n_bins)}.

    ``tss`` has columns chrom and tss (0-based position), optionally shift_bp (the window moved by that
    much, ``seq2track.interpret.reach``). Windows reaching beyond a contig are N-padded.
    Aggregations: mean over layers and heads (as Enformer), last layer, attention rollout.
    """
    model.eval()
    if not aggregations:
        return {}

    def compute(part: pd.DataFrame, shift_bp: int) -> np.ndarray:   # (genes, aggregations x n_bins)
        query = tss_query_bins(spec, tss_bins, shift_bp)
        batches = (aggregate_all(model, torch.from_numpy(one_hot(codes)).to(device), query, aggregations)
                   for codes in tss_window_batches(genome, part, spec, batch_size))
        return np.concatenate([torch.cat([b[a] for a in aggregations], dim=1).float().cpu().numpy() for b in batches])

    n = spec.n_bins
    every = by_shift(tss, compute, len(aggregations) * n)
    return {a: every[:, i * n:(i + 1) * n] for i, a in enumerate(aggregations)}
