"""Gradient x input of a track's output at the TSS bin, with respect to the one-hot input (autograd).

For a gene's TSS-centred window, the scalar is the predicted value of ``track`` in the output bin that
holds the TSS; its gradient times the one-hot input, summed over the four channels, gives one
contribution per base (L,). With ``rc_average`` the same is done on the reverse-complement window
(where the TSS lies in a mirrored bin) and mapped back to forward coordinates before averaging.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import torch

from seq2track.data.encoding import one_hot
from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import by_shift, tss_window_batches
from seq2track.data.store import SequenceSource
from seq2track.model.network import Seq2Track


def _output_bin(offset_bp: int, spec: WindowSpec) -> int:
    """Output (cropped) bin of a position ``offset_bp`` into the window."""
    return offset_bp // spec.bin_size_bp - spec.crop_bins


def gradient_x_input(model: Seq2Track, x: torch.Tensor, out_bin: int | slice, track: int) -> torch.Tensor:
    """(B, L, 4) one-hot -> (B, L) contributions of each base to output[:, out_bin, track] (summed over bins).
    The model must be in eval mode: only the explained bins are computed after the last attention
    (``Seq2Track.forward_from_tower``), forward and backward."""
    bins = [out_bin] if isinstance(out_bin, int) else list(range(out_bin.start, out_bin.stop))
    x = x.detach().clone().requires_grad_(True)
    with inputs_only(model):
        model.forward_from_tower(model.tower_features(x), bins)[:, :, track].sum().backward()
    return (x.grad * x).sum(dim=-1).detach()


@contextlib.contextmanager
def inputs_only(model: torch.nn.Module):
    """Backward passes inside compute gradients for the inputs only: the weights' gradients, which
    gradient x input does not use, are ~22% of its time on the demo model (CPU)."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    for p in trainable:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in trainable:
            p.requires_grad_(True)


def tss_contributions(model: Seq2Track, genome: SequenceSource, genes: pd.DataFrame, spec: WindowSpec, track: int,
                      device: torch.device, batch_size: int = 4, rc_average: bool = True, tss_bins: int = 1
                      ) -> np.ndarray:
    """Gradient x input per base (G, L) for each gene's TSS-centred window (``genes``: chrom, tss; optional
    shift_bp: the window moved by that much, ``seq2track.interpret.reach``).

    The explained scalar is the track's output summed over the TSS bin and (tss_bins - 1) / 2 bins
    on each side.
    """
    model.eval()
    dtype = next(model.parameters()).dtype

    def compute(part: pd.DataFrame, shift_bp: int) -> np.ndarray:
        offset = spec.length_bp // 2 - shift_bp  # the TSS position inside its window
        half = tss_bins // 2
        centre = _output_bin(offset, spec)
        fwd_bin = slice(centre - half, centre + half + 1)
        rc_centre = _output_bin(spec.length_bp - 1 - offset, spec)
        rc_bin = slice(rc_centre - half, rc_centre + half + 1)
        out = []
        for codes in tss_window_batches(genome, part, spec, batch_size):
            x = torch.from_numpy(one_hot(codes)).to(device=device, dtype=dtype)
            contrib = gradient_x_input(model, x, fwd_bin, track)
            if rc_average:
                x_rc = x.flip(1).flip(2)   # reverse, and A<->T, C<->G in ACGT order
                contrib = 0.5 * (contrib + gradient_x_input(model, x_rc, rc_bin, track).flip(1))
            out.append(contrib.float().cpu().numpy())
        return np.concatenate(out)

    return by_shift(genes, compute, spec.length_bp)
