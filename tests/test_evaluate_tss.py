import numpy as np
import pandas as pd

from seq2track.data.windows import WindowSpec
from seq2track.evaluate_tss import tss_metrics, tss_sites, tss_sums

SPEC = WindowSpec(length_bp=1280, stride_bp=320, bin_size_bp=32, crop_bins=10)   # 20 output bins of 32 bp


def _windows(starts, chrom="chr1"):
    return pd.DataFrame({"chrom": chrom, "start": starts, "end": np.asarray(starts) + SPEC.length_bp})


def test_each_tss_is_taken_once_from_the_window_where_it_is_most_central():
    windows = _windows([0, 320, 640])                       # outputs [320, 960), [640, 1280), [960, 1600)
    tss = pd.DataFrame({"chrom": ["chr1", "chr1", "chr1", "chr2"], "start": [1000, 1000, 330, 500]})
    sites = tss_sites(tss, windows, SPEC)
    # 1000 once (listed twice); 330 is bin 0 of window 0 only (no flanking bin); chr2 has no window
    assert sites["position"].tolist() == [1000]
    # 1000 is bin 21 (out of range) of window 0, bin 11 of window 1 (margin 8), bin 1 of window 2 (margin 1)
    assert (sites["window"].iloc[0], sites["bin"].iloc[0]) == (1, 11)


def test_sums_and_correlations_across_tss():
    rng = np.random.default_rng(0)
    starts = np.arange(0, 32_000, 320)
    windows = _windows(starts)
    tss = pd.DataFrame({"chrom": "chr1", "start": rng.choice(np.arange(1000, 30_000), 40, replace=False)})
    obs = rng.poisson(2.0, size=(len(windows), SPEC.n_out_bins, 2)).astype(np.float32)
    sites = tss_sites(tss, windows, SPEC)
    w, b = int(sites["window"].iloc[0]), int(sites["bin"].iloc[0])
    assert np.allclose(tss_sums(obs, sites)[0], obs[w, b - 1:b + 2].sum(axis=0))
    pred = obs * np.array([5.0, 1.0], dtype=np.float32)      # track 0: right ranking, five times too high
    pred[..., 1] = rng.permutation(pred[..., 1].ravel()).reshape(pred.shape[:2])   # track 1: no information
    table = tss_metrics(pred, obs, windows, tss, SPEC, ["a", "b"], "test")
    assert table["n_tss"].iloc[0] == len(sites) > 30
    assert np.isclose(table["pearson_r"].iloc[0], 1.0) and np.isclose(table["spearman_r"].iloc[0], 1.0)
    assert abs(table["pearson_r"].iloc[1]) < 0.5
