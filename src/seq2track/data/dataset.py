"""The dataset of a run: window rows (chrom, start, end) per split over a genome store, plus ``meta.json``
(the ``DataSpec``, the store's path relative to this folder, window counts).

Files in the dataset folder: ``{split}.windows.bed`` and ``meta.json``. Sequences and targets are read
from the store (``data.store``) when an item is asked for; nothing per window is materialised.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from seq2track.data.encoding import reverse_complement_codes
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.store import GenomeStore
from seq2track.data.targets import region_targets
from seq2track.data.windows import WindowSpec
from seq2track.errors import InputFileError
from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import BigWigReader

SPLITS = ("train", "valid", "test")


def window_targets(readers: list[BigWigReader], tracks: tuple[TrackSpec, ...], chrom: str, start0: int, end: int,
                   spec: WindowSpec) -> np.ndarray:
    """Transformed targets (out_bins, T) of one window read straight from bigWigs; the crop is removed."""
    lo, hi = start0 + spec.crop_bp, end - spec.crop_bp
    return np.stack([region_targets(r, t, chrom, lo, hi, spec.bin_size_bp) for r, t in zip(readers, tracks)],
                    axis=-1)


def read_window_targets(bigwigs: list[str], tracks: tuple[TrackSpec, ...], windows: pd.DataFrame,
                        spec: WindowSpec) -> np.ndarray:
    """Targets (N, out_bins, T) of ``windows`` (chrom, start, end rows) from ``bigwigs`` in track order."""
    with contextlib.ExitStack() as stack:
        readers = [stack.enter_context(BigWigReader(p)) for p in bigwigs]
        return np.stack([window_targets(readers, tracks, w.chrom, w.start, w.end, spec) for w in windows.itertuples()])


def read_split_windows(data_dir: str | os.PathLike, split: str) -> pd.DataFrame:
    """The (chrom, start, end) rows of a split, in dataset order."""
    return pd.read_csv(Path(data_dir) / f"{split}.windows.bed", sep="\t", header=None, names=["chrom", "start", "end"],
                       dtype={"chrom": str})


def write_dataset(store_dir: str | os.PathLike, windows: pd.DataFrame, data_spec: DataSpec,
                  out_dir: str | os.PathLike) -> dict:
    """Write the split BED files and ``meta.json`` for ``windows`` (with a ``split`` column) over a store.

    The store must hold the spec's tracks at its bin size, and windows must start on bin boundaries.
    """
    out, store = Path(out_dir), GenomeStore(store_dir)
    w = data_spec.window
    if store.tracks != data_spec.tracks or store.bin_size_bp != w.bin_size_bp:
        raise InputFileError(str(store.root), "was built for other tracks or another bin size",
                             "rebuild the store from this track sheet")
    used = set(windows["chrom"])
    for track, missing in store.missing_chromosomes.items():
        if used & set(missing):
            chrom = sorted(used & set(missing))[0]
            split = windows.loc[windows.chrom == chrom, "split"].iloc[0]
            raise InputFileError(f"track {track}", f"has no data on {chrom} (a {split} chromosome): its targets "
                                 "would all be 0", "give a bigWig that covers every split chromosome, or leave "
                                 f"{chrom} out of genome.chromosomes")
    off_grid = windows.loc[windows["start"] % w.bin_size_bp != 0]
    if len(off_grid):
        raise InputFileError("windows", f"window {off_grid.chrom.iloc[0]}:{off_grid.start.iloc[0]} does not start "
                             f"on a {w.bin_size_bp} bp bin", "make windows.stride_bp a multiple of bin_size_bp")
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in SPLITS:
        part = windows[windows["split"] == split]
        with atomic_path(out / f"{split}.windows.bed") as tmp:
            part[["chrom", "start", "end"]].to_csv(tmp, sep="\t", header=False, index=False)
        counts[split] = len(part)
    meta = {**data_spec.to_dict(), "store": os.path.relpath(store.root, out), "n_windows": counts}
    with atomic_path(out / "meta.json") as tmp:
        tmp.write_text(json.dumps(meta, indent=2))
    return meta


class WindowDataset(Dataset):
    """Items (uint8 codes (L,), float32 targets (out_bins, T)) of one split as numpy arrays, read from the
    store; batch them with ``collate_numpy``. The model one-hot encodes codes on its device
    (``model.network.one_hot_codes``).

    With ``augment``, each item is shifted by up to ``max_shift_bp`` (the real flanking bases are read;
    targets unchanged, as in Basenji), reverse-complemented with probability 1/2 (targets flipped along
    bins) and, with ``random_offset``, moved by a whole number of bins within the stride (a different
    window each epoch; targets follow). Randomness comes from a generator seeded by (seed, epoch, index);
    an index may be an (epoch, index) pair so that persistent DataLoader workers need no epoch updates.
    """

    def __init__(self, data_dir: str | os.PathLike, split: str, augment: bool = False, max_shift_bp: int = 3,
                 seed: int = 0, random_offset: bool = False) -> None:
        data_dir = Path(data_dir)
        meta = json.loads((data_dir / "meta.json").read_text())
        self.spec = DataSpec.from_dict(meta).window
        self.store = GenomeStore(data_dir / meta["store"])
        rows = read_split_windows(data_dir, split)
        self.chroms, self.starts = rows["chrom"].to_numpy(), rows["start"].to_numpy()
        self.augment, self.max_shift_bp, self.seed, self.epoch = augment, max_shift_bp, seed, 0
        self.random_offset = random_offset

    def __len__(self) -> int:
        return len(self.starts)

    def track_moments(self, max_windows: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Per track (T,): the mean target and the mean of y log y, over at most ``max_windows`` evenly
        spaced windows read one at a time (memory: one window, whatever the number of tracks)."""
        n = len(self)
        if n == 0:
            raise ValueError("no windows in this split")
        idx = np.unique(np.linspace(0, n - 1, min(n, max_windows)).round().astype(int))
        total, total_ylogy = 0.0, 0.0
        for i in idx:
            y = self.window_targets(i).astype(np.float64)            # (out_bins, T)
            total = total + y.sum(axis=0)
            total_ylogy = total_ylogy + (y * np.log(np.where(y > 0, y, 1.0))).sum(axis=0)
        count = len(idx) * self.spec.n_out_bins
        return total / count, total_ylogy / count

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def window_codes(self, index: int, offset_bp: int = 0) -> np.ndarray:
        start = int(self.starts[index]) + offset_bp
        return self.store.codes(self.chroms[index], start, start + self.spec.length_bp)

    def window_targets(self, index: int, offset_bins: int = 0) -> np.ndarray:
        first = int(self.starts[index]) // self.spec.bin_size_bp + self.spec.crop_bins + offset_bins
        return self.store.targets(self.chroms[index], first, first + self.spec.n_out_bins)

    def _offset_bins(self, index: int, rng: np.random.Generator) -> int:
        """A whole number of bins in [0, stride), limited so that the window stays inside its chromosome."""
        spec, start = self.spec, int(self.starts[index])
        room = self.store.sizes[self.chroms[index]] - (start + spec.length_bp)
        most = min(spec.stride_bp // spec.bin_size_bp - 1, room // spec.bin_size_bp)
        return int(rng.integers(0, most + 1)) if most > 0 else 0

    def __getitem__(self, item: int | tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        epoch, index = item if isinstance(item, tuple) else (self.epoch, item)
        if not self.augment:
            codes, targets = self.window_codes(index), self.window_targets(index)
        else:
            rng = np.random.default_rng([self.seed, epoch, index])
            shift = int(rng.integers(-self.max_shift_bp, self.max_shift_bp + 1))
            flip = rng.random() < 0.5
            offset = self._offset_bins(index, rng) if self.random_offset else 0
            codes = self.window_codes(index, offset * self.spec.bin_size_bp + shift)
            targets = self.window_targets(index, offset)
            if flip:
                codes, targets = reverse_complement_codes(codes), targets[::-1].copy()
        return codes, targets


PIPE_BATCH_BYTES = 1 << 22  # batches up to 4 MB leave workers as numpy (pickled through a pipe)


def collate_numpy(items: list[tuple[np.ndarray, np.ndarray]]):
    """Stack items into (codes (B, L), targets (B, out_bins, T)); wrap them with ``torch.as_tensor``.

    Small batches stay numpy: from a DataLoader worker they are pickled through a pipe, where tensors
    would each travel as a shared-memory segment, which made 1-2 workers 1.5-2x slower per batch of
    131 kb x 4 tracks on 2 cores. Large batches (Enformer's 5,313 tracks: 76 MB per batch of 4) become
    tensors, which travel through shared memory 4-6x faster than through a pipe (bench/data_speed.py).
    """
    x, y = np.stack([x for x, _ in items]), np.stack([y for _, y in items])
    if x.nbytes + y.nbytes > PIPE_BATCH_BYTES:
        return torch.from_numpy(x), torch.from_numpy(y)
    return x, y
