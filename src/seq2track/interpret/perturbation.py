"""In-silico perturbation of enhancer-gene pairs: the model's version of a CRISPRi experiment.

For each pair whose element lies inside the gene's TSS-centred window, the element's bases are replaced by a
seeded dinucleotide shuffle of themselves (Altschul & Erickson 1985: same length, same dinucleotide counts,
same first and last base; motif grammar destroyed), and the score is the log2 fold change of the predicted
track (CAGE-like) at the TSS bin(s), reference over perturbed, reverse-complement averaged: positive when
removing the element lowers expression, as for an enhancer. This is the quantity a CRISPRi screen measures
(Enformer, Avsec et al. 2021; Karollus et al. 2023). One gene's perturbed windows are predicted together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from seq2track.data.store import SequenceSource
from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import tss_window_start
from seq2track.interpret.reach import pair_shifts, pair_tss
from seq2track.model.inference import predict_onehot
from seq2track.model.network import Seq2Track, one_hot_codes

PSEUDOCOUNT = 1e-3


def dinucleotide_shuffle(seq: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random sequence with exactly the dinucleotide counts of ``seq`` (and its first and last symbol):
    a random Eulerian walk over the sequence's transition multigraph (Altschul-Erickson)."""
    seq = np.asarray(seq)
    if len(seq) < 3:
        return seq.copy()
    last = seq[-1]
    successors = {s: list(seq[1:][seq[:-1] == s]) for s in np.unique(seq[:-1])}
    while True:  # a random last exit per vertex; valid when every vertex's last exits lead to `last`
        exits = {s: int(rng.integers(len(nxt))) for s, nxt in successors.items() if s != last}
        if all(_reaches(s, {v: successors[v][i] for v, i in exits.items()}, last) for s in exits):
            break
    order = {}
    for s, nxt in successors.items():
        rest = list(nxt)
        final = rest.pop(exits[s]) if s in exits else None
        rest = [rest[i] for i in rng.permutation(len(rest))]
        order[s] = rest + ([final] if final is not None else [])
    out, current, used = [seq[0]], seq[0], {s: 0 for s in order}
    for _ in range(len(seq) - 1):
        current = order[current][used[current]]
        used[out[-1]] += 1
        out.append(current)
    return np.array(out, dtype=seq.dtype)


def _reaches(start, tree: dict, target) -> bool:
    seen, node = set(), start
    while node != target:
        if node in seen or node not in tree:
            return False
        seen.add(node)
        node = tree[node]
    return True


def _tss_value(preds: torch.Tensor, centre: int, half: int, track: int) -> np.ndarray:
    return preds[:, centre - half:centre + half + 1, track].sum(dim=1).double().cpu().numpy()


def perturbation_scores(model: Seq2Track, genome: SequenceSource, genes: pd.DataFrame, pairs: pd.DataFrame,
                        spec: WindowSpec, track: int, device: torch.device, batch_size: int = 4, seed: int = 0,
                        tss_bins: int = 1) -> np.ndarray:
    """log2(predicted TSS value with the element / with it shuffled) per pair; NaN when out of reach.

    Each pair is scored in the window ``reach.pair_shifts`` picks (TSS-centred, or moved towards a far element).
    """
    model.eval()
    dtype = next(model.parameters()).dtype
    rng = np.random.default_rng(seed)
    half = tss_bins // 2
    tss = pair_tss(pairs, genes)
    shifts = pair_shifts(pairs["chromStart"].to_numpy(), pairs["chromEnd"].to_numpy(), tss, spec)
    scores = np.full(len(pairs), np.nan)
    keys = pd.DataFrame({"chrom": pairs["chrTSS"].to_numpy(), "tss": tss, "shift": shifts})
    for (chrom, position, shift), group in keys.dropna().groupby(["chrom", "tss", "shift"], sort=False):
        start = tss_window_start(int(position), spec, int(shift))
        centre = (int(position) - start) // spec.bin_size_bp - spec.crop_bins  # output bin of the TSS
        ref = genome.codes(chrom, start, start + spec.length_bp)
        windows = [ref]
        for i in group.index:
            lo, hi = int(pairs["chromStart"].iloc[i]) - start, int(pairs["chromEnd"].iloc[i]) - start
            changed = ref.copy()
            changed[lo:hi] = dinucleotide_shuffle(ref[lo:hi], rng)
            windows.append(changed)
        values = []
        for lo in range(0, len(windows), batch_size):
            x = one_hot_codes(torch.from_numpy(np.stack(windows[lo:lo + batch_size])).to(device)).to(dtype)
            values.append(_tss_value(predict_onehot(model, x, rc_average=True), centre, half, track))
        values = np.concatenate(values)
        scores[group.index] = np.log2((values[0] + PSEUDOCOUNT) / (values[1:] + PSEUDOCOUNT))
    return scores
