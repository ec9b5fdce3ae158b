import numpy as np
import pandas as pd

from seq2track.data.spec import TrackSpec
from seq2track.data.targets import transform
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


def test_soft_clipped_tracks_are_summed_as_signal_so_a_peak_split_over_two_bins_is_not_counted_higher():
    """Two TSSs with the same 358 counts, one in the middle of a bin, one split over two: as targets
    soft-clipped at 32 they sum to 50.1 and 88.2 (a TSS's bin phase ranked as its level); as signal, to 358."""
    windows = _windows([0])
    tss = pd.DataFrame({"chrom": "chr1", "start": [480, 720]})           # output bins 5 and 12
    counts = np.zeros((1, SPEC.n_out_bins, 1))
    counts[0, 5], counts[0, 12], counts[0, 13] = 358.0, 179.0, 179.0
    target = TrackSpec("cage", clip_soft=32.0, clip=2000.0)
    obs = transform(counts, target.scale, target.clip_soft, target.clip)
    sites = tss_sites(tss, windows, SPEC)
    squashed = tss_sums(obs, sites)[:, 0]
    assert np.allclose(squashed, [32 + np.sqrt(326), 2 * (32 + np.sqrt(147))])
    assert np.allclose(tss_sums(obs, sites, targets=[target])[:, 0], [358.0, 358.0], rtol=1e-5)
