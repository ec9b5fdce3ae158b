"""How hard is the demo's enhancer truth for the baselines? Simulate, then score the truth. Prints JSON.

    python bench/simulated_truth.py [--config config/config.yaml] [--seed 1] [--reach-bp 81920] [--set key=value ...]
                                    [--chromosomes chr3]    # score only these chromosomes' pairs (chr3: the test one)
    python bench/simulated_truth.py --config bench/configs/boundary.yaml --chromosomes chr3
                                    # another config is merged onto config/config.yaml, as Snakemake does

Simulates the genome of the config's ``simulate`` section (a few seconds; nothing is trained) and ranks its
enhancer-gene pairs within ``--reach-bp`` of the TSS (the model's reach on the demo) by the noise-free
versions of the interpret baselines: accessibility (the expected DNase-like signal over the element),
1/distance and ABC-like (accessibility / distance as a fraction per gene), plus the simulator's own effect
size as a check (auPRC 1). Reports auPRC overall, per distance bin and per stratum, with counts: a truth
that the baselines solve cannot show what a model adds (issue 17). Also reports how the observed tracks' noise
compares with the effects a model must learn (``noise_vs_effect``): per track the spread (SD) of log(observed /
expected) at the TSS bins (128 bp, summed) of the chosen chromosomes, and per distance bin the median measured
loss of the pairs that lose at least 2% (the floor of interpret/effect_by_distance.tsv), within a domain and
across a boundary, e.g. ``--chromosomes chr1 chr4`` for the demo's training chromosomes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import yaml
from snakemake.utils import update_config

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from seq2track.interpret.enhancers import (DISTANCE_BINS_BP, MIN_SCREEN_LOSS, add_accessibility_baselines,  # noqa: E402
                                           pair_subsets, reach_bin_masks)
from seq2track.io.tables import read_enhancer_pairs, read_tss  # noqa: E402
from seq2track.simulate.signal import TRACKS  # noqa: E402
from seq2track.metrics import ranking_metrics  # noqa: E402
from seq2track.simulate import params_from_config, simulate_demo  # noqa: E402


def _scores(out: Path) -> pd.DataFrame:
    """The pairs with the interpret rule's own baselines, computed on the noise-free DNase-like signal."""
    pairs = read_enhancer_pairs(out / "enhancers.tsv")
    distance = pairs["distanceToTSS"].clip(lower=1)
    pairs = pairs.assign(gene=pairs["measuredGeneSymbol"], distance_bp=distance, inverse_distance=1.0 / distance,
                         true_effect=-pairs["EffectSize"])
    return add_accessibility_baselines(pairs, str(out / "expected" / "dnase.bw"))


def _tss_noise(out: Path, chromosomes: list[str] | None, bin_bp: int = 128) -> dict:
    """Per track: TSS bins counted and the SD of log(observed / expected) over them (bins with both > 0)."""
    tss = read_tss(out / "tss.bed")
    if chromosomes:
        tss = tss[tss["chrom"].isin(chromosomes)]
    result = {}
    for track in TRACKS:
        with pyBigWig.open(str(out / "tracks" / f"{track}.bw")) as obs, \
                pyBigWig.open(str(out / "expected" / f"{track}.bw")) as exp:
            sums = np.array([[np.nansum(bw.values(c, lo, lo + bin_bp)) for bw in (obs, exp)]
                             for c, lo in zip(tss["chrom"], tss["start"] // bin_bp * bin_bp)]).reshape(-1, 2)
        ok = (sums > 0).all(axis=1)
        result[track] = {"tss_bins": int(ok.sum()), "sd_log_observed_over_expected":
                         round(float(np.std(np.log(sums[ok, 0] / sums[ok, 1]), ddof=1)), 4) if ok.sum() > 1 else None}
    return result


def _median_loss(pairs: pd.DataFrame) -> dict:
    """Median measured loss (and count) of pairs losing >= MIN_SCREEN_LOSS, per reach bin and stratum."""
    loss = -pairs["EffectSize"].to_numpy(dtype=float)
    result = {}
    for stratum, distance_bin, mask in reach_bin_masks(pairs, pairs["distanceToTSS"].to_numpy(dtype=float)):
        keep = mask & (loss >= MIN_SCREEN_LOSS)
        result[f"{stratum}/{distance_bin}"] = {
            "n_pairs": int(keep.sum()), "median_loss": round(float(np.median(loss[keep])), 4) if keep.any() else None}
    return result


def _auprc(part: pd.DataFrame, method: str) -> float | None:
    labels = part["Regulated"].to_numpy(dtype=bool)
    return round(ranking_metrics(labels, part[method].to_numpy(dtype=float))["auprc"], 3) if labels.any() else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reach-bp", type=int, default=81_920)
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override simulate keys")
    ap.add_argument("--chromosomes", nargs="*", default=None, help="score only the pairs on these chromosomes")
    args = ap.parse_args()
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())   # as Snakemake: --config merges onto it
    update_config(config, yaml.safe_load(Path(args.config).read_text()))
    section = config["simulate"]
    section.update({k: yaml.safe_load(v) for k, v in (s.split("=", 1) for s in args.set)})
    params = params_from_config({k: v for k, v in section.items() if k not in ("enabled", "out_dir")}, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        summary = simulate_demo(params, tmp)
        pairs = _scores(Path(tmp))
        noise = _tss_noise(Path(tmp), args.chromosomes)
    if args.chromosomes:
        pairs = pairs[pairs["chrom"].isin(args.chromosomes)]
    reach = pairs[pairs["distanceToTSS"] <= args.reach_bp]
    subsets = {name if stratum == "all" else stratum if name == "all" else f"{name}/{stratum}": part
               for name, stratum, part in pair_subsets(reach)}
    methods = ["abc", "accessibility", "inverse_distance", "true_effect"]
    result = {name: {"n_pairs": len(part), "n_positive": int(part["Regulated"].sum()),
                     **{m: _auprc(part, m) for m in methods}} for name, part in subsets.items()}
    print(json.dumps({"bench": "simulated_truth", "seed": args.seed, "reach_bp": args.reach_bp,
                      "overrides": args.set, "chromosomes": args.chromosomes, "n_pairs_total": len(pairs),
                      "pairs_per_distance_bin_total": {name: int(((pairs["distanceToTSS"] > lo)
                                                                  & (pairs["distanceToTSS"] <= hi)).sum())
                                                       for name, (lo, hi) in DISTANCE_BINS_BP.items()},
                      "simulation": {k: v for k, v in summary.items() if k not in ("params", "motifs")},
                      "auprc": result,
                      "noise_vs_effect": {"tss_noise": noise, "median_loss_by_distance": _median_loss(pairs)}},
                     indent=1, default=str))


if __name__ == "__main__":
    main()
