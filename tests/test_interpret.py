"""Coordinate mapping of enhancers onto attention key bins, and pair scoring."""

import numpy as np
import pandas as pd
import pytest
import torch

from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import element_key_bins, rollout, tss_attention, tss_window_start
from seq2track.interpret.contributions import gradient_x_input
from seq2track.interpret.crispr_benchmark import cell_type_of, write_comparison_inputs
from seq2track.interpret.enhancers import (effect_by_distance_table, effect_ratio_by_distance, element_score,
                                          match_genes, score_pairs, summarise)
from seq2track.io.fasta import Genome
from seq2track.model import Seq2Track, model_config_from

SPEC = WindowSpec(length_bp=4096, stride_bp=4096, bin_size_bp=128, crop_bins=4)


def test_tss_sits_in_the_middle_query_bin():
    tss = 10_000
    start = tss_window_start(tss, SPEC)
    assert (tss - start) // 128 == SPEC.n_bins // 2
    assert element_key_bins(tss, tss + 1, start, SPEC) == (16, 16)


def test_enhancer_at_known_offset_lands_in_right_key_bin():
    tss = 10_000
    start = tss_window_start(tss, SPEC)  # 7,952
    # an element 1,000 bp downstream: [11,000, 11,300) -> bins (11000-7952)//128 = 23 .. (11299-7952)//128 = 26
    assert element_key_bins(11_000, 11_300, start, SPEC) == (23, 26)
    # the same distance upstream: [8,700, 9,000) -> bins 5 .. 8
    assert element_key_bins(8_700, 9_000, start, SPEC) == (5, 8)
    assert element_key_bins(start - 10, start + 50, start, SPEC) is None   # starts before the window
    assert element_key_bins(start + 4090, start + 4200, start, SPEC) is None


def test_score_pairs_keeps_out_of_reach_pairs():
    genes = pd.DataFrame({"chrom": ["c"], "tss": [10_000], "gene": ["G"]})
    profiles = np.full((1, SPEC.n_bins), 0.01)
    profiles[0, 23:27] = [0.1, 0.2, 0.3, 0.4]
    pairs = pd.DataFrame({"chrom": ["c", "c"], "chromStart": [11_000, 30_000], "chromEnd": [11_300, 30_300],
                          "name": ["near", "far"], "chrTSS": ["c", "c"], "startTSS": [10_000, 10_000],
                          "endTSS": [10_001, 10_001], "measuredGeneSymbol": ["G", "G"], "gene": ["G", "G"],
                          "Regulated": [True, False], "distanceToTSS": [1150, 20150]})
    scored = score_pairs(pairs, genes, {"attention_mean": (profiles, 128)}, SPEC, aggregate="mean")
    assert scored["in_reach"].tolist() == [True, False]
    assert np.isclose(scored.loc[0, "attention_mean"], 0.25 / profiles.mean())   # relative to the window mean
    assert np.isnan(scored.loc[1, "attention_mean"])
    summary = summarise(scored, ["attention_mean", "inverse_distance"], n_boot=10)
    overall = summary[(summary["distance_bin"] == "all") & (summary["stratum"] == "all")]
    assert set(overall["method"]) == {"attention_mean", "inverse_distance"}
    assert (summary["n_out_of_reach"] == 1).all() and (overall["n_pairs"] == 1).all()
    assert set(summary["distance_bin"]) == {"all", "0-10kb", "10-50kb", "50-100kb"}


def test_base_resolution_scores_and_aggregates():
    start = tss_window_start(10_000, SPEC)
    profile = np.zeros(SPEC.length_bp)
    profile[11_000 - start:11_300 - start] = np.linspace(0, 3, 300)
    mean = profile.mean()
    assert np.isclose(element_score(profile, 11_000, 11_300, start, 1, "max"), 3 / mean)
    assert np.isclose(element_score(profile, 11_000, 11_300, start, 1, "sum"), profile.sum() / mean)
    assert np.isnan(element_score(profile, start - 5, start + 5, start, 1, "mean"))


def test_tss_attention_rows_sum_to_one(tiny_genome):
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", {"num_transformer_layers": 2}, num_tracks=1, crop_bins=4)).eval()
    genes = pd.DataFrame({"chrom": ["chrA", "chrB"], "tss": [20_000, 1_000], "gene": ["A", "B"]})
    prof = tss_attention(model, Genome(tiny_genome), genes, SPEC, torch.device("cpu"), batch_size=1,
                         aggregations=("mean", "last_layer", "rollout"))
    for name, rows in prof.items():
        assert rows.shape == (2, SPEC.n_bins), name
        np.testing.assert_allclose(rows.sum(axis=1), 1.0, rtol=1e-5)
    # one pass serves all three: each equals the aggregation computed alone, and they differ from each other
    for name in prof:
        alone = tss_attention(model, Genome(tiny_genome), genes, SPEC, torch.device("cpu"), batch_size=2,
                              aggregations=(name,))[name]
        np.testing.assert_allclose(prof[name], alone, rtol=1e-5, atol=1e-7)
    assert not np.allclose(prof["mean"], prof["last_layer"]) and not np.allclose(prof["mean"], prof["rollout"])


def test_rollout_of_one_layer_is_half_attention_plus_identity():
    a = torch.softmax(torch.randn(1, 1, 2, 5, 5), dim=-1)
    expected = 0.5 * a.mean(dim=2)[:, 0] + 0.5 * torch.eye(5)
    torch.testing.assert_close(rollout(a), expected)


def test_gradient_x_input_matches_finite_differences():
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=4)).double().eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (1, 4096)), 4).double()
    out_bin, track = 10, 1
    contrib = gradient_x_input(model, x, out_bin, track)[0]
    f = lambda z: model(z)[0, out_bin, track].item()  # noqa: E731
    eps = 1e-6
    for pos in (1300, 1400, 1500, 2000):
        base = int(x[0, pos].argmax())
        bumped = x.clone()
        bumped[0, pos, base] += eps
        finite = (f(bumped) - f(x)) / eps          # d output / d x[pos, base]; g x i keeps only that channel
        assert np.isclose(contrib[pos].item(), finite, rtol=1e-3, atol=1e-8), pos


def test_gradient_x_input_leaves_the_weights_as_they_were():
    """Input gradients only: no weight gradient accumulates, and trainable / frozen weights stay so."""
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=4)).eval()
    model.head.requires_grad_(False)
    before = {n: p.requires_grad for n, p in model.named_parameters()}
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 4096)), 4).float()
    gradient_x_input(model, x, slice(9, 12), 1)
    assert {n: p.requires_grad for n, p in model.named_parameters()} == before
    assert any(before.values()) and not all(before.values())
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.slow
def test_rc_averaged_contributions_map_back_to_forward_coordinates(tiny_genome):
    """The reverse-strand half of gradient x input, checked by finite differences on the RC window."""
    from seq2track.data.encoding import encode, one_hot
    from seq2track.interpret.contributions import tss_contributions

    torch.manual_seed(1)
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=4)).double().eval()
    genes = pd.DataFrame({"chrom": ["chrA"], "tss": [20_000]})
    both = tss_contributions(model, Genome(tiny_genome), genes, SPEC, 1, torch.device("cpu"), rc_average=True)[0]
    fwd = tss_contributions(model, Genome(tiny_genome), genes, SPEC, 1, torch.device("cpu"), rc_average=False)[0]
    rc_half = 2 * both - fwd  # what the reverse-complement pass put at each forward position
    start = tss_window_start(20_000, SPEC)
    x = torch.from_numpy(one_hot(encode(Genome(tiny_genome).fetch("chrA", start, start + SPEC.length_bp)))).double()
    x_rc = x.flip(0).flip(1)[None]
    rc_bin = (SPEC.length_bp - 1 - SPEC.length_bp // 2) // 128 - SPEC.crop_bins  # the TSS bin, mirrored
    f = lambda z: model(z)[0, rc_bin, 1].item()  # noqa: E731
    eps = 1e-6
    for pos in (1500, 1900, 2100, 2600):  # forward window positions around the TSS
        mirror = SPEC.length_bp - 1 - pos
        base = int(x_rc[0, mirror].argmax())     # the complement of the forward base, in RC order
        bumped = x_rc.clone()
        bumped[0, mirror, base] += eps
        finite = (f(bumped) - f(x_rc)) / eps
        assert np.isclose(rc_half[pos], finite, rtol=1e-3, atol=1e-8), pos
    assert not np.allclose(rc_half, fwd)  # the two strands really differ for an untrained model


def test_profile_bigwig_takes_the_nearest_tss_and_reads_back(tmp_path):
    import bbi
    import pyBigWig

    from seq2track.interpret.bigwig import write_profile_bigwig

    genes = pd.DataFrame({"chrom": ["chrA", "chrA", "chrB"], "tss": [10_000, 12_000, 5_000], "gene": ["a", "b", "c"]})
    n = SPEC.n_bins
    profiles = np.stack([np.full(n, 1.0), np.full(n, 2.0), np.arange(n, dtype=float)])
    profiles[0, n // 2] = 9.0   # the TSS bin of gene a
    sizes = {"chrA": 30_000, "chrB": 8_000}
    path = tmp_path / "attention.bw"
    write_profile_bigwig(path, genes, profiles, 128, SPEC, sizes)
    with pyBigWig.open(str(path)) as bw:
        assert bw.chroms() == sizes
        a = np.nan_to_num(bw.values("chrA", 0, 30_000, numpy=True))
        b = np.nan_to_num(bw.values("chrB", 0, 8_000, numpy=True))
    with bbi.open(str(path)) as f:
        np.testing.assert_allclose(f.fetch("chrA", 0, 30_000, bins=30_000, missing=0.0), a)
    ws_a = tss_window_start(10_000, SPEC)
    assert a[ws_a - 1] == 0 and a[ws_a] == 1.0            # gene a's window starts here
    assert a[10_000] == 9.0 and a[10_999] == 1.0           # a's TSS bin; up to the midpoint 11,000
    assert a[11_000] == 2.0 and a[12_000 + 2047] == 2.0    # gene b from the midpoint to its window's end
    assert a[12_000 + 2048] == 0
    ws_c = tss_window_start(5_000, SPEC)
    assert b[ws_c] == 0.0 and b[ws_c + 128] == 1.0 and b[5_000] == n // 2   # bins of gene c, in order


def test_three_tss_bins_average_the_three_query_rows():
    from seq2track.interpret.attention import aggregate_rows, tss_query_bins

    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", {"num_transformer_layers": 2}, num_tracks=1, crop_bins=4)).eval()
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 4096)), 4).float()
    queries = tss_query_bins(SPEC, 3)
    assert queries == [15, 16, 17]
    with torch.no_grad():
        for agg in ("mean", "last_layer", "rollout"):
            together = aggregate_rows(model, x, queries, agg)
            separate = torch.stack([aggregate_rows(model, x, q, agg) for q in queries]).mean(0)
            torch.testing.assert_close(together, separate)


def test_pairs_match_genes_by_ensembl_id_then_symbol():
    """Issue 12 item 10: pairs were matched by symbol only, so a gene renamed between releases was silently lost."""
    tss = pd.DataFrame({"chrom": ["c", "c", "d"], "start": [100, 900, 50], "name": ["NEWNAME", "B", "D"],
                        "gene_id": ["ENSG1.7", "ENSG2.1", "ENSG4.2"]})
    pairs = pd.DataFrame({"chrTSS": ["c", "c", "c", "c", "c"],
                          "measuredGeneSymbol": ["OLDNAME", "B", "Z", "D", "Q"],
                          "measuredGeneEnsemblId": ["ENSG1", None, "ENSG9", "ENSG4", "ENSG8"]})
    got = match_genes(pairs, tss)
    assert got["gene"].tolist() == ["NEWNAME", "B", "", "", ""]
    assert got["gene_match"].tolist() == ["ensembl_id", "symbol", "unmatched: neither id nor symbol in the TSS file",
                                          "unmatched: gene on another chromosome in the TSS file",
                                          "unmatched: neither id nor symbol in the TSS file"]
    no_ids = match_genes(pairs.drop(columns="measuredGeneEnsemblId"), tss.drop(columns="gene_id"))
    assert no_ids["gene"].tolist() == ["", "B", "", "", ""]


def test_summary_by_stratum_of_the_simulated_truth():
    """Issue 17: auPRC per stratum (boundary-crossing / same domain, promoter class) when the table has them."""
    rng = np.random.default_rng(0)
    n = 80
    scored = pd.DataFrame({"in_reach": True, "distance_bp": rng.integers(1_000, 90_000, n),
                           "Regulated": np.arange(n) % 4 == 0, "crosses_boundary": np.arange(n) % 2 == 1,
                           "promoter_class": np.where(np.arange(n) % 3 == 0, "tata", "housekeeping"),
                           "score": rng.random(n)})
    summary = summarise(scored, ["score"], n_boot=5)
    strata = summary[summary["distance_bin"] == "all"].set_index("stratum")
    assert set(summary["stratum"]) == {"all", "crosses_boundary", "same_domain", "tata_promoter",
                                       "housekeeping_promoter"}
    assert strata.loc["crosses_boundary", "n_pairs"] == 40 and strata.loc["same_domain", "n_positive"] == 20
    assert strata.loc["tata_promoter", "n_pairs"] == 27
    within = summary.set_index(["distance_bin", "stratum"])   # each stratum again within each distance bin
    assert len(within) == len(summary) == 4 + 4 + 3 * 4   # overall, bins, strata, strata within bins
    mid = (scored["distance_bp"] > 10_000) & (scored["distance_bp"] <= 50_000)
    assert within.loc[("10-50kb", "crosses_boundary"), "n_pairs"] == (mid & scored["crosses_boundary"]).sum()
    assert within.loc[("10-50kb", "same_domain"), "n_positive"] == (mid & ~scored["crosses_boundary"]
                                                                    & scored["Regulated"]).sum()
    plain = summarise(scored.drop(columns=["crosses_boundary", "promoter_class"]), ["score"], n_boot=5)
    assert set(plain["stratum"]) == {"all"} and len(plain) == 4   # real tables: overall + 3 distance bins


def test_summary_reports_the_margin_over_abc_like_with_a_paired_interval():
    """Issue 17's bar is a margin (best model score minus ABC-like): every model method's overall row carries
    it, perturbation scores also per distance bin and stratum; baselines never."""
    rng = np.random.default_rng(4)
    n = 120
    regulated = np.arange(n) % 5 == 0
    scored = pd.DataFrame({"in_reach": True, "distance_bp": rng.integers(1_000, 60_000, n),
                           "gene": [f"G{i // 6}" for i in range(n)], "Regulated": regulated,
                           "crosses_boundary": np.arange(n) % 2 == 1,
                           "ism_shuffle": regulated + rng.normal(0, 0.3, n), "grad_x_input": rng.random(n),
                           "abc": regulated + rng.normal(0, 1.0, n), "inverse_distance": rng.random(n)})
    summary = summarise(scored, ["ism_shuffle", "grad_x_input", "abc", "inverse_distance"], n_boot=50)
    rows = summary.set_index(["method", "distance_bin", "stratum"])
    ism, abc = rows.loc[("ism_shuffle", "all", "all")], rows.loc[("abc", "all", "all")]
    assert ism["auprc_minus_abc"] == pytest.approx(ism["auprc"] - abc["auprc"])
    assert 0 < ism["auprc_minus_abc_lo"] < ism["auprc_minus_abc"] < ism["auprc_minus_abc_hi"]
    assert np.isfinite(rows.loc[("grad_x_input", "all", "all"), "auprc_minus_abc"])
    assert np.isfinite(rows.loc[("ism_shuffle", "all", "same_domain"), "auprc_minus_abc"])
    assert np.isfinite(rows.loc[("ism_shuffle", "10-50kb", "all"), "auprc_minus_abc"])
    assert np.isnan(rows.loc[("grad_x_input", "all", "same_domain"), "auprc_minus_abc"])
    assert np.isnan(rows.loc[("ism_shuffle", "10-50kb", "same_domain"), "auprc_minus_abc"])
    assert rows.xs("abc", level="method")["auprc_minus_abc"].isna().all()
    assert "auprc_minus_abc" not in summarise(scored, ["ism_shuffle"], n_boot=5)   # no ABC-like: no margin


def test_perturbation_effects_against_measured_effect_sizes():
    """The summary says whether perturbation effects have the screen's direction and size, not only rank:
    regulated pairs losing 20% and 40% predicted at 2% (right direction) and -10% (inverted)."""
    measured = np.array([-0.2, -0.4, -0.2, -0.01, -0.02, 0.0])
    predicted_loss = np.array([0.02, 0.02, -0.1, 0.5, 0.0, 0.0])     # fraction of the TSS value lost
    scored = pd.DataFrame({"in_reach": True, "distance_bp": 5_000, "Regulated": [True] * 3 + [False] * 3,
                           "EffectSize": measured, "ism_shuffle": -np.log2(1 - predicted_loss),
                           "inverse_distance": np.arange(6.0)})
    summary = summarise(scored, ["ism_shuffle", "inverse_distance"], n_boot=5).set_index("method")
    overall = summary[summary["distance_bin"] == "all"]
    assert overall.loc["ism_shuffle", "right_sign"] == pytest.approx(2 / 3)
    assert overall.loc["ism_shuffle", "effect_ratio"] == pytest.approx(0.02 / 0.2)   # medians of the regulated
    assert np.isnan(overall.loc["inverse_distance", "right_sign"])                  # not an effect size
    assert np.isnan(summary[summary["distance_bin"] == "50-100kb"].loc["ism_shuffle", "effect_ratio"])  # none


def test_effect_ratio_over_all_losses_shows_whether_insulation_was_learned():
    """A model that ignores a boundary: the same predicted loss (10%) for an element 20 kb away inside the
    gene's domain (measured 20%) and across a boundary (measured 2%, none Regulated). Over the Regulated
    pairs alone the crossing stratum has no ratio; over every measured loss it is 5 against 0.5 within the
    domain: 10x less insulation than measured."""
    same = [False] * 4 + [True] * 4
    scored = pd.DataFrame({"in_reach": True, "distance_bp": 20_000, "crosses_boundary": [not x for x in same],
                           "Regulated": same, "EffectSize": np.where(same, -0.2, -0.02),
                           "ism_shuffle": -np.log2(1 - 0.1)})
    summary = summarise(scored, ["ism_shuffle"], n_boot=5).set_index(["distance_bin", "stratum"])
    assert np.isnan(summary.loc[("10-50kb", "crosses_boundary"), "effect_ratio"])      # no Regulated pair
    assert summary.loc[("10-50kb", "crosses_boundary"), "effect_ratio_all"] == pytest.approx(5.0)
    assert summary.loc[("10-50kb", "same_domain"), "effect_ratio_all"] == pytest.approx(0.5)
    assert summary.loc[("all", "all"), "effect_ratio"] == pytest.approx(0.5)


def test_effect_ratio_by_distance_shows_how_far_the_model_reaches():
    """A model whose effects fade faster than the screen's: within a domain it predicts the measured loss at
    5 kb, a quarter of it at 25 kb; across a boundary at 15 kb it predicts twice the measured loss (insulation
    not learned). Pairs whose measured loss is under 2% do not count, whatever the model says of them."""
    distance = [5_000, 5_000, 25_000, 25_000, 15_000, 15_000, 5_000, 5_000]
    crossing = [False, False, False, False, True, True, False, False]
    measured = np.array([0.2, 0.4, 0.2, 0.4, 0.1, 0.1, 0.01, 0.3])       # fraction lost in the screen
    predicted = np.array([0.2, 0.4, 0.05, 0.1, 0.2, 0.2, 0.9, 0.3])
    scored = pd.DataFrame({"in_reach": [True] * 7 + [False], "distance_bp": distance,
                           "crosses_boundary": crossing, "EffectSize": -measured,
                           "ism_shuffle": -np.log2(1 - predicted)})
    table = effect_ratio_by_distance(scored).set_index(["stratum", "distance_bin"])
    assert table.loc[("same_domain", "0-10kb"), "effect_ratio"] == pytest.approx(1.0)   # the 1% pair left out
    assert table.loc[("same_domain", "0-10kb"), "n_pairs"] == 2                      # the out-of-reach one too
    assert table.loc[("same_domain", "20-30kb"), "effect_ratio"] == pytest.approx(0.25)
    assert table.loc[("crosses_boundary", "10-20kb"), "effect_ratio"] == pytest.approx(2.0)
    assert table.loc[("crosses_boundary", "0-10kb"), "n_pairs"] == 0
    assert np.isnan(table.loc[("crosses_boundary", "0-10kb"), "effect_ratio"])
    assert list(table.index.get_level_values("distance_bin")[:5]) == ["0-10kb", "10-20kb", "20-30kb", "30-50kb",
                                                                       "50-100kb"]
    no_strata = effect_ratio_by_distance(scored.drop(columns="crosses_boundary"))
    assert set(no_strata["stratum"]) == {"all"} and no_strata["n_pairs"].sum() == 6
    finer = effect_by_distance_table(scored, ["ism_shuffle", "abc"], min_loss=0.005)   # a finer screen (config)
    assert set(finer["method"]) == {"ism_shuffle"}                                   # perturbation methods only
    assert finer.set_index(["stratum", "distance_bin"]).loc[("same_domain", "0-10kb"), "n_pairs"] == 3


def test_crispr_comparison_inputs(tmp_path):
    """Issue 17 item 4: predictions in the EngreitzLab CRISPR_comparison format, one pred_config row per method."""
    scored = pd.DataFrame({"chrom": ["chr8", "chr8", "chr8"], "chromStart": [100, 5_000, 90_000],
                           "chromEnd": [600, 5_500, 90_500], "name": ["a", "b", "c"], "gene": ["MYC"] * 3,
                           "startTSS": [800, 800, 800], "distance_bp": [450, 4_450, 89_450],
                           "in_reach": [True, True, False], "ism_shuffle": [0.5, 0.1, np.nan], "abc": [0.7, 0.3, 0.0],
                           "CellType": "K562"})
    pred, cfg = tmp_path / "predictions.tsv.gz", tmp_path / "pred_config.txt"
    write_comparison_inputs(scored, ["ism_shuffle", "abc"], cell_type_of(scored), pred, cfg)
    got = pd.read_csv(pred, sep="\t")
    assert list(got.columns[:8]) == ["chr", "start", "end", "name", "class", "TargetGene", "TargetGeneTSS", "CellType"]
    assert got["class"].tolist() == ["promoter", "distal"] and got["CellType"].unique().tolist() == ["K562"]
    assert got["ism_shuffle"].tolist() == [0.5, 0.1]   # the out-of-reach pair is left to the benchmark's fill value
    config = pd.read_csv(cfg, sep="\t")
    assert config["pred_id"].tolist() == ["ism_shuffle", "abc"] and (config["inverse_predictor"] == False).all()  # noqa: E712


def test_perturbation_vs_effect_panel_plots_percent_lost_per_pair(tmp_path):
    """The panel beside the PR curves: x = % of output lost on removal (-EffectSize), y = % of the predicted
    TSS value lost on shuffling (1 - 2 ** -log2 fold change); regulated pairs in their own series."""
    import matplotlib.pyplot as plt
    from scipy.stats import spearmanr

    from seq2track.interpret.plots import plot_perturbation_vs_effect, plot_pr_curves

    scored = pd.DataFrame({"in_reach": [True, True, True, True, False],
                           "Regulated": [True, False, True, False, True],
                           "EffectSize": [-0.5, -0.01, -0.2, np.nan, -0.3],
                           "ism_shuffle": [1.0, 0.0, np.log2(1 / 0.9), 0.5, 2.0], "abc": [0.9, 0.1, 0.5, 0.2, 0.3]})
    fig, ax = plt.subplots()
    plot_perturbation_vs_effect(ax, scored[scored["in_reach"]])
    not_regulated, regulated = (c.get_offsets() for c in ax.collections)
    np.testing.assert_allclose(regulated, [[50, 50], [20, 10]])      # halved output: 1 - 2 ** -1 = 50 %
    np.testing.assert_allclose(not_regulated, [[1, 0]])              # the NaN effect is left out
    rho = spearmanr([50, 1, 20], [50, 0, 10])[0]
    assert f"Spearman {rho:.2f} (3 pairs)" in ax.get_title()
    plt.close(fig)
    plot_pr_curves(scored, ["abc", "ism_shuffle"], tmp_path / "pr.png")
    assert (tmp_path / "pr.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
