"""Windows moved towards far elements: which pairs they reach, and that every method scores them in that window."""

import numpy as np
import pandas as pd
import torch

from seq2track.data.store import GenomeStore, write_store_from_arrays
from seq2track.data.spec import TrackSpec
from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import aggregate_rows, tss_attention, tss_window_start
from seq2track.interpret.contributions import gradient_x_input, tss_contributions
from seq2track.interpret.enhancers import score_pairs
from seq2track.interpret.perturbation import PSEUDOCOUNT, dinucleotide_shuffle, perturbation_scores
from seq2track.interpret.reach import gene_views, pair_shifts, reach_shift_bp
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.inference import predict_onehot
from seq2track.model.network import one_hot_codes

SPEC = WindowSpec(length_bp=4096, stride_bp=4096, bin_size_bp=128, crop_bins=4)   # 24 output bins of 32
TSS = 10_000   # centred window [7,952, 12,048); moved by +-1,024: [8,976, 13,072) and [6,928, 11,024)
GENES = pd.DataFrame({"chrom": ["chrA"], "tss": [TSS], "gene": ["G"]})
# near (centred), downstream beyond the centred window, upstream beyond it, out of any window
STARTS, ENDS = np.array([10_500, 12_500, 7_000, 13_100]), np.array([10_800, 12_800, 7_300, 13_400])


def _pairs() -> pd.DataFrame:
    return pd.DataFrame({"chrom": "chrA", "chromStart": STARTS, "chromEnd": ENDS, "name": list("abcd"),
                         "chrTSS": "chrA", "startTSS": TSS, "measuredGeneSymbol": "G", "gene": "G",
                         "Regulated": [True, True, False, False]})


def test_shift_keeps_the_tss_in_the_output_with_context_and_reaches_farther():
    assert reach_shift_bp(SPEC) == 1024   # 2,048 - 2 x 4 bins x 128 bp
    assert reach_shift_bp(WindowSpec(98_304, 32_768, 128, 64)) == 32_768   # the demo: reach 81,920 bp
    shifts = pair_shifts(STARTS, ENDS, np.full(4, float(TSS)), SPEC)
    np.testing.assert_array_equal(shifts, [0, 1024, -1024, np.nan])
    for shift in (1024, -1024):
        tss_offset = TSS - tss_window_start(TSS, SPEC, shift)
        assert 2 * 4 * 128 <= tss_offset <= SPEC.length_bp - 2 * 4 * 128  # >= 2 x crop of context each side
    views = gene_views(GENES, _pairs(), shifts)
    assert views["shift_bp"].tolist() == [0, 1024, -1024] and (views["gene"] == "G").all()
    assert np.isnan(pair_shifts(STARTS[:1], ENDS[:1], np.array([np.nan]), SPEC)[0])   # gene without a TSS


def _model():
    torch.manual_seed(0)
    config = model_config_from("tiny", {"num_transformer_layers": 2}, num_tracks=1, crop_bins=4)
    return Seq2Track(config).double().eval()


def _store(tmp_path) -> GenomeStore:
    codes = np.random.default_rng(3).integers(0, 4, 30_000).astype(np.uint8)
    return GenomeStore(write_store_from_arrays(tmp_path / "store", {"chrA": codes},
                                               {"chrA": np.zeros((30_000 // 128 + 1, 1), np.float32)},
                                               (TrackSpec("cage"),)))


def test_perturbation_of_a_far_element_is_scored_in_the_moved_window(tmp_path):
    store, model = _store(tmp_path), _model()
    got = perturbation_scores(model, store, GENES, _pairs(), SPEC, 0, torch.device("cpu"), batch_size=2, seed=5)
    assert np.isfinite(got[:3]).all() and np.isnan(got[3])
    rng = np.random.default_rng(5)   # the shuffles, in the order the pairs are scored: a (centred), b, c
    for pair, shift in ((0, 0), (1, 1024), (2, -1024)):
        start = tss_window_start(TSS, SPEC, shift)
        ref = store.codes("chrA", start, start + SPEC.length_bp)
        changed = ref.copy()
        lo, hi = STARTS[pair] - start, ENDS[pair] - start
        changed[lo:hi] = dinucleotide_shuffle(ref[lo:hi], rng)
        out_bin = (TSS - start) // 128 - SPEC.crop_bins   # the TSS's output bin: 12, 4, 20
        with torch.no_grad():
            out = predict_onehot(model, one_hot_codes(torch.from_numpy(np.stack([ref, changed]))).double(),
                                 rc_average=True)[:, out_bin, 0]
        expect = np.log2((out[0].item() + PSEUDOCOUNT) / (out[1].item() + PSEUDOCOUNT))
        assert np.isclose(got[pair], expect, rtol=1e-9) and got[pair] != 0, pair


def test_attention_and_gradients_of_a_moved_view_query_the_tss_bin(tmp_path):
    store, model = _store(tmp_path), _model().float()   # tss_attention feeds float32 one-hot
    views = gene_views(GENES, _pairs(), pair_shifts(STARTS, ENDS, np.full(4, float(TSS)), SPEC))
    attention = tss_attention(model, store, views, SPEC, torch.device("cpu"), 2, ("mean",))["mean"]
    gxi = tss_contributions(model, store, views, SPEC, 0, torch.device("cpu"), 2, rc_average=False)
    for row, shift in enumerate(views["shift_bp"]):
        start = tss_window_start(TSS, SPEC, shift)
        x = one_hot_codes(torch.from_numpy(store.codes("chrA", start, start + SPEC.length_bp)[None])).float()
        query = (TSS - start) // 128                        # grid bin of the TSS: 16, 8, 24
        rows = aggregate_rows(model, x, query, "mean")[0].detach().numpy()
        np.testing.assert_allclose(attention[row], rows, rtol=1e-5)
        np.testing.assert_allclose(gxi[row], gradient_x_input(model, x, query - SPEC.crop_bins, 0)[0].numpy(),
                                   rtol=1e-4, atol=1e-9)
    scored = score_pairs(_pairs(), views, {"attention_mean": (attention, 128)}, SPEC)
    assert scored["window_shift_bp"].tolist()[:3] == [0, 1024, -1024] and np.isnan(scored["window_shift_bp"][3])
    assert scored["in_reach"].tolist() == [True, True, True, False]
    first = (STARTS[1] - tss_window_start(TSS, SPEC, 1024)) // 128   # pair b's key bins in the moved view
    last = (ENDS[1] - 1 - tss_window_start(TSS, SPEC, 1024)) // 128
    assert np.isclose(scored["attention_mean"][1], attention[1, first:last + 1].mean() / attention[1].mean())
    centred_only = score_pairs(_pairs(), views.iloc[:1], {"attention_mean": (attention[:1], 128)}, SPEC)
    assert centred_only["in_reach"].tolist() == [True, False, False, False]   # no moved view: not scored
