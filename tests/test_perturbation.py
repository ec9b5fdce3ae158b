"""In-silico perturbation: the dinucleotide shuffle, and pair scores recomputed by hand."""

import numpy as np
import pandas as pd
import pytest
import torch

from seq2track.data.store import GenomeStore, write_store_from_arrays
from seq2track.data.spec import TrackSpec
from seq2track.data.targets import untransform
from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import tss_window_start
from seq2track.interpret.perturbation import (PSEUDOCOUNT, background_sequence, base_frequencies, dinucleotide_shuffle,
                                              perturbation_scores, spliced_features)
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.inference import predict_onehot
from seq2track.model.network import one_hot_codes

SPEC = WindowSpec(length_bp=4096, stride_bp=4096, bin_size_bp=128, crop_bins=4)


def _pairs(seq: np.ndarray) -> list[tuple[int, int]]:
    return sorted(zip(seq[:-1].tolist(), seq[1:].tolist()))


def test_dinucleotide_shuffle_keeps_counts_and_ends_and_is_seeded():
    rng = np.random.default_rng(0)
    for n in (3, 17, 300, 2000):
        seq = rng.integers(0, 5, n).astype(np.uint8)  # N (4) included
        out = dinucleotide_shuffle(seq, np.random.default_rng(n))
        assert _pairs(out) == _pairs(seq) and out[0] == seq[0] and out[-1] == seq[-1]
        assert np.array_equal(out, dinucleotide_shuffle(seq, np.random.default_rng(n)))
    long = rng.integers(0, 4, 2000).astype(np.uint8)
    assert (dinucleotide_shuffle(long, rng) != long).mean() > 0.5     # it really moves bases
    homopolymer = np.zeros(50, dtype=np.uint8)
    assert np.array_equal(dinucleotide_shuffle(homopolymer, rng), homopolymer)


def _tiny_case(tmp_path):
    """A random 30 kb chromosome with an all-A element, an untrained tiny model, one gene and three pairs."""
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 4, 30_000).astype(np.uint8)
    codes[11_000:11_300] = 0  # an all-A element: its shuffle is itself, so its effect is exactly 0
    store = GenomeStore(write_store_from_arrays(tmp_path / "store", {"chrA": codes},
                                                {"chrA": np.zeros((30_000 // 128 + 1, 1), np.float32)},
                                                (TrackSpec("cage"),)))
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", num_tracks=1, crop_bins=4)).double().eval()  # an untrained
    # model barely responds (~1e-6): double precision keeps that above rounding noise
    genes = pd.DataFrame({"chrom": ["chrA"], "tss": [10_000], "gene": ["G"]})
    pairs = pd.DataFrame({"chrom": "chrA", "chromStart": [9_700, 11_000, 20_000], "chromEnd": [10_000, 11_300, 20_300],
                          "chrTSS": "chrA", "measuredGeneSymbol": "G", "gene": "G", "startTSS": 10_000})
    return store, model, genes, pairs


def test_background_replacement_draws_the_window_composition_and_matches_a_forward_pass(tmp_path):
    window = np.array([0] * 700 + [2] * 300 + [4] * 500, dtype=np.uint8)   # 70% A, 30% G, N ignored
    freq = base_frequencies(window)
    assert np.allclose(freq, [0.7, 0, 0.3, 0]) and np.allclose(base_frequencies(window[1000:]), 0.25)
    drawn = background_sequence(20_000, freq, np.random.default_rng(1))
    assert set(np.unique(drawn)) == {0, 2} and abs((drawn == 0).mean() - 0.7) < 0.02
    assert np.array_equal(drawn, background_sequence(20_000, freq, np.random.default_rng(1)))
    store, model, genes, pairs = _tiny_case(tmp_path)
    got = perturbation_scores(model, store, genes, pairs, SPEC, 0, torch.device("cpu"), batch_size=2, seed=5,
                              replacement="background")
    start = tss_window_start(10_000, SPEC)
    ref = store.codes("chrA", start, start + SPEC.length_bp)
    rows, draws = [ref], np.random.default_rng(5)
    for lo, hi in ((9_700, 10_000), (11_000, 11_300)):   # the pairs in reach, in order, each drawn in turn
        rows.append(ref.copy())
        rows[-1][lo - start:hi - start] = background_sequence(hi - lo, base_frequencies(ref), draws)
    assert (rows[2][11_000 - start:11_300 - start] != 0).any()   # unlike a shuffle, the all-A element changes
    centre = SPEC.length_bp // 2 // 128 - SPEC.crop_bins
    with torch.no_grad():
        out = predict_onehot(model, one_hot_codes(torch.from_numpy(np.stack(rows))).double(), rc_average=True)
    expect = np.log2((out[0, centre, 0].item() + PSEUDOCOUNT) / (out[1:, centre, 0].numpy() + PSEUDOCOUNT))
    assert np.allclose(got[:2], expect, rtol=1e-9) and np.isnan(got[2]) and abs(got[1]) > 0
    with pytest.raises(ValueError, match="replacement"):
        perturbation_scores(model, store, genes, pairs, SPEC, 0, torch.device("cpu"), replacement="zeros")


def test_scores_are_the_log_fold_change_of_the_tss_prediction(tmp_path):
    store, model, genes, pairs = _tiny_case(tmp_path)
    got = perturbation_scores(model, store, genes, pairs, SPEC, 0, torch.device("cpu"), batch_size=2, seed=5)
    assert np.isnan(got[2])            # outside the gene's window: out of reach
    assert got[1] == 0.0               # nothing changed
    start = tss_window_start(10_000, SPEC)  # the first pair by hand, with the same shuffle
    ref = store.codes("chrA", start, start + SPEC.length_bp)
    changed = ref.copy()
    changed[9_700 - start:10_000 - start] = dinucleotide_shuffle(ref[9_700 - start:10_000 - start],
                                                                 np.random.default_rng(5))
    centre = SPEC.length_bp // 2 // 128 - SPEC.crop_bins
    with torch.no_grad():
        x = one_hot_codes(torch.from_numpy(np.stack([ref, changed]))).double()
        out = predict_onehot(model, x, rc_average=True)[:, centre, 0]
    expect = np.log2((out[0].item() + PSEUDOCOUNT) / (out[1].item() + PSEUDOCOUNT))
    assert np.isclose(got[0], expect, rtol=1e-9) and abs(got[0]) > 1e-7  # next to the TSS: it matters
    three = perturbation_scores(model, store, genes, pairs, SPEC, 0, torch.device("cpu"), batch_size=3, seed=5,
                                tss_bins=3)   # the TSS bin and its neighbours, summed
    with torch.no_grad():
        sums = predict_onehot(model, x, rc_average=True)[:, centre - 1:centre + 2, 0].sum(1)
    assert np.isclose(three[0], np.log2((sums[0].item() + PSEUDOCOUNT) / (sums[1].item() + PSEUDOCOUNT)), rtol=1e-9)
    # with the track's transform, the fold change is the one of the signal the targets were made from
    target = TrackSpec("cage", scale=0.5, clip_soft=float(out[1].item()) * 0.9)
    signal = untransform(out[:, None].numpy(), target.scale, target.clip_soft)[:, 0]
    back = perturbation_scores(model, store, genes, pairs, SPEC, 0, torch.device("cpu"), batch_size=2, seed=5,
                               target=target)
    assert np.isclose(back[0], np.log2((signal[0] + PSEUDOCOUNT) / (signal[1] + PSEUDOCOUNT)), rtol=1e-9)
    assert not np.isclose(back[0], got[0]) and np.isnan(back[2]) and back[1] == 0.0
    # several shuffles per element: the mean of their log fold changes, the shuffles drawn in turn
    two = perturbation_scores(model, store, genes, pairs.iloc[:1], SPEC, 0, torch.device("cpu"), batch_size=2,
                              seed=5, shuffles=2)
    draws = np.random.default_rng(5)
    rows = [ref]
    for _ in range(2):
        rows.append(ref.copy())
        rows[-1][9_700 - start:10_000 - start] = dinucleotide_shuffle(ref[9_700 - start:10_000 - start], draws)
    with torch.no_grad():
        out = predict_onehot(model, one_hot_codes(torch.from_numpy(np.stack(rows))).double(), rc_average=True)
    folds = np.log2((out[0, centre, 0].item() + PSEUDOCOUNT) / (out[1:, centre, 0].numpy() + PSEUDOCOUNT))
    assert np.isclose(two[0], folds.mean(), rtol=1e-9) and not np.isclose(folds[0], folds[1], rtol=1e-3)


def test_tower_radius_bounds_what_a_base_changes_and_splicing_is_exact():
    torch.manual_seed(2)
    model = Seq2Track(model_config_from("tiny", num_tracks=1, crop_bins=4)).double().eval()
    radius, rng = model.cfg.tower_radius_bp, np.random.default_rng(0)
    assert radius == 7 + 2 * (2 + 4 + 8 + 16 + 32 + 64)   # stem kernel 15, six blocks of kernel 5
    ref = rng.integers(0, 4, 4096).astype(np.uint8)
    features = lambda codes: model.tower_features(one_hot_codes(torch.from_numpy(codes)[None]).double())[0]  # noqa: E731
    with torch.no_grad():
        base = features(ref)
        for pos in (1000, 2000):
            changed = ref.copy()
            changed[pos] = (changed[pos] + 1) % 4
            moved = (features(changed) - base).abs().amax(dim=0).numpy() > 0
            reach = [(j + 1) * 128 + radius > pos >= j * 128 - radius for j in range(32)]
            assert not moved[~np.array(reach)].any()                   # nothing beyond the radius changes
            assert moved[(pos - radius) // 128] and moved[(pos + radius) // 128]   # the bound is tight
        changes = []
        for lo, hi in ((40, 340), (1900, 2200), (3790, 4090), (1000, 1010), (2500, 3400)):  # edges, inside, widths
            changed = ref.copy()
            changed[lo:hi] = dinucleotide_shuffle(ref[lo:hi], rng)
            changes.append((changed, lo, hi))
            torch.testing.assert_close(spliced_features(model, base, [changes[-1]])[0], features(changed),
                                       rtol=1e-10, atol=1e-12)
        batched = spliced_features(model, base, changes)   # one tower call, every stretch as wide as the widest
        for k, (changed, _, _) in enumerate(changes):
            torch.testing.assert_close(batched[k], features(changed), rtol=1e-10, atol=1e-12)
