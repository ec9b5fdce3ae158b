"""Benchmark: how much a trained model's prediction for a bin depends on where the bin sits in its window.
Prints JSON.

    python bench/shift_dependence.py --fasta resources/demo/genome.fa.gz --chrom chr3 CKPT [CKPT ...]

For each checkpoint, windows of ``--length-bp`` starting at each of ``--starts`` and shifted right by each of
``--offsets`` output bins are predicted (no RC averaging); the bins two windows share are compared: median and
95th percentile of the symmetric relative difference |a - b| / mean(a, b) per track, and the lowest Pearson r of
log1p values over the starts. Rotary and ALiBi-only (``positional: none``) attention are relative, so their
predictions shift with the sequence up to the conv tower's edges; absolute sinusoidal encodings are not.
Predicted bigWigs are stitched from windows, so this is the size of the seams a browser can show.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pysam
import torch

from seq2track.data.encoding import encode
from seq2track.model.checkpoint import load_checkpoint
from seq2track.model.inference import predict_windows


def _predict(model, fasta: pysam.FastaFile, chrom: str, start: int, length: int) -> np.ndarray:
    codes = encode(fasta.fetch(chrom, start, start + length))[None]
    return predict_windows(model, codes, torch.device("cpu"), rc_average=False)[0]


def _rounded(values: np.ndarray, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values]


def shift_dependence(path: str, fasta: pysam.FastaFile, chrom: str, starts: list[int], offsets: list[int],
                     length: int) -> dict:
    model, _ = load_checkpoint(path)
    bin_bp = model.cfg.bin_size_bp
    result = {"checkpoint": path, "positional": model.cfg.positional, "alibi": model.cfg.alibi, "offsets": {}}
    unshifted = {start: _predict(model, fasta, chrom, start, length) for start in starts}
    for offset in offsets:
        rows = []
        for start in starts:
            a = unshifted[start][offset:]
            b = _predict(model, fasta, chrom, start + offset * bin_bp, length)[: a.shape[0]]
            rel = 2 * np.abs(a - b) / (np.abs(a) + np.abs(b) + 1e-6)
            r = [np.corrcoef(np.log1p(a[:, t]), np.log1p(b[:, t]))[0, 1] for t in range(a.shape[1])]
            rows.append((np.median(rel, axis=0), np.percentile(rel, 95, axis=0), r))
        result["offsets"][offset] = {
            "median_rel_diff": _rounded(np.mean([row[0] for row in rows], axis=0), 4),
            "p95_rel_diff": _rounded(np.mean([row[1] for row in rows], axis=0), 4),
            "min_r_log1p": _rounded(np.min([row[2] for row in rows], axis=0), 5)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--fasta", required=True)
    parser.add_argument("--chrom", required=True)
    parser.add_argument("--starts", type=int, nargs="+", default=[200_000, 500_000, 800_000])
    parser.add_argument("--offsets", type=int, nargs="+", default=[8, 32, 128], help="shifts in output bins")
    parser.add_argument("--length-bp", type=int, default=98_304)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    fasta = pysam.FastaFile(args.fasta)
    runs = [shift_dependence(c, fasta, args.chrom, args.starts, args.offsets, args.length_bp)
            for c in args.checkpoints]
    print(json.dumps({"bench": "shift_dependence", "chrom": args.chrom, "starts": args.starts,
                      "length_bp": args.length_bp, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
