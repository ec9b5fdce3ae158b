"""Does the training recipe learn on every seed? Train the demo on one dataset for several seeds; print JSON.

    python bench/demo_seeds.py                      # seeds 1-5, the demo config's epochs (~8 min a seed on 2 cores)
    python bench/demo_seeds.py --seeds 1,2 --epochs 6 --train key=value ... --model key=value ...
    python bench/demo_seeds.py --seeds 1,2,3 --interpret   # also score each seed's enhancer interpretation
    python bench/demo_seeds.py --seeds 3 --out DIR --reuse --interpret --interpret-on chr1 --interpret-genes 60
                                                    # an already trained seed, scored on its training chromosome
    python bench/demo_seeds.py --config other.yaml  # another demo config (own run, genome name, sources), merged
                                                    # onto config/config.yaml as Snakemake does
    python bench/demo_seeds.py --device cuda --seeds 1 --out DIR   # train on a GPU (CPU is the make-demo path)

Builds the demo dataset once (``snakemake results/<run>/dataset/meta.json`` with ``--config``, unless present),
then per seed trains with the config's ``train`` section (seed replaced; ``--train`` overrides keys) and reports
per track: test Pearson r of the best checkpoint (reverse-complement averaged, as the evaluate rule), its fraction of
the noise ceiling (the observed targets' r with the simulator's noise-free signal), its calibration
(``pred_to_obs``: summed prediction / summed target), the first epoch whose validation r reaches 0.5
(per track and for the mean), the test TSSs' r across genes (``evaluate_tss``: does it rank genes, not
only find promoters?), the same on the training chromosome and within each simulated promoter class
(``gene_fit``: has it fitted the genes' levels at all?), and the wall time. The figure of merit is
``min_fraction_of_ceiling`` (every seed and track) and ``max_first_epoch_r05``. With ``--interpret``, each
seed's model also goes through the interpret rule's work (``run_interpret_rule``, the config's ``interpret``
section, on the demo's test chromosome) and the run reports auPRC per method and stratum (all pairs in
reach, 0-10 / 10-50 kb, boundary-crossing, same domain), the best model score's margin over ABC-like, and
how the in-silico perturbation compares with the simulated effects (``perturbation_vs_truth``: the fraction of
Regulated pairs with the right sign, the median effect ratio (also per stratum), the Spearman r with the
effect size, and ``effect_ratio_by_distance``: the effect ratio per distance bin within a domain and across a
boundary, the rule's effect_by_distance.tsv: do the model's effects fade with distance as the screen's do?).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from snakemake.utils import update_config

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from seq2track.data.dataset import read_split_windows  # noqa: E402
from seq2track.data.spec import DataSpec  # noqa: E402
from seq2track.device import setup_device  # noqa: E402
from seq2track.evaluate import metrics_table, noise_ceiling, split_predictions  # noqa: E402
from seq2track.evaluate_tss import tss_metrics  # noqa: E402
from seq2track.interpret.enhancers import BASELINES, overall_row  # noqa: E402
from seq2track.io.tables import read_tss  # noqa: E402
from seq2track.model.checkpoint import load_checkpoint  # noqa: E402
from seq2track.train import train  # noqa: E402
from seq2track.train.rule import model_config_for, train_config_from  # noqa: E402


def _first_epoch(history: pd.DataFrame, column: str, level: float = 0.5) -> int | None:
    hit = history.loc[history[column] >= level, "epoch"]
    return int(hit.iloc[0]) if len(hit) else None


def _parse_overrides(items: list[str]) -> dict:
    return {k: yaml.safe_load(v) for k, v in (item.split("=", 1) for item in items)}


def ensure_dataset(config: dict, config_path: str) -> Path:
    """The demo dataset and the prepared files the evaluation and interpretation read (built when missing,
    by snakemake with ``config_path``, so that another demo config builds its own genome and dataset)."""
    data, res = Path("results") / config["run"] / "dataset", Path("resources") / config["genome"]["name"]
    tracks = pd.read_csv(REPO / config["tracks"], sep="\t")["id"] if (REPO / config["tracks"]).exists() else []
    targets = [data / "meta.json", res / "tss.bed", res / "enhancers.tsv", res / "genome.fa.gz.fai",
               *(res / "tracks" / f"{t}.bw" for t in tracks)]
    if not all((REPO / t).exists() for t in targets):
        subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2",   # "=": the option takes several
                        f"--configfile={Path(config_path).resolve()}", *map(str, targets)], cwd=REPO, check=True)
    return REPO / data


def ceiling(config: dict, data: Path, obs: np.ndarray) -> np.ndarray:
    sim_dir = REPO / config["simulate"]["out_dir"] / "expected"
    spec = DataSpec.read(data / "meta.json")
    return noise_ceiling([str(sim_dir / f"{t}.bw") for t in spec.track_ids], spec.tracks,
                         read_split_windows(data, "test"), spec.window, obs)


def run_seed(config: dict, data: Path, seed: int, overrides: dict, out: Path) -> dict:
    spec = DataSpec.read(data / "meta.json")
    section = {**config["train"], **overrides, "num_threads": 2, "checkpoint_every_steps": 0}
    cfg = train_config_from(section, config["model"], seed, threads=2)
    model_cfg = model_config_for(config["model"], spec)
    t0 = time.perf_counter()
    history = train(data, model_cfg, cfg, out, run_config={"seed": seed, "bench": "demo_seeds"})
    return evaluate_seed(config, data, seed, out, history, time.perf_counter() - t0)


def evaluate_seed(config: dict, data: Path, seed: int, out: Path, history: pd.DataFrame, seconds: float) -> dict:
    """Test-split figures of one seed's ``out/best.ckpt`` (``history``: its training history)."""
    spec = DataSpec.read(data / "meta.json")
    device = setup_device(config["train"]["device"], 2)
    model, _ = load_checkpoint(out / "best.ckpt", device)
    pred, obs = split_predictions(model, data, "test", device, config["predict"]["batch_size"], True)
    tracks, ceil = spec.track_ids, ceiling(config, data, obs)
    table = metrics_table(pred, obs, tracks, "test")
    test_r, ratio = table["pearson_r"].to_numpy(), table["pred_to_obs"].to_numpy()
    tss_bed = read_tss(REPO / "resources" / config["genome"]["name"] / "tss.bed")
    tss = tss_metrics(pred, obs, read_split_windows(data, "test"), tss_bed, spec.window, tracks, "test",
                      targets=spec.tracks)
    tss = tss["pearson_r_log1p"].to_numpy()
    fit = gene_fit(config, data, model, device, spec, tss_bed, {"test": (pred, obs)})
    return {"seed": seed, "gene_fit": fit, "epochs": len(history),
            "train_seconds": None if np.isnan(seconds) else round(seconds, 1),   # nan: reused, not trained
            "best_epoch": int(history.loc[history["valid_pearson_mean"].idxmax(), "epoch"]),
            "first_epoch_mean_r05": _first_epoch(history, "valid_pearson_mean"),
            "tracks": {t: {"test_r": round(float(r), 4), "noise_ceiling_r": round(float(c), 4),
                           "fraction_of_ceiling": round(float(r / c), 4), "pred_to_obs": round(float(q), 3),
                           "first_epoch_valid_r05": _first_epoch(history, f"valid_pearson_{t}"),
                           "test_tss_r_log1p": round(float(g), 3)}
                       for t, r, c, q, g in zip(tracks, test_r, ceil, ratio, tss)},
            "valid_r_by_epoch": [round(float(v), 3) for v in history["valid_pearson_mean"]]}


def gene_fit(config: dict, data: Path, model, device, spec: DataSpec, tss: pd.DataFrame,
             known: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """TSS-level r (log1p, the interpreted track) on the training and the test chromosomes, over all genes
    and within each simulated promoter class. Within the responsive (TATA) class only distal enhancers set a
    gene's level: a model that learned them ranks these genes, one that learned promoters only does not, and
    a model that cannot rank them on the chromosome it trained on has not fitted them (not: over-fitted).
    ``known``: {split: (predictions, targets)} already computed; other splits are predicted here."""
    res = REPO / "resources" / config["genome"]["name"]
    classes = pd.read_csv(res / "enhancers.tsv", sep="\t").drop_duplicates("measuredGeneSymbol")
    cls = tss["name"].map(classes.set_index("measuredGeneSymbol")["promoter_class"])
    t = spec.track_ids.index(config["interpret"]["track"])
    out = {}
    for split in ("train", "test"):
        pred, obs = known[split] if split in known else split_predictions(
            model, data, split, device, config["predict"]["batch_size"], True)
        windows = read_split_windows(data, split)
        out[split] = {name: round(float(tss_metrics(pred[..., [t]], obs[..., [t]], windows, tss[keep], spec.window,
                                                    ["track"], split, targets=spec.tracks[t:t + 1]
                                                    )["pearson_r_log1p"].iloc[0]), 3)
                      for name, keep in [("all", tss["name"].notna())] + [(c, cls == c) for c in
                                                                          sorted(cls.dropna().unique())]}
    return out


def _effect_columns(summary: pd.DataFrame) -> dict | None:
    """In-silico perturbation against the simulated effect sizes over all pairs in reach (``summarise``),
    ``effect_ratio`` per stratum (e.g. TATA against housekeeping promoters: has it learned how each responds?),
    and ``effect_ratio_all`` across a boundary and within a domain at 10-50 kb (has it learned insulation?)."""
    row = overall_row(summary, "ism_shuffle")
    if row.empty:
        return None
    ism = summary[summary["method"].eq("ism_shuffle")]

    def by_stratum(distance_bin: str, column: str) -> dict:
        part = ism[ism["distance_bin"].eq(distance_bin) & ~ism["stratum"].eq("all")]
        return {s: None if np.isnan(v) else round(float(v), 3) for s, v in zip(part["stratum"], part[column])}

    mid = by_stratum("10-50kb", "effect_ratio_all")
    return {**{c: round(float(row[c].iloc[0]), 3) for c in ("right_sign", "effect_ratio", "spearman_effect_size")},
            "effect_ratio_by_stratum": by_stratum("all", "effect_ratio"),
            "effect_ratio_all_10_50kb": {s: mid.get(s) for s in ("crosses_boundary", "same_domain")}}


def _by_distance(table_tsv: str) -> dict | None:
    """The rule's effect_by_distance.tsv for the in-silico perturbation as {stratum: {distance bin: ratio}}."""
    table = pd.read_csv(table_tsv, sep="\t")
    table = table[table["method"].eq("ism_shuffle")]
    if table.empty:
        return None
    return {stratum: {b: None if np.isnan(r) else round(float(r), 3) for b, r in zip(g["distance_bin"],
                                                                                    g["effect_ratio"])}
            for stratum, g in table.groupby("stratum", sort=False)}


def _margin_interval(summary: pd.DataFrame, method: str) -> list[float] | None:
    """The paired gene-bootstrap 95% interval of ``method``'s auPRC minus ABC-like's, over all pairs."""
    row = overall_row(summary, method)
    if "auprc_minus_abc_lo" not in row or row.empty or np.isnan(row["auprc_minus_abc_lo"].iloc[0]):
        return None
    return [round(float(row[c].iloc[0]), 3) for c in ("auprc_minus_abc_lo", "auprc_minus_abc_hi")]


def interpret_seed(config: dict, data: Path, run_dir: Path, chromosomes: list[str] | None = None,
                   max_genes: int | None = None) -> dict:
    """The interpret rule's work on one seed's best.ckpt (outputs in ``run_dir/interpret``); auPRC table.
    ``chromosomes`` (default: the test chromosomes) and ``max_genes``: e.g. the training chromosome, to tell a
    model that did not fit the enhancers' effects from one that fitted them and does not generalise."""
    from types import SimpleNamespace

    from seq2track.interpret.rule import run_interpret_rule

    res = REPO / "resources" / config["genome"]["name"]
    cfg = {**config["interpret"], **({"max_genes": max_genes} if max_genes else {})}
    chromosomes = chromosomes or config["windows"]["test_chromosomes"]
    out = run_dir / ("interpret" if chromosomes == config["windows"]["test_chromosomes"] else
                     f"interpret_{'_'.join(chromosomes)}")
    out.mkdir(exist_ok=True)
    store = (data / json.loads((data / "meta.json").read_text())["store"] / "store.json").resolve()
    tracks = pd.read_csv(REPO / config["tracks"], sep="\t")["id"]
    inp = SimpleNamespace(model=str(run_dir / "best.ckpt"), store=str(store), fai=str(res / "genome.fa.gz.fai"),
                          enhancers=str(res / "enhancers.tsv"), tss=str(res / "tss.bed"),
                          accessibility=[str(res / "tracks" / f"{cfg['accessibility_track']}.bw")],
                          observed=[str(res / "tracks" / f"{t}.bw") for t in tracks])
    names = ("scores", "contributions_bw", "crispr_predictions", "crispr_config", "summary", "plot", "locus",
             "pr_curves", "effect_by_distance")
    files = ("enhancer_scores.tsv", "grad_x_input.bw", "predictions.tsv.gz", "pred_config.txt", "summary.tsv",
             "attention_vs_distance.png", "locus.png", "pr_curves.png", "effect_by_distance.tsv")
    outs = SimpleNamespace(**{n: str(out / f) for n, f in zip(names, files)},
                           attention_bw=[str(out / f"attention_{a}.bw") for a in cfg["aggregations"]])
    t0 = time.perf_counter()
    run_interpret_rule(inp, cfg, chromosomes, config["seed"], 2, outs)
    full = pd.read_csv(outs.summary, sep="\t")
    summary = full[full["distance_bin"].eq("all") | full["stratum"].eq("all")]
    table = {f"{b}/{s}": {m: None if np.isnan(v) else round(float(v), 3) for m, v in zip(g["method"], g["auprc"])}
             for (b, s), g in summary.groupby(["distance_bin", "stratum"], sort=False)}
    overall = table["all/all"]
    best = max((m for m in overall if m not in BASELINES), key=overall.get)
    return {"seconds": round(time.perf_counter() - t0, 1), "best_model_method": best,
            "perturbation_vs_truth": _effect_columns(full),
            "effect_ratio_by_distance": _by_distance(outs.effect_by_distance),
            "best_minus_abc": round(overall[best] - overall["abc"], 3),
            "best_minus_abc_ci95": _margin_interval(full, best),
            "n_pairs": int(summary["n_pairs"].iloc[0]), "n_positive": int(summary["n_positive"].iloc[0]),
            "auprc": table}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--epochs", type=int, default=None, help="default: the config's train.epochs")
    ap.add_argument("--device", default="cpu", help="train and evaluate on cpu (default: the make-demo path) or "
                    "cuda; the interpretation takes CUDA when present, as the interpret rule does")
    ap.add_argument("--train", nargs="*", default=[], metavar="KEY=VALUE", help="override train keys")
    ap.add_argument("--model", nargs="*", default=[], metavar="KEY=VALUE", help="override model.overrides keys")
    ap.add_argument("--interpret", action="store_true", help="also score each seed's enhancer interpretation")
    ap.add_argument("--interpret-on", default=None, metavar="CHROM[,CHROM]",
                    help="interpret on these chromosomes instead of the test ones (e.g. chr1, the training one)")
    ap.add_argument("--interpret-genes", type=int, default=None, help="with --interpret: at most this many genes")
    ap.add_argument("--out", default=None, help="folder for the runs (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="with --out: evaluate a seed already trained there "
                    "(its best.ckpt and history.tsv) instead of training it again")
    args = ap.parse_args()
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())   # as Snakemake: --config merges onto it
    update_config(config, yaml.safe_load(Path(args.config).read_text()))
    config["train"]["device"] = args.device
    overrides = _parse_overrides(args.train)
    if args.epochs:
        overrides["epochs"] = args.epochs
    config["model"]["overrides"] = {**(config["model"].get("overrides") or {}), **_parse_overrides(args.model)}
    data = ensure_dataset(config, args.config)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.out or tmp)
        runs = [evaluate_seed(config, data, int(s), root / f"seed{s}",
                              pd.read_csv(root / f"seed{s}" / "history.tsv", sep="\t"), float("nan"))
                if args.reuse and (root / f"seed{s}" / "history.tsv").exists()
                else run_seed(config, data, int(s), overrides, root / f"seed{s}") for s in args.seeds.split(",")]
        for run in runs if args.interpret else []:
            run["interpret"] = interpret_seed(config, data, root / f"seed{run['seed']}", args.interpret_on and
                                              args.interpret_on.split(","), args.interpret_genes)
    fractions = [t["fraction_of_ceiling"] for r in runs for t in r["tracks"].values()]
    firsts = [r["first_epoch_mean_r05"] for r in runs]
    trained = [r["train_seconds"] for r in runs if r["train_seconds"] is not None]
    print(json.dumps({
        "bench": "demo_seeds", "config": str(args.config), "device": args.device, "train_overrides": overrides,
        "model_overrides": config["model"]["overrides"], "runs": runs,
        "min_fraction_of_ceiling": min(fractions),
        "max_first_epoch_r05": None if None in firsts else max(firsts),
        "mean_train_seconds": round(float(np.mean(trained)), 1) if trained else None}, indent=1))


if __name__ == "__main__":
    main()
