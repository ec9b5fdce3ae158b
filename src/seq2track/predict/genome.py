"""Slide the model over chromosomes, average with the reverse complement, stitch cropped centres.

Output blocks tile each chromosome: block k covers [k * span, (k + 1) * span) with span = out_bins x bin,
predicted from the input window that starts crop_bp earlier (N-padded beyond the contig ends).
Blocks whose input is all N (assembly gaps) are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from seq2track.data.encoding import N_CODE
from seq2track.data.windows import WindowSpec
from seq2track.io.bigwig import write_bigwig_bins
from seq2track.data.store import SequenceSource
from seq2track.model.inference import predict_windows
from seq2track.model.network import Seq2Track


def predict_regions(model: Seq2Track, genome: SequenceSource, chroms: list[str], spec: WindowSpec, device: torch.device,
                    batch_size: int = 4, rc_average: bool = True):
    """Yield (chrom, start0, predictions (out_bins, T)) blocks, sorted, tiling each chromosome."""
    span = spec.n_out_bins * spec.bin_size_bp
    model.eval()
    for chrom in chroms:
        size = genome.sizes[chrom]
        starts = [s for s in range(0, size, span)]
        for i in range(0, len(starts), batch_size):
            batch = starts[i:i + batch_size]
            codes = np.stack([genome.codes(chrom, s - spec.crop_bp, s - spec.crop_bp + spec.length_bp)
                              for s in batch])
            keep = [j for j in range(len(batch)) if (codes[j] != N_CODE).any()]
            if not keep:
                continue
            preds = predict_windows(model, codes[keep], device, rc_average)
            for j, p in zip(keep, preds):
                yield chrom, batch[j], p


def predict_to_bigwigs(model: Seq2Track, genome: SequenceSource, chroms: list[str], spec: WindowSpec,
                       out_paths: list[str | os.PathLike], device: torch.device, batch_size: int = 4,
                       rc_average: bool = True) -> None:
    """Write one bigWig per track (``out_paths`` in track order) over ``chroms`` at bin resolution."""
    chroms = [c for c in genome.sizes if c in set(chroms)]  # bigWig entries follow the header order
    blocks = list(predict_regions(model, genome, chroms, spec, device, batch_size, rc_average))
    header = {c: genome.sizes[c] for c in genome.sizes}
    for t, path in enumerate(out_paths):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_bigwig_bins(path, header, ((c, s, p[:, t]) for c, s, p in blocks), spec.bin_size_bp)
