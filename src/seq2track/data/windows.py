"""Tile windows over contigs, drop bad ones, and assign train/valid/test splits by chromosome."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyranges as pr

from seq2track.data.encoding import encode, n_fraction
from seq2track.errors import ConfigError
from seq2track.io.fasta import Genome


@dataclass(frozen=True)
class WindowSpec:
    """Window geometry: input ``length_bp``, tiling ``stride_bp``, output bins and crop (bins per side)."""

    length_bp: int
    stride_bp: int
    bin_size_bp: int
    crop_bins: int

    def __post_init__(self) -> None:
        if self.length_bp % self.bin_size_bp:
            raise ConfigError("windows.length_bp", f"{self.length_bp} is not a multiple of bin_size_bp "
                              f"{self.bin_size_bp}", "choose a multiple")
        if self.stride_bp % self.bin_size_bp:
            raise ConfigError("windows.stride_bp", f"{self.stride_bp} is not a multiple of bin_size_bp "
                              f"{self.bin_size_bp}", "choose a multiple (windows then start on store bins)")
        if 2 * self.crop_bins >= self.n_bins:
            raise ConfigError("windows.crop_bins", f"crop of {self.crop_bins} per side leaves no output bins",
                              "lower crop_bins")

    @property
    def n_bins(self) -> int:
        """Bins over the whole input window (the attention grid)."""
        return self.length_bp // self.bin_size_bp

    @property
    def n_out_bins(self) -> int:
        """Bins the model predicts after cropping."""
        return self.n_bins - 2 * self.crop_bins

    @property
    def crop_bp(self) -> int:
        return self.crop_bins * self.bin_size_bp


def tile(chrom_sizes: dict[str, int], length_bp: int, stride_bp: int) -> pd.DataFrame:
    """Windows [start, start + length) every ``stride_bp`` that fit inside each contig."""
    rows = []
    for chrom, size in chrom_sizes.items():
        for start in range(0, size - length_bp + 1, stride_bp):
            rows.append((chrom, start, start + length_bp))
    return pd.DataFrame(rows, columns=["chrom", "start", "end"])


def covering_rows(windows: pd.DataFrame, spec: WindowSpec) -> np.ndarray:
    """Positions of a few of ``windows`` whose predicted (cropped) parts still cover every bin the whole set
    predicts: per chromosome, greedily the furthest window that starts its output inside what is covered.
    Overlapping training tiles (stride below the output length) need only this subset to be evaluated: at the
    demo's stride of 32 kb and 82 kb of output, every second window."""
    keep = []
    for _, group in windows.reset_index(drop=True).groupby("chrom", sort=False):
        group = group.sort_values("start")
        pos = group.index.to_numpy()
        lo, hi = group["start"].to_numpy() + spec.crop_bp, group["end"].to_numpy() - spec.crop_bp
        i, covered = 0, -1
        while i < len(pos):
            j = i
            while j + 1 < len(pos) and lo[j + 1] <= covered:   # the furthest window that still joins on
                j += 1
            keep.append(pos[j])
            covered, i = hi[j], j + 1
            while i < len(pos) and hi[i] <= covered:        # nothing new in these
                i += 1
    return np.sort(np.array(keep, dtype=int))


def drop_blacklisted(windows: pd.DataFrame, blacklist: pd.DataFrame) -> pd.DataFrame:
    """Windows that overlap no blacklist interval (pyranges overlap)."""
    if windows.empty or blacklist.empty:
        return windows
    win = pr.PyRanges(windows.rename(columns={"chrom": "Chromosome", "start": "Start", "end": "End"})
                      .assign(idx=np.arange(len(windows))))
    bl = pr.PyRanges(blacklist[["chrom", "start", "end"]].rename(
        columns={"chrom": "Chromosome", "start": "Start", "end": "End"}))
    hits = win.overlap(bl)
    hit_idx = hits.df["idx"].to_numpy() if len(hits) else np.zeros(0, dtype=int)
    return windows.loc[~np.isin(np.arange(len(windows)), hit_idx)].reset_index(drop=True)


def drop_n_rich(windows: pd.DataFrame, genome: Genome, max_n_fraction: float) -> pd.DataFrame:
    """Windows whose fraction of non-ACGT bases is at most ``max_n_fraction``."""
    keep = [n_fraction(encode(genome.fetch(r.chrom, r.start, r.end))) <= max_n_fraction
            for r in windows.itertuples()]
    return windows.loc[keep].reset_index(drop=True)


def assign_splits(windows: pd.DataFrame, valid: list[str], test: list[str]) -> pd.DataFrame:
    """Add a ``split`` column: chromosomes in ``test`` -> test, in ``valid`` -> valid, others -> train."""
    overlap = set(valid) & set(test)
    if overlap:
        raise ConfigError("windows.split", f"chromosomes {sorted(overlap)} are in both valid and test",
                          "put each chromosome in one split")
    split = np.where(windows["chrom"].isin(test), "test", np.where(windows["chrom"].isin(valid), "valid", "train"))
    return windows.assign(split=split)


def make_windows(genome: Genome, blacklist: pd.DataFrame, spec: WindowSpec, max_n_fraction: float,
                 valid: list[str], test: list[str]) -> pd.DataFrame:
    """All stages: tile, drop blacklisted and N-rich windows, assign splits.

    Fails early, naming the key, when a split chromosome is not in the genome, or when the train split (or
    a valid/test split that names chromosomes) is left with no window; the message counts what was dropped.
    """
    for key, names in (("windows.valid_chromosomes", valid), ("windows.test_chromosomes", test)):
        unknown = sorted(set(names) - set(genome.sizes))
        if unknown:
            raise ConfigError(key, f"{unknown} are not in the genome",
                              f"use names of the genome ({', '.join(list(genome.sizes)[:6])}, ...)")
    tiled = assign_splits(tile(genome.sizes, spec.length_bp, spec.stride_bp), valid, test)
    kept_bl = drop_blacklisted(tiled, blacklist)
    windows = drop_n_rich(kept_bl, genome, max_n_fraction)
    for split, names in (("train", None), ("valid", valid), ("test", test)):
        if (names is None or names) and not (windows["split"] == split).any():
            chroms = names if names is not None else sorted(set(genome.sizes) - set(valid) - set(test))
            short = [c for c in chroms if genome.sizes[c] < spec.length_bp]
            raise ConfigError(f"windows ({split} split)", f"no window left on {chroms}: "
                              f"{(tiled.split == split).sum()} tiled ({len(short)} chromosomes shorter than "
                              f"length_bp {spec.length_bp}), {(kept_bl.split == split).sum()} after the blacklist, "
                              f"0 with at most {max_n_fraction:.0%} N", "choose other split chromosomes, a shorter "
                              "windows.length_bp or a higher windows.max_n_fraction")
    return windows


def split_report(windows: pd.DataFrame) -> pd.DataFrame:
    """Windows and chromosomes per split."""
    return (windows.groupby("split").agg(n_windows=("chrom", "size"),
                                         chromosomes=("chrom", lambda c: ",".join(sorted(set(c)))))
            .reindex(["train", "valid", "test"]).fillna({"n_windows": 0, "chromosomes": ""})
            .astype({"n_windows": int}).reset_index())
