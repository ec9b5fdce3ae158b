"""Benchmark: genes scored per second by each interpretation method, and peak memory. Prints JSON.

    python bench/interpret_speed.py [--preset demo] [--genes 16] [--pairs-per-gene 6] [--checkpoint ...]

Attention: each aggregation alone, and all three from one pass (``attention_all_three``, as the interpret
rule runs them). In-silico perturbation (``ism_shuffle``) costs one RC-averaged window per pair plus one per gene; it is
reported as genes/s and pairs/s with ``--pairs-per-gene`` elements at +-5, +-15, +-30 kb of each TSS, next to
the baseline it replaced, whole forward passes of every perturbed window (``ism_full_forward``, the same
shuffles): ``splice_speedup`` is their time ratio and ``splice_max_abs_diff`` the largest score difference.

Without --checkpoint a randomly initialised model of the preset is used (speed does not depend on the
weights). The genome is random sequence written to a temporary bgzipped FASTA. Runs on CUDA when present.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seq2track.data.store import FastaSource
from seq2track.data.windows import WindowSpec
from seq2track.device import setup_device
from seq2track.interpret.attention import tss_attention, tss_window_start
from seq2track.interpret.contributions import tss_contributions
from seq2track.interpret.perturbation import PSEUDOCOUNT, dinucleotide_shuffle, perturbation_scores
from seq2track.io.fasta import Genome, prepare_genome
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.inference import predict_onehot
from seq2track.predict.model import load_predictor


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ism_full_forward(model, genome: FastaSource, genes: pd.DataFrame, pairs: pd.DataFrame, spec: WindowSpec,
                     device, batch_size: int) -> np.ndarray:
    """The baseline: every perturbed TSS-centred window through the whole model (same seed and shuffles)."""
    rng, centre, out = np.random.default_rng(0), spec.length_bp // 2 // spec.bin_size_bp - spec.crop_bins, []
    for g in genes.itertuples():
        start = tss_window_start(g.tss, spec)
        ref = genome.codes(g.chrom, start, start + spec.length_bp)
        windows = [ref]
        for p in pairs[pairs["gene"] == g.gene].itertuples():
            changed = ref.copy()
            changed[p.chromStart - start:p.chromEnd - start] = dinucleotide_shuffle(
                ref[p.chromStart - start:p.chromEnd - start], rng)
            windows.append(changed)
        values = torch.cat([predict_onehot(model, torch.from_numpy(np.stack(windows[i:i + batch_size])).to(device))
                            [:, centre, 0] for i in range(0, len(windows), batch_size)]).double().cpu().numpy()
        out.append(np.log2((values[0] + PSEUDOCOUNT) / (values[1:] + PSEUDOCOUNT)))
    return np.concatenate(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--length-bp", type=int, default=98_304)
    ap.add_argument("--genes", type=int, default=16)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--pairs-per-gene", type=int, default=6)
    ap.add_argument("--checkpoint")
    args = ap.parse_args()
    torch.manual_seed(0)
    if args.checkpoint:
        model, spec, device = load_predictor(args.checkpoint)
        spec = spec.window
    else:
        device = setup_device("auto")
        model = Seq2Track(model_config_from(args.preset, num_tracks=3)).to(device).eval()
        spec = WindowSpec(args.length_bp, args.length_bp, model.cfg.bin_size_bp, model.cfg.crop_bins)
    rng = np.random.default_rng(0)
    size = spec.length_bp * (args.genes + 2)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "g.fa"
        src.write_text(">chrB\n" + "".join(rng.choice(list("ACGT"), size)) + "\n")
        prepare_genome(src, Path(tmp) / "g.fa.gz")
        genome = Genome(Path(tmp) / "g.fa.gz")
        genes = pd.DataFrame({"chrom": "chrB", "tss": spec.length_bp * (1 + np.arange(args.genes)),
                              "gene": [f"G{i}" for i in range(args.genes)]})
        runs = {f"attention_{a}": lambda a=a: tss_attention(model, genome, genes, spec, device, args.batch_size, (a,))
                for a in ("mean", "last_layer", "rollout")}
        runs["attention_all_three"] = lambda: tss_attention(model, genome, genes, spec, device, args.batch_size,
                                                            ("mean", "last_layer", "rollout"))   # as the rule
        runs["grad_x_input_rc"] = lambda: tss_contributions(model, genome, genes, spec, 0, device, args.batch_size)
        offsets = np.array([5_000, -5_000, 15_000, -15_000, 30_000, -30_000])[:args.pairs_per_gene]
        pairs = pd.DataFrame([{"chrTSS": "chrB", "gene": g.gene, "chromStart": g.tss + o - 150,
                               "chromEnd": g.tss + o + 150} for g in genes.itertuples() for o in offsets])
        runs["ism_shuffle"] = lambda: perturbation_scores(model, FastaSource(genome), genes, pairs, spec, 0, device,
                                                          args.batch_size)
        runs["ism_full_forward"] = lambda: ism_full_forward(model, FastaSource(genome), genes, pairs, spec, device,
                                                            args.batch_size)
        figures, results = {}, {}
        for name, fn in runs.items():
            fn()  # warm-up (allocations, cached positional tables)
            t0 = time.perf_counter()
            results[name] = fn()
            seconds = time.perf_counter() - t0
            figures[name] = {"genes_per_s": round(args.genes / seconds, 3)}
            if name.startswith("ism_"):
                figures[name]["pairs_per_s"] = round(len(pairs) / seconds, 3)
        figures["ism_shuffle"]["splice_speedup"] = round(figures["ism_shuffle"]["pairs_per_s"]
                                                         / figures["ism_full_forward"]["pairs_per_s"], 2)
        figures["ism_shuffle"]["splice_max_abs_diff"] = float(np.abs(results["ism_shuffle"]
                                                                     - results["ism_full_forward"]).max())
    print(json.dumps({"preset": args.preset if not args.checkpoint else "checkpoint", "device": str(device),
                      "threads": torch.get_num_threads(), "window_bp": spec.length_bp, "genes": args.genes,
                      "methods": figures, "peak_rss_mb": round(_peak_rss_mb(), 1)}, indent=2))


if __name__ == "__main__":
    main()
