"""bigWig read/write with pyBigWig. Coordinates are 0-based half-open."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

import numpy as np
import pyBigWig

from seq2track.errors import InputFileError
from seq2track.io.atomic import atomic_path


def runs_from_values(values: np.ndarray, start0: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run-length encode base-resolution ``values`` into (starts, ends, values), dropping zeros."""
    values = np.asarray(values, dtype=np.float32)
    if values.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    change = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [values.size]])
    vals = values[starts]
    keep = vals != 0
    return starts[keep] + start0, ends[keep] + start0, vals[keep]


def write_bigwig_runs(path: str | os.PathLike, chrom_sizes: dict[str, int],
                      runs: Iterable[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """Write bedGraph-like runs (chrom, starts, ends, values) as a bigWig.

    ``runs`` must come in the order of ``chrom_sizes`` and be sorted, non-overlapping within a chrom.
    """
    with atomic_path(path, suffix=".bw") as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        bw.addHeader(list(chrom_sizes.items()), maxZooms=10)
        for chrom, starts, ends, vals in runs:
            if len(starts) == 0:
                continue
            bw.addEntries([chrom] * len(starts), np.asarray(starts, dtype=np.int64),   # numpy: no per-entry
                          ends=np.asarray(ends, dtype=np.int64), values=np.asarray(vals, dtype=np.float64))  # objects
        bw.close()


def write_bigwig_bins(path: str | os.PathLike, chrom_sizes: dict[str, int],
                      blocks: Iterable[tuple[str, int, np.ndarray]], bin_size_bp: int) -> None:
    """Write fixed-step blocks (chrom, start0, values per bin) as one bigWig (``write_bigwigs_bins``, one column)."""
    write_bigwigs_bins([path], chrom_sizes, ((c, s, np.asarray(v)[:, None]) for c, s, v in blocks), bin_size_bp)


def write_bigwigs_bins(paths: list[str | os.PathLike], chrom_sizes: dict[str, int],
                       blocks: Iterable[tuple[str, int, np.ndarray]], bin_size_bp: int) -> None:
    """Write one bigWig per column of fixed-step blocks (chrom, start0, values (bins, len(paths))) in one pass.

    Blocks must be sorted by (chrom order in ``chrom_sizes``, start) and must not overlap; the last bin of a
    block is clipped to the chromosome end. Memory: one block (the writers keep only their own buffers).
    """
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(atomic_path(p, suffix=".bw")) for p in paths]
        writers = [pyBigWig.open(str(t), "w") for t in tmps]
        try:
            for bw in writers:
                bw.addHeader(list(chrom_sizes.items()), maxZooms=10)
            for chrom, start0, values in blocks:
                starts = start0 + bin_size_bp * np.arange(values.shape[0])
                ends = np.minimum(starts + bin_size_bp, chrom_sizes[chrom])
                keep = starts < ends
                names, s, e = [chrom] * int(keep.sum()), starts[keep].tolist(), ends[keep].tolist()
                for bw, column in zip(writers, np.asarray(values, dtype=np.float64)[keep].T):
                    bw.addEntries(names, s, ends=e, values=column.tolist())
        finally:
            for bw in writers:
                bw.close()


class BigWigReader:
    """Base-resolution values from a bigWig; missing data reads as 0."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)
        try:
            self._bw = pyBigWig.open(self.path)
        except RuntimeError as exc:
            raise InputFileError(self.path, "is not a readable bigWig", "check the track source") from exc
        if self._bw is None or not self._bw.isBigWig():
            raise InputFileError(self.path, "is not a bigWig file", "convert it to bigWig or fix the source")
        self.chroms: dict[str, int] = self._bw.chroms()

    def values(self, chrom: str, start0: int, end: int) -> np.ndarray:
        """float32 array of length end - start0; positions outside the contig or without data are 0."""
        out = np.zeros(end - start0, dtype=np.float32)
        size = self.chroms.get(chrom)
        if size is None:
            return out
        lo, hi = max(0, start0), min(end, size)
        if hi > lo:
            vals = self._bw.values(chrom, lo, hi, numpy=True)
            out[lo - start0:hi - start0] = np.nan_to_num(vals, nan=0.0)
        return out

    def close(self) -> None:
        self._bw.close()

    def __enter__(self) -> BigWigReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
