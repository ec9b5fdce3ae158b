import numpy as np
from scipy.stats import pearsonr
from sklearn.metrics import average_precision_score, roc_auc_score

from seq2track.metrics import pearson_per_track, ranking_metrics


def test_pearson_per_track_matches_scipy():
    rng = np.random.default_rng(0)
    obs = rng.poisson(3.0, size=(5, 40, 3)).astype(float)
    pred = obs + rng.normal(0, 2.0, size=obs.shape)
    r = pearson_per_track(pred, obs)
    for t in range(3):
        assert np.isclose(r[t], pearsonr(pred[..., t].ravel(), obs[..., t].ravel())[0])
    const = pearson_per_track(np.ones((4, 1)), rng.normal(size=(4, 1)))
    assert np.isnan(const[0])


def test_ranking_metrics_match_sklearn_and_handle_one_class():
    rng = np.random.default_rng(1)
    labels = rng.random(50) < 0.3
    scores = labels + rng.normal(0, 1, 50)
    m = ranking_metrics(labels, scores)
    assert np.isclose(m["auprc"], average_precision_score(labels, scores))
    assert np.isclose(m["auroc"], roc_auc_score(labels, scores))
    assert np.isnan(ranking_metrics(np.ones(3, bool), np.arange(3))["auprc"])
    for trial in range(200):                   # ties (rounded and constant scores), small and large sets
        n = int(rng.integers(2, 300))
        labels = rng.random(n) < rng.uniform(0.05, 0.9)
        if labels.all() or not labels.any():
            continue
        scores = np.round(labels * rng.uniform(0, 2) + rng.normal(0, 1, n), int(rng.integers(0, 3)))
        if trial % 10 == 0:
            scores[: n // 2] = 0.0
        m = ranking_metrics(labels, scores)
        assert np.isclose(m["auprc"], average_precision_score(labels, scores)), trial
        assert np.isclose(m["auroc"], roc_auc_score(labels, scores)), trial


def test_bootstrap_interval_contains_the_estimate():
    from seq2track.metrics import bootstrap_ranking

    rng = np.random.default_rng(2)
    labels = rng.random(200) < 0.3
    scores = labels + rng.normal(0, 1, 200)
    point = ranking_metrics(labels, scores)
    ci = bootstrap_ranking(labels, scores, n_boot=200, seed=1)
    assert ci["auprc_lo"] < point["auprc"] < ci["auprc_hi"] and ci["auroc_lo"] < point["auroc"] < ci["auroc_hi"]
    assert ci == bootstrap_ranking(labels, scores, n_boot=200, seed=1)   # seeded


def test_paired_gene_bootstrap_of_the_margin_over_a_reference():
    """The margin of one score over another (issue 17: a model score over ABC-like) comes with a paired
    interval that resamples whole genes: one gene = no spread; the same score = margin 0 on every draw; a
    score better by construction = a positive interval around the point estimate."""
    from seq2track.metrics import bootstrap_auprc_difference

    rng = np.random.default_rng(3)
    n = 300
    labels = rng.random(n) < 0.2
    good, noisy = labels + rng.normal(0, 0.5, n), labels + rng.normal(0, 2.0, n)
    genes = np.repeat(np.arange(30), 10)
    point = ranking_metrics(labels, good)["auprc"] - ranking_metrics(labels, noisy)["auprc"]
    out = bootstrap_auprc_difference(labels, good, noisy, genes, n_boot=200, seed=1)
    assert np.isclose(out["auprc_minus_abc"], point)
    assert 0 < out["auprc_minus_abc_lo"] < point < out["auprc_minus_abc_hi"]
    assert out == bootstrap_auprc_difference(labels, good, noisy, genes, n_boot=200, seed=1)   # seeded
    same = bootstrap_auprc_difference(labels, good, good, genes, n_boot=50, seed=1)
    assert same["auprc_minus_abc_lo"] == same["auprc_minus_abc_hi"] == 0.0
    one_gene = bootstrap_auprc_difference(labels, good, noisy, np.zeros(n), n_boot=50, seed=1)
    assert np.isclose(one_gene["auprc_minus_abc_lo"], point) and np.isclose(one_gene["auprc_minus_abc_hi"], point)
    pairs = bootstrap_auprc_difference(labels, good, noisy, np.arange(n), n_boot=200, seed=1)   # pair = gene
    assert pairs["auprc_minus_abc_lo"] < point < pairs["auprc_minus_abc_hi"]
    none = bootstrap_auprc_difference(np.zeros(n, bool), good, noisy, genes, n_boot=20)
    assert np.isnan(none["auprc_minus_abc"]) and np.isnan(none["auprc_minus_abc_lo"])


def test_metrics_table_reports_calibration_that_pearson_cannot_see():
    from seq2track.evaluate import metrics_table

    rng = np.random.default_rng(0)
    obs = rng.poisson(3.0, size=(4, 50, 2)).astype(np.float32)
    pred = obs.copy()
    pred[..., 1] *= 5.0                      # same shape, five times too high
    table = metrics_table(pred, obs, ["a", "b"], "test")
    assert np.allclose(table["pearson_r"], 1.0)
    assert np.allclose(table["pred_to_obs"], [1.0, 5.0])


def test_train_rows_cap_the_training_split_evenly_along_the_genome():
    from seq2track.data.windows import WindowSpec, covering_rows, tile
    from seq2track.evaluate import train_rows

    spec = WindowSpec(length_bp=98_304, stride_bp=32_768, bin_size_bp=128, crop_bins=64)
    w = tile({"c1": 3_000_000, "c2": 1_500_000}, spec.length_bp, spec.stride_bp)
    every = covering_rows(w, spec)
    assert train_rows(w, spec).tolist() == every.tolist() == train_rows(w, spec, len(every)).tolist()
    rows = train_rows(w, spec, 10)
    assert len(rows) == 10 and set(rows) <= set(every) and rows[0] == every[0] and rows[-1] == every[-1]
    picked = np.searchsorted(every, rows)
    assert np.diff(picked).max() - np.diff(picked).min() <= 1   # evenly spaced over the covering windows
    assert set(w.iloc[rows].chrom) == {"c1", "c2"}
