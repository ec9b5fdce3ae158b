"""The genome store: bit-identical to per-window extraction, real flanking bases, workers change nothing."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader

from conftest import build_dataset_over_store
from seq2track.data import store as store_module
from seq2track.data.dataset import WindowDataset, collate_numpy, window_targets
from seq2track.data.encoding import encode, reverse_complement_codes
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.store import GenomeStore, assign_groups
from seq2track.data.windows import WindowSpec
from seq2track.errors import InputFileError
from seq2track.io.bigwig import BigWigReader
from seq2track.io.fasta import Genome
from seq2track.train.sampler import EpochBatches

SPEC = DataSpec(WindowSpec(4096, 2048, 128, 4), (TrackSpec("t", "sum", 2.0, 3.0, 9.0), TrackSpec("m", "mean")))


def _windows(sizes: dict[str, int], spec: WindowSpec) -> pd.DataFrame:
    rows = [(c, s, s + spec.length_bp) for c, n in sizes.items() for s in range(0, n - spec.length_bp + 1,
                                                                                spec.stride_bp)]
    w = pd.DataFrame(rows, columns=["chrom", "start", "end"])
    return w.assign(split=np.where(w.chrom == "chrA", "train", "valid"))


@pytest.fixture
def store_dataset(tmp_path, tiny_genome, tiny_bigwig, monkeypatch):
    monkeypatch.setattr(store_module, "CHUNK_BP", 5_000)             # many chunks, with ragged ends
    monkeypatch.setattr(store_module, "CHUNK_TARGET_BYTES", 4 * 128 * 7)
    windows = _windows(Genome(tiny_genome).sizes, SPEC.window)
    data = build_dataset_over_store(tmp_path / "ds", tiny_genome, [tiny_bigwig[0]] * 2, SPEC, windows, groups=2)
    return data, windows


def test_store_windows_are_bit_identical_to_per_window_extraction(store_dataset, tiny_genome, tiny_bigwig):
    data, windows = store_dataset
    genome, spec = Genome(tiny_genome), SPEC.window
    with BigWigReader(tiny_bigwig[0]) as r1, BigWigReader(tiny_bigwig[0]) as r2:
        for split in ("train", "valid"):
            ds, rows = WindowDataset(data, split), windows[windows.split == split].reset_index(drop=True)
            assert len(ds) == len(rows) > 3
            for i, w in enumerate(rows.itertuples()):
                x, y = ds[i]
                expected_x = encode(genome.fetch(w.chrom, w.start, w.end))
                expected_y = window_targets([r1, r2], SPEC.tracks, w.chrom, w.start, w.end, spec)
                assert x.tobytes() == expected_x.tobytes()
                assert y.dtype == np.float32 and y.tobytes() == expected_y.tobytes()


def test_shifts_read_real_flanking_bases_and_offsets_move_targets(store_dataset):
    data, _ = store_dataset
    plain = WindowDataset(data, "train")
    aug = WindowDataset(data, "train", augment=True, max_shift_bp=50, seed=3, random_offset=True)
    store, spec = plain.store, plain.spec
    seen_offsets = set()
    for i in range(len(aug)):
        rng = np.random.default_rng([3, 0, i])
        shift, flip = int(rng.integers(-50, 51)), rng.random() < 0.5
        offset = aug._offset_bins(i, rng)
        seen_offsets.add(offset)
        start = int(plain.starts[i]) + offset * 128 + shift
        codes = store.codes(plain.chroms[i], start, start + spec.length_bp)
        x, y = aug[i]
        first = int(plain.starts[i]) // 128 + spec.crop_bins + offset
        y_expected = store.targets(plain.chroms[i], first, first + spec.n_out_bins)
        if flip:
            x, y = reverse_complement_codes(x), y[::-1]
        assert (x == codes).all() and (y == y_expected).all()
        assert start < 0 or (codes != 4).all()       # real bases, not N padding, inside the contig
    assert len(seen_offsets) > 1 and max(seen_offsets) < spec.stride_bp // 128


def test_batches_do_not_depend_on_the_number_of_workers(store_dataset):
    data, _ = store_dataset
    ds = WindowDataset(data, "train", augment=True, max_shift_bp=3, seed=1, random_offset=True)

    def epochs(workers: int) -> list[torch.Tensor]:
        batches = EpochBatches()
        extra = dict(num_workers=workers, persistent_workers=True) if workers else {}
        loader = DataLoader(ds, batch_sampler=batches, collate_fn=collate_numpy,
                            generator=torch.Generator().manual_seed(0), **extra)
        out = []
        for epoch in range(2):
            batches.set([[0, 3, 1], [2, 4]], epoch)
            out += [torch.cat([torch.as_tensor(x).flatten().float(), torch.as_tensor(y).flatten()])
                    for x, y in loader]
        return out

    plain, pooled = epochs(0), epochs(2)
    assert all(torch.equal(a, b) for a, b in zip(plain, pooled)) and len(plain) == 4
    assert not torch.equal(plain[0], plain[2])          # epochs differ (augmentation seeded by epoch)


def test_groups_balance_and_store_errors(tmp_path, store_dataset):
    assert assign_groups({"a": 100, "b": 60, "c": 50, "d": 10}, 2) == [["a", "d"], ["b", "c"]]  # 110 vs 110
    assert assign_groups({"a": 5}, 3) == [["a"], [], []]
    data, _ = store_dataset
    store = WindowDataset(data, "train").store
    assert store.codes("chrA", -3, 2).tolist()[:3] == [4, 4, 4]  # N outside the contig
    with pytest.raises(KeyError, match="chrZ"):
        store.codes("chrZ", 0, 10)
    with pytest.raises(InputFileError, match="store.json"):
        GenomeStore(tmp_path / "nowhere")


def test_float16_targets_are_close(tmp_path, tiny_genome, tiny_bigwig):
    from seq2track.data.store import build_store_group
    out16, out32 = tmp_path / "s16", tmp_path / "s32"
    build_store_group(str(tiny_genome), [str(tiny_bigwig[0])], SPEC.tracks[:1], 128, ["chrA"], out16, "float16")
    build_store_group(str(tiny_genome), [str(tiny_bigwig[0])], SPEC.tracks[:1], 128, ["chrA"], out32)
    t16, t32 = np.load(out16 / "chrA.targets.npy"), np.load(out32 / "chrA.targets.npy")
    assert t16.dtype == np.float16 and np.allclose(t16.astype(np.float32), t32, rtol=1e-3)


def test_a_track_without_a_split_chromosome_is_refused(tmp_path, tiny_genome):
    """Issue 12 item 1: a bigWig lacking chrB gave all-zero targets there without a word."""
    from seq2track.io.bigwig import runs_from_values, write_bigwig_runs

    only_a = tmp_path / "only_a.bw"
    values = np.random.default_rng(0).poisson(0.5, 40_000).astype(np.float32)
    write_bigwig_runs(only_a, {"chrA": 40_000}, [("chrA", *runs_from_values(values))])
    spec = DataSpec(WindowSpec(4096, 4096, 128, 4), (TrackSpec("dnase"),))
    train_only = _windows({"chrA": 40_000}, spec.window)
    build_dataset_over_store(tmp_path / "ok", tiny_genome, [only_a], spec, train_only)   # chrB unused: fine
    with pytest.raises(InputFileError, match=r"track dnase.*no data on chrB \(a valid chromosome\)"):
        build_dataset_over_store(tmp_path / "bad", tiny_genome, [only_a], spec,
                                 _windows({"chrA": 40_000, "chrB": 30_000}, spec.window))
