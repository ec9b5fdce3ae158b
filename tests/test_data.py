"""Encoding, targets, windows and the on-disk dataset."""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import build_dataset_over_store
from seq2track.data.dataset import WindowDataset
from seq2track.data.encoding import decode, encode, n_fraction, one_hot, reverse_complement_codes
from seq2track.data.targets import pool_bins, transform, untransform
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.windows import WindowSpec, assign_splits, covering_rows, drop_blacklisted, make_windows, tile
from seq2track.errors import ConfigError
from seq2track.io.fasta import Genome


def test_encoding_round_trip_and_rc():
    codes = encode("ACGTNacgtx")
    assert codes.tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]
    assert decode(codes) == "ACGTNACGTN"
    assert decode(reverse_complement_codes(encode("AACGN"))) == "NCGTT"
    oh = one_hot(encode("AN"))
    assert oh.tolist() == [[1, 0, 0, 0], [0, 0, 0, 0]]
    assert n_fraction(encode("ANNN")) == 0.75


def test_pool_and_transform():
    v = np.arange(8, dtype=np.float32)
    assert pool_bins(v, 4, "sum").tolist() == [6, 22]
    assert pool_bins(v, 4, "mean").tolist() == [1.5, 5.5]
    out = transform(np.array([1.0, 10.0, 100.0]), scale=1.0, clip_soft=10.0, clip=15.0)
    np.testing.assert_allclose(out, [1.0, 10.0, 15.0])
    np.testing.assert_allclose(transform(np.array([14.0]), 1.0, 10.0, np.nan), [12.0])


def test_untransform_inverts_scale_and_soft_clip_below_the_hard_clip():
    counts = np.array([0.0, 3.0, 32.0, 138.0, 358.0, 900.0])
    for scale, soft in ((1.0, 32.0), (0.5, 32.0), (2.0, None), (1.0, np.nan)):
        y = transform(counts, scale, soft, 2000.0)
        np.testing.assert_allclose(untransform(y, scale, soft), counts, rtol=1e-6)
    # a 2.6-fold difference in counts is a 1.18-fold one after the soft clip at 32; undone, 2.6-fold again
    y = transform(np.array([138.0, 358.0]), 1.0, 32.0, None)
    assert y[1] / y[0] < 1.2 and np.isclose(np.divide(*untransform(y, 1.0, 32.0)[::-1]), 358 / 138)


def test_window_spec_checks():
    with pytest.raises(ConfigError, match="windows.length_bp"):
        WindowSpec(1000, 500, 128, 1)
    with pytest.raises(ConfigError, match="crop_bins"):
        WindowSpec(1024, 512, 128, 4)
    spec = WindowSpec(2048, 1024, 128, 2)
    assert (spec.n_bins, spec.n_out_bins, spec.crop_bp) == (16, 12, 256)


def test_tile_blacklist_split():
    w = tile({"c1": 10_000, "c2": 5_000}, 4_000, 2_000)
    assert len(w) == 4 + 1 and (w["end"] - w["start"] == 4_000).all()
    bl = pd.DataFrame({"chrom": ["c1"], "start": [5_000], "end": [5_100]})
    kept = drop_blacklisted(w, bl)
    assert kept[kept.chrom == "c1"]["start"].tolist() == [0, 6_000]  # 2000-6000 and 4000-8000 overlap
    s = assign_splits(kept, valid=["c2"], test=[])
    assert s.set_index("chrom")["split"].to_dict() == {"c1": "train", "c2": "valid"}
    with pytest.raises(ConfigError, match="both valid and test"):
        assign_splits(kept, valid=["c2"], test=["c2"])


def _predicted_bins(windows: pd.DataFrame, spec: WindowSpec) -> set:
    return {(c, b) for c, s, e in windows[["chrom", "start", "end"]].itertuples(index=False)
            for b in range((s + spec.crop_bp) // spec.bin_size_bp, (e - spec.crop_bp) // spec.bin_size_bp)}


def test_covering_rows_keep_every_predicted_bin_in_fewer_windows():
    spec = WindowSpec(length_bp=98_304, stride_bp=32_768, bin_size_bp=128, crop_bins=64)
    w = tile({"c1": 1_500_000, "c2": 400_000}, spec.length_bp, spec.stride_bp)
    w = w.drop(index=[5, 6, 7, 8]).sample(frac=1.0, random_state=0)   # a blacklisted stretch; any order
    rows = covering_rows(w, spec)
    kept = w.iloc[rows]
    assert _predicted_bins(kept, spec) == _predicted_bins(w, spec)
    c1 = kept[kept.chrom == "c1"].sort_values("start")["start"].tolist()
    assert c1[:4] == [0, 65_536, 131_072, 294_912]   # every second tile, then the first one after the gap
    assert len(kept) <= len(w) // 2 + 3
    alone = WindowSpec(length_bp=98_304, stride_bp=98_304, bin_size_bp=128, crop_bins=64)
    disjoint = tile({"c1": 1_000_000}, alone.length_bp, alone.stride_bp)
    assert covering_rows(disjoint, alone).tolist() == list(range(len(disjoint)))   # nothing to drop


def test_make_windows_drops_n_rich(tiny_genome):
    spec = WindowSpec(4096, 2048, 128, 2)
    w = make_windows(Genome(tiny_genome), pd.DataFrame(columns=["chrom", "start", "end"]), spec, 0.1, ["chrB"], [])
    b = w[w.chrom == "chrB"]
    # the 2 kb N run at 10,000-12,000: windows mostly over it go, one with 240 N (5.9%) stays
    assert {8192, 10240}.isdisjoint(b.start) and 6144 in set(b.start)
    assert len(b) > 0 and set(w.split) == {"train", "valid"}


def test_dataset_targets_match_bigwig(tmp_path, tiny_genome, tiny_bigwig):
    bw, values = tiny_bigwig
    spec = WindowSpec(4096, 4096, 128, 4)
    windows = pd.DataFrame({"chrom": ["chrA", "chrA", "chrB"], "start": [0, 8192, 0],
                            "end": [4096, 12288, 4096], "split": ["train", "valid", "test"]})
    data_spec = DataSpec(spec, (TrackSpec("t", "sum", 2.0),))
    build_dataset_over_store(tmp_path / "ds", tiny_genome, [bw], data_spec, windows)
    meta = json.loads((tmp_path / "ds" / "meta.json").read_text())
    assert meta["n_windows"] == {"train": 1, "valid": 1, "test": 1}
    assert DataSpec.read(tmp_path / "ds" / "meta.json") == data_spec and data_spec.window.n_out_bins == 24
    ds = WindowDataset(tmp_path / "ds", "valid")
    x, y = ds[0]
    assert x.shape == (4096,) and x.dtype == np.uint8 and y.shape == (24, 1)
    expected = 2.0 * values["chrA"][8192 + 512:12288 - 512].reshape(24, 128).sum(axis=1)
    np.testing.assert_allclose(y[:, 0], expected)
    assert Genome(tiny_genome).fetch("chrA", 8192, 12288) == decode(x)


def test_augmentation_is_seeded_and_flips_targets(tmp_path, tiny_genome, tiny_bigwig):
    bw, _ = tiny_bigwig
    spec = WindowSpec(4096, 4096, 128, 4)
    windows = pd.DataFrame({"chrom": ["chrA"] * 8, "start": np.arange(8) * 4096, "end": np.arange(1, 9) * 4096,
                            "split": "train"})
    build_dataset_over_store(tmp_path / "ds", tiny_genome, [bw], DataSpec(spec, (TrackSpec("t"),)), windows)
    plain, aug = WindowDataset(tmp_path / "ds", "train"), WindowDataset(tmp_path / "ds", "train", augment=True, seed=3)
    again = WindowDataset(tmp_path / "ds", "train", augment=True, seed=3)
    flipped = 0
    for i in range(8):
        xa, ya = aug[i]
        xb, yb = again[i]
        assert (xa == xb).all() and (ya == yb).all()
        if not (ya == plain[i][1]).all():
            flipped += 1
            assert (ya[::-1] == plain[i][1]).all()
    assert 0 < flipped < 8


def test_split_chromosomes_must_exist_and_keep_windows(tiny_genome):
    """Issue 12: an unknown split chromosome, or a split left without windows, stops at the windows step."""
    genome, no_bl = Genome(tiny_genome), pd.DataFrame(columns=["chrom", "start", "end"])
    with pytest.raises(ConfigError, match=r"windows.valid_chromosomes.*\['chr2'\] are not in the genome"):
        make_windows(genome, no_bl, WindowSpec(4096, 2048, 128, 2), 0.1, ["chr2"], ["chrB"])
    with pytest.raises(ConfigError, match=r"test split.*no window left on \['chrB'\]: 0 tiled \(1 chromosomes "
                                          r"shorter than length_bp 32768\)"):
        make_windows(genome, no_bl, WindowSpec(32768, 4096, 128, 4), 0.1, [], ["chrB"])
    blacklist = pd.DataFrame({"chrom": ["chrA"], "start": [0], "end": [40_000]})
    with pytest.raises(ConfigError, match=r"train split.*after the blacklist"):
        make_windows(genome, blacklist, WindowSpec(4096, 2048, 128, 2), 0.1, ["chrB"], [])
