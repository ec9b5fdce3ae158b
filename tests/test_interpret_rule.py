"""The interpret rule end to end on tiny inputs: a conv-only model and no enhancer pair in reach; its warning
when in-silico perturbation has the wrong sign."""

import logging
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyBigWig

from conftest import build_dataset_over_store
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.windows import WindowSpec
from seq2track.interpret.enhancers import summarise
from seq2track.interpret.rule import run_interpret_rule, warn_on_inverted_effects
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.checkpoint import save_checkpoint


def test_conv_only_model_and_no_pairs_in_reach(tmp_path, tiny_genome, tiny_bigwig, caplog):
    spec = DataSpec(WindowSpec(4096, 4096, 128, 4), (TrackSpec("cage"),))
    windows = pd.DataFrame({"chrom": ["chrA"], "start": [0], "end": [4096], "split": ["test"]})
    build_dataset_over_store(tmp_path / "ds", tiny_genome, [tiny_bigwig[0]], spec, windows)
    model = Seq2Track(model_config_from("tiny", num_tracks=1, crop_bins=4, num_transformer_layers=0))
    save_checkpoint(tmp_path / "m.ckpt", model, {}, data_spec=spec.to_dict())
    (tmp_path / "tss.bed").write_text("chrA\t20000\t20001\tG1\t0\t+\nchrA\t30000\t30001\tG2\t0\t-\n")
    cols = ["chrom", "chromStart", "chromEnd", "name", "chrTSS", "startTSS", "endTSS", "measuredGeneSymbol",
            "Regulated"]
    pd.DataFrame([["chrB", 5000, 5500, "e1", "chrB", 9000, 9001, "G9", "TRUE"]], columns=cols).to_csv(
        tmp_path / "pairs.tsv", sep="\t", index=False)
    inp = SimpleNamespace(model=str(tmp_path / "m.ckpt"), store=str(tmp_path / "ds-store" / "store.json"),
                          fai=f"{tiny_genome}.fai", tss=str(tmp_path / "tss.bed"),
                          enhancers=str(tmp_path / "pairs.tsv"), accessibility=[str(tiny_bigwig[0])],
                          observed=[str(tiny_bigwig[0])])
    names = ["scores.tsv", "summary.tsv", "plot.png", "pr.png", "locus.png", "gxi.bw", "a_mean.bw", "a_roll.bw"]
    p = {n: str(tmp_path / "out" / n) for n in names}
    (tmp_path / "out").mkdir()
    out = SimpleNamespace(scores=p["scores.tsv"], summary=p["summary.tsv"], plot=p["plot.png"],
                          pr_curves=p["pr.png"], locus=p["locus.png"], contributions_bw=p["gxi.bw"],
                          attention_bw=[p["a_mean.bw"], p["a_roll.bw"]],
                          crispr_predictions=str(tmp_path / "out" / "pred.tsv.gz"),
                          crispr_config=str(tmp_path / "out" / "pred_config.txt"),
                          effect_by_distance=str(tmp_path / "out" / "effect_by_distance.tsv"))
    cfg = {"max_genes": None, "batch_size": 2, "aggregations": ["mean", "rollout"], "track": "cage",
           "aggregate": "mean", "bootstrap": 10, "perturbation_background": True}
    with caplog.at_level(logging.WARNING):
        run_interpret_rule(inp, cfg, ["chrA"], seed=1, threads=1, out=out)
    messages = " ".join(r.message for r in caplog.records)
    assert "no transformer layers" in messages and "no enhancer-gene pair within reach" in messages
    summary = pd.read_csv(out.summary, sep="\t")
    assert set(summary["method"]) == {"grad_x_input", "inverse_distance", "ism_shuffle", "ism_background",
                                      "accessibility", "abc"}
    assert (summary["n_pairs"] == 0).all() and summary["auprc"].isna().all()
    assert pd.read_csv(out.crispr_predictions, sep="\t").empty   # the benchmark's format, no pair in reach
    assert set(pd.read_csv(out.crispr_config, sep="\t")["pred_col"]) == set(summary["method"])
    by_distance = pd.read_csv(out.effect_by_distance, sep="\t")     # pairs without a measured EffectSize
    assert by_distance.empty and list(by_distance.columns) == ["method", "stratum", "distance_bin", "n_pairs",
                                                               "effect_ratio"]
    for png in (out.plot, out.pr_curves, out.locus):
        assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    with pyBigWig.open(p["a_mean.bw"]) as bw:                      # declared outputs exist, without data
        assert bw.chroms() == {"chrA": 40_000, "chrB": 30_000} and not bw.intervals("chrA")
    with pyBigWig.open(p["gxi.bw"]) as bw:
        assert bw.intervals("chrA")


def test_warns_when_perturbation_moves_regulated_genes_the_wrong_way(caplog):
    """A model whose in-silico perturbation raises most Regulated genes has not learned the enhancers: the rule
    says so in its log; a right-signed one, or too few Regulated pairs to tell, gets no warning."""
    def table(loss_of_regulated, n_regulated=12):
        n = 40
        return pd.DataFrame({"in_reach": True, "distance_bp": 5_000, "Regulated": np.arange(n) < n_regulated,
                             "EffectSize": np.where(np.arange(n) < n_regulated, -0.2, -0.01),
                             "ism_shuffle": np.where(np.arange(n) < n_regulated, -np.log2(1 - loss_of_regulated),
                                                     0.0)})
    with caplog.at_level(logging.WARNING):
        warn_on_inverted_effects(summarise(table(-0.01), ["ism_shuffle"], n_boot=5))
    assert "wrong sign for 100% of the 12 Regulated pairs" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        warn_on_inverted_effects(summarise(table(0.01), ["ism_shuffle"], n_boot=5))
        warn_on_inverted_effects(summarise(table(-0.01, n_regulated=5), ["ism_shuffle"], n_boot=5))
    assert "wrong sign" not in caplog.text
