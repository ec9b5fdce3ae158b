"""Signal tracks in, one checked bigWig out: bigWig as is, bedGraph and CTSS BED (FANTOM5 CAGE) converted.

Every track is checked against the genome: chromosome names (after ``genome.chrom_aliases``) must be
known to the source FASTA (or be an allowed extra contig such as chrEBV, whose data are dropped) and
lengths must agree. Text formats are read in chunks, grouped per chromosome, sorted and written with
pyBigWig; overlapping intervals are an error naming the file and chromosome.
"""

from __future__ import annotations

import gzip
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig

from seq2track.errors import InputFileError
from seq2track.io.bigwig import BigWigReader, write_bigwig_runs
from seq2track.io.chroms import ChromNames
from seq2track.io.tables import compression

log = logging.getLogger(__name__)
FORMATS = ("bigwig", "bedgraph", "ctss")
_SUFFIXES = {".bw": "bigwig", ".bigwig": "bigwig", ".bedgraph": "bedgraph", ".bg": "bedgraph",
             ".ctss.bed": "ctss"}
_CHUNK_ROWS = 2_000_000
_COPY_STEP = 10_000_000


def detect_format(source: str, declared: str = "") -> str:
    """The track format: ``declared`` when given, else from the source name (``.gz`` ignored)."""
    if declared:
        if declared not in FORMATS:
            raise InputFileError(source, f"unknown track format '{declared}'", f"use one of {list(FORMATS)}")
        return declared
    name = source.lower().removesuffix(".gz")
    for suffix, fmt in sorted(_SUFFIXES.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return fmt
    raise InputFileError(source, "cannot tell the track format from the name",
                         f"set the track sheet column 'format' to one of {list(FORMATS)}")


def _check_lengths(path: str, lengths: dict[str, int], mapping: dict[str, str], genome: dict[str, int]) -> None:
    wrong = [name for name, target in mapping.items() if lengths[name] != genome[target]]
    if wrong:
        raise InputFileError(path, f"chromosome lengths differ from the genome for {wrong[:5]}",
                             "use a track made for this genome assembly")


class _NonFinite:
    """NaN values in a source: dropped (they read as no data, 0 to the model, a gap in a browser), counted and
    logged once per file. An infinite value is an error: no signal is infinite, the file is broken."""

    def __init__(self, path: str) -> None:
        self.path, self.intervals, self.bases, self.chroms = path, 0, 0, set()

    def drop(self, chrom: str, starts: np.ndarray, ends: np.ndarray, vals: np.ndarray):
        bad = np.isnan(vals)
        if np.isinf(vals).any():
            where = int(starts[np.flatnonzero(np.isinf(vals))[0]])
            raise InputFileError(self.path, f"infinite value on {chrom} at {where}",
                                 "fix or regenerate the track: signal values must be finite")
        if not bad.any():
            return starts, ends, vals
        self.intervals += int(bad.sum())
        self.bases += int((ends[bad] - starts[bad]).sum())
        self.chroms.add(chrom)
        return starts[~bad], ends[~bad], vals[~bad]

    def report(self) -> None:
        if self.intervals:
            log.warning("%s: %d intervals (%d bp) on %d chromosomes (%s) hold NaN; written as no data, "
                        "which reads as 0", self.path, self.intervals, self.bases, len(self.chroms),
                        ", ".join(sorted(self.chroms)[:5]))


def _bigwig_runs(bw, chroms: dict[str, str], keep: dict[str, int], nonfinite: _NonFinite):
    """(chrom, starts, ends, values) per 10 Mb of each kept chromosome; ``chroms`` maps genome -> file name."""
    for chrom, size in keep.items():
        if chrom not in chroms:
            continue
        for lo in range(0, size, _COPY_STEP):
            ivs = bw.intervals(chroms[chrom], lo, min(lo + _COPY_STEP, size)) or ()
            # an interval spanning lo came with the block before
            arr = np.asarray([iv for iv in ivs if iv[0] >= lo], dtype=np.float64).reshape(-1, 3)
            starts, ends, vals = nonfinite.drop(chrom, arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64),
                                                arr[:, 2])
            if len(vals):
                yield chrom, starts, ends, vals


def _has_nan(bw, chroms: dict[str, str], keep: dict[str, int], label: str) -> bool:
    probe = _NonFinite(label)
    for _ in _bigwig_runs(bw, chroms, keep, probe):
        pass
    return probe.intervals > 0


def _bigwig(raw: Path, out: Path, source_sizes: dict[str, int], keep: dict[str, int], names: ChromNames,
            label: str) -> None:
    """Kept as is when its names are the genome's and it holds no NaN; else rewritten (renamed, NaN dropped).
    Every value is read once to look for NaN (about 0.5 us per interval), twice when there are some."""
    with BigWigReader(raw) as reader:
        file_chroms = reader.chroms
    mapping = names.check(file_chroms, source_sizes, str(raw))
    _check_lengths(str(raw), file_chroms, mapping, source_sizes)
    inverse = {dst: src for src, dst in mapping.items()}
    with pyBigWig.open(str(raw)) as bw:
        keep_as_is = all(src == dst for src, dst in mapping.items()) and not _has_nan(bw, inverse, keep, label)
        if not keep_as_is:
            nonfinite = _NonFinite(label)
            write_bigwig_runs(out, keep, _bigwig_runs(bw, inverse, keep, nonfinite))
            nonfinite.report()
    if keep_as_is:
        os.replace(raw, out)


def _text_lines_to_skip(path: Path) -> int:
    skip = 0
    with (gzip.open if compression(path) else open)(path, "rt") as fh:
        for line in fh:
            if not line.startswith(("track", "browser", "#")):
                break
            skip += 1
    return skip


def _read_text(raw: Path, fmt: str, source_sizes: dict[str, int], names: ChromNames) -> dict[str, pd.DataFrame]:
    """{genome chrom: DataFrame(start, end, value)} from a bedGraph or CTSS BED, checked per row."""
    cols, value_col = ([0, 1, 2, 3], 3) if fmt == "bedgraph" else ([0, 1, 2, 4], 4)
    skip = _text_lines_to_skip(raw)
    parts: dict[str, list[pd.DataFrame]] = {}
    seen: set[str] = set()
    try:
        chunks = pd.read_csv(raw, sep="\t", header=None, usecols=cols, skiprows=skip, chunksize=_CHUNK_ROWS,
                             compression=compression(raw),
                             dtype={0: str, 1: np.int64, 2: np.int64, value_col: np.float64})
        line0 = skip + 1
        for chunk in chunks:
            chunk.columns = ["chrom", "start", "end", "value"]
            bad = np.flatnonzero((chunk["end"] <= chunk["start"]).to_numpy() | (chunk["start"] < 0).to_numpy())
            if bad.size:
                raise InputFileError(str(raw), f"line {line0 + bad[0]}: end <= start or negative start",
                                     "fix the interval")
            for chrom, rows in chunk.groupby("chrom", sort=False):
                seen.add(chrom)
                parts.setdefault(chrom, []).append(rows[["start", "end", "value"]])
            line0 += len(chunk)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputFileError(str(raw), f"cannot be parsed as {fmt} ({str(exc).splitlines()[0]})",
                             "write tab-separated chrom, start, end, value") from None
    mapping = names.check(sorted(seen), source_sizes, str(raw))
    tables = {}
    for src, dst in mapping.items():
        df = pd.concat(parts[src], ignore_index=True)
        if (df["end"] > source_sizes[dst]).any():
            raise InputFileError(str(raw), f"intervals on {src} run past its length {source_sizes[dst]}",
                                 "use a track made for this genome assembly")
        tables[dst] = df
    return tables


def _runs(raw: Path, fmt: str, chrom: str, df: pd.DataFrame, nonfinite: _NonFinite):
    if fmt == "ctss":  # one count per strand and position; the track sums both strands
        df = df.groupby(["start", "end"], as_index=False, sort=True)["value"].sum()
    else:
        df = df.sort_values(["start", "end"], kind="stable")
    starts, ends, vals = (df[c].to_numpy() for c in ("start", "end", "value"))
    overlap = np.flatnonzero(starts[1:] < ends[:-1])
    if overlap.size:
        raise InputFileError(str(raw), f"overlapping intervals on {chrom} at {int(starts[overlap[0] + 1])}",
                             "merge overlapping intervals (bedtools merge / bedGraph must not overlap)")
    return (chrom, *nonfinite.drop(chrom, starts, ends, vals))


def prepare_track(raw: str | os.PathLike, out: str | os.PathLike, fmt: str, source_sizes: dict[str, int],
                  keep: dict[str, int], names: ChromNames | None = None, label: str | None = None) -> None:
    """Check ``raw`` (bigWig, bedGraph or CTSS BED, optionally gzipped) and write it as the bigWig ``out``.

    ``source_sizes`` are all chromosomes of the source FASTA (genome names), ``keep`` the prepared
    genome's; the output header is ``keep`` unless a bigWig needs no renaming (then it is kept as is).
    NaN values are dropped and logged naming ``label`` (the user's source; default ``raw``).
    """
    raw, out, names = Path(raw), Path(out), names or ChromNames()
    label = label or str(raw)
    if fmt == "bigwig":
        _bigwig(raw, out, source_sizes, keep, names, label)
        return
    tables = _read_text(raw, fmt, source_sizes, names)
    log.info("%s: %d chromosomes with data, %d rows", raw, len(tables), sum(map(len, tables.values())))
    nonfinite = _NonFinite(label)
    write_bigwig_runs(out, keep, (_runs(raw, fmt, c, tables[c], nonfinite) for c in keep if c in tables))
    nonfinite.report()
