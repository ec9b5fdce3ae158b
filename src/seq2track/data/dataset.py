"""The on-disk dataset: per split, uint8 sequence codes (N, L) and float32 targets (N, out_bins, T).

Files in ``out_dir``: ``{split}.sequences.npy``, ``{split}.targets.npy``, ``{split}.windows.bed`` and
``meta.json`` (the ``DataSpec``: geometry and tracks, plus window counts). Arrays are opened memory-mapped.
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

from seq2track.data.encoding import encode, one_hot, reverse_complement_codes, N_CODE
from seq2track.data.targets import pool_bins, transform
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.windows import WindowSpec
from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import BigWigReader
from seq2track.io.fasta import Genome

SPLITS = ("train", "valid", "test")


def window_targets(readers: list[BigWigReader], tracks: tuple[TrackSpec, ...], chrom: str, start0: int, end: int,
                   spec: WindowSpec) -> np.ndarray:
    """Transformed targets (out_bins, T) of one window; the crop is removed from both ends."""
    lo, hi = start0 + spec.crop_bp, end - spec.crop_bp
    cols = []
    for reader, track in zip(readers, tracks):
        binned = pool_bins(reader.values(chrom, lo, hi), spec.bin_size_bp, track.sum_stat)
        cols.append(transform(binned, track.scale, track.clip_soft, track.clip))
    return np.stack(cols, axis=-1)


def read_window_targets(bigwigs: list[str], tracks: tuple[TrackSpec, ...], windows: pd.DataFrame,
                        spec: WindowSpec) -> np.ndarray:
    """Targets (N, out_bins, T) of ``windows`` (chrom, start, end rows) from ``bigwigs`` in track order."""
    with contextlib.ExitStack() as stack:
        readers = [stack.enter_context(BigWigReader(p)) for p in bigwigs]
        return np.stack([window_targets(readers, tracks, w.chrom, w.start, w.end, spec) for w in windows.itertuples()])


def _save_npy(path: Path, array: np.ndarray) -> None:
    with atomic_path(path, suffix=".npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, array)


def build_dataset(genome_fa: str, bigwigs: list[str], data_spec: DataSpec, windows: pd.DataFrame,
                  out_dir: str | os.PathLike) -> dict:
    """Write sequences and targets for every window in ``windows`` (with a ``split`` column).

    ``bigwigs`` are in the order of ``data_spec.tracks``. Returns the metadata written to meta.json.
    """
    with contextlib.ExitStack() as stack:
        readers = [stack.enter_context(BigWigReader(p)) for p in bigwigs]
        counts = _write_splits(Genome(genome_fa), readers, data_spec, windows, Path(out_dir))
    meta = {**data_spec.to_dict(), "n_windows": counts}
    with atomic_path(Path(out_dir) / "meta.json") as tmp:
        tmp.write_text(json.dumps(meta, indent=2))
    return meta


def _write_splits(genome: Genome, readers: list[BigWigReader], data_spec: DataSpec, windows: pd.DataFrame,
                  out: Path) -> dict[str, int]:
    spec, tracks, counts = data_spec.window, data_spec.tracks, {}
    for split in SPLITS:
        part = windows[windows["split"] == split].reset_index(drop=True)
        seqs = np.full((len(part), spec.length_bp), N_CODE, dtype=np.uint8)
        tgts = np.zeros((len(part), spec.n_out_bins, len(tracks)), dtype=np.float32)
        for i, w in enumerate(part.itertuples()):
            seqs[i] = encode(genome.fetch(w.chrom, w.start, w.end))
            tgts[i] = window_targets(readers, tracks, w.chrom, w.start, w.end, spec)
        _save_npy(out / f"{split}.sequences.npy", seqs)
        _save_npy(out / f"{split}.targets.npy", tgts)
        with atomic_path(out / f"{split}.windows.bed") as tmp:
            part[["chrom", "start", "end"]].to_csv(tmp, sep="\t", header=False, index=False)
        counts[split] = len(part)
    return counts


def read_split_windows(data_dir: str | os.PathLike, split: str) -> pd.DataFrame:
    """The (chrom, start, end) rows of a split, in dataset order."""
    return pd.read_csv(Path(data_dir) / f"{split}.windows.bed", sep="\t", header=None, names=["chrom", "start", "end"],
                       dtype={"chrom": str})


class WindowDataset(Dataset):
    """Items (one_hot (L, 4) float32, targets (out_bins, T) float32) of one split.

    With ``augment``, each item is reverse-complemented with probability 1/2 (targets flipped along
    bins) and shifted by up to ``max_shift_bp`` (N-padded; targets unchanged, as in Basenji).
    Randomness comes from a generator seeded by (seed, epoch, index) so runs are reproducible.
    """

    def __init__(self, data_dir: str | os.PathLike, split: str, augment: bool = False,
                 max_shift_bp: int = 3, seed: int = 0) -> None:
        data_dir = Path(data_dir)
        self.sequences = np.load(data_dir / f"{split}.sequences.npy", mmap_mode="r")
        self.targets = np.load(data_dir / f"{split}.targets.npy", mmap_mode="r")
        self.augment, self.max_shift_bp, self.seed, self.epoch = augment, max_shift_bp, seed, 0

    def __len__(self) -> int:
        return self.sequences.shape[0]

    def track_moments(self, max_windows: int = 2048) -> tuple[np.ndarray, np.ndarray]:
        """Per track (T,): the mean target and the mean of y log y, over at most ``max_windows`` evenly
        spaced windows read one at a time (memory: one window, whatever the number of tracks)."""
        n = len(self)
        if n == 0:
            raise ValueError("no windows in this split")
        idx = np.unique(np.linspace(0, n - 1, min(n, max_windows)).round().astype(int))
        total, total_ylogy = 0.0, 0.0
        for i in idx:
            y = np.asarray(self.targets[i], dtype=np.float64)            # (out_bins, T)
            total = total + y.sum(axis=0)
            total_ylogy = total_ylogy + (y * np.log(np.where(y > 0, y, 1.0))).sum(axis=0)
        count = len(idx) * self.targets.shape[1]
        return total / count, total_ylogy / count

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        codes = np.array(self.sequences[index])
        targets = np.array(self.targets[index])
        if self.augment:
            rng = np.random.default_rng([self.seed, self.epoch, index])
            shift = int(rng.integers(-self.max_shift_bp, self.max_shift_bp + 1))
            codes = shift_codes(codes, shift)
            if rng.random() < 0.5:
                codes = reverse_complement_codes(codes)
                targets = targets[::-1].copy()
        return torch.from_numpy(one_hot(codes)), torch.from_numpy(targets)


def shift_codes(codes: np.ndarray, shift: int) -> np.ndarray:
    """Shift codes right by ``shift`` (left if negative), padding with N."""
    if shift == 0:
        return codes
    out = np.full_like(codes, N_CODE)
    if shift > 0:
        out[shift:] = codes[:-shift]
    else:
        out[:shift] = codes[-shift:]
    return out
