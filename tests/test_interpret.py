"""Coordinate mapping of enhancers onto attention key bins, and pair scoring."""

import numpy as np
import pandas as pd
import torch

from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import element_key_bins, tss_attention, tss_window_start
from seq2track.interpret.enhancers import score_pairs, summarise
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
    profiles = np.zeros((1, SPEC.n_bins))
    profiles[0, 23:27] = [0.1, 0.2, 0.3, 0.4]
    pairs = pd.DataFrame({"chrom": ["c", "c"], "chromStart": [11_000, 30_000], "chromEnd": [11_300, 30_300],
                          "name": ["near", "far"], "chrTSS": ["c", "c"], "startTSS": [10_000, 10_000],
                          "endTSS": [10_001, 10_001], "measuredGeneSymbol": ["G", "G"],
                          "Regulated": [True, False], "distanceToTSS": [1150, 20150]})
    scored = score_pairs(pairs, genes, profiles, SPEC)
    assert scored["in_reach"].tolist() == [True, False]
    assert np.isclose(scored.loc[0, "attention"], 0.25) and np.isnan(scored.loc[1, "attention"])
    summary = summarise(scored)
    assert set(summary["method"]) == {"attention", "inverse_distance"}
    assert (summary["n_out_of_reach"] == 1).all() and (summary["n_pairs"] == 1).all()


def test_tss_attention_rows_sum_to_one(tiny_genome):
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", num_tracks=1, crop_bins=4)).eval()
    genes = pd.DataFrame({"chrom": ["chrA", "chrB"], "tss": [20_000, 1_000], "gene": ["A", "B"]})
    prof = tss_attention(model, Genome(tiny_genome), genes, SPEC, torch.device("cpu"), batch_size=1)
    assert prof.shape == (2, SPEC.n_bins)
    np.testing.assert_allclose(prof.sum(axis=1), 1.0, rtol=1e-5)
