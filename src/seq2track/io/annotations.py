"""Annotations in, checked tables out: blacklist BED, TSS BED (from BED or a GENCODE GTF), enhancer pairs.

Chromosome names go through ``genome.chrom_aliases``; a row on a chromosome the genome does not
know is an error naming the file and line (rows on allowed extra contigs are dropped); intervals
must lie on their chromosome with start <= end. Outputs are written atomically.
"""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import pandas as pd

from seq2track.errors import InputFileError
from seq2track.io.atomic import atomic_path
from seq2track.io.chroms import ChromNames
from seq2track.io.tables import compression, read_bed, read_enhancer_pairs

_ATTR = re.compile(r'(\S+) "([^"]*)"')


def _open_text(path: Path):
    return gzip.open(path, "rt") if compression(path) else open(path)


def _map_column(df: pd.DataFrame, col: str, path: Path, sizes: dict[str, int], names: ChromNames,
                line_offset: int) -> pd.Series:
    """Genome names for ``df[col]``; raise on the first unknown chromosome with its line number."""
    mapped = df[col].astype(str).map(names)
    unknown = ~mapped.isin(list(sizes)) & ~mapped.map(names.is_extra)
    if unknown.any():
        row = int(unknown.to_numpy().nonzero()[0][0])
        raise InputFileError(str(path),
                             f"line {row + line_offset}: chromosome '{df[col].iloc[row]}' is not in the genome",
                             "set genome.chrom_aliases or use a file made for this assembly")
    return mapped


def _check_bounds(df, chrom: str, start: str, end: str, path: Path, sizes: dict[str, int], line_offset: int) -> None:
    length = df[chrom].map(sizes)
    bad = (df[end] < df[start]) | (df[start] < 0) | (df[end] > length)
    if bad.any():
        row = bad[bad].index[0]  # labels are the source rows (0-based)
        raise InputFileError(str(path), f"line {row + line_offset}: interval {df.at[row, chrom]}:"
                             f"{df.at[row, start]}-{df.at[row, end]} has end < start or lies off the chromosome",
                             "fix the interval or use a file made for this assembly")


def _known(df: pd.DataFrame, cols: list[str], sizes: dict[str, int]) -> pd.DataFrame:
    keep = pd.Series(True, index=df.index)
    for col in cols:
        keep &= df[col].isin(list(sizes))
    return df[keep]


def prepare_bed(raw: str | os.PathLike, out: str | os.PathLike, sizes: dict[str, int], names: ChromNames,
                min_columns: int = 3) -> pd.DataFrame:
    """Check a BED (blacklist or TSS BED6) and write it with genome chromosome names."""
    raw = Path(raw)
    df = read_bed(raw, min_columns=min_columns)
    df["chrom"] = _map_column(df, "chrom", raw, sizes, names, 1)
    df = _known(df, ["chrom"], sizes)
    _check_bounds(df, "chrom", "start", "end", raw, sizes, 1)
    _write(df, out, header=False)
    return df


def _write(df: pd.DataFrame, out: str | os.PathLike, header: bool) -> None:
    with atomic_path(out) as tmp:
        df.to_csv(tmp, sep="\t", header=header, index=False)


def tss_from_gtf(raw: str | os.PathLike, gene_types: list[str] | None = None) -> pd.DataFrame:
    """One TSS per gene from a GENCODE/Ensembl GTF, as BED6+1 (chrom, start, end, gene, score, strand, gene_id).

    The TSS is the 5' end (start on +, end on -) of the gene's Ensembl_canonical transcript when the
    GTF tags one (GENCODE >= v38), else of the gene record. ``gene_types`` filters on gene_type.
    """
    raw = Path(raw)
    genes: dict[str, tuple] = {}
    canonical: dict[str, tuple] = {}
    with _open_text(raw) as fh:
        for lineno, line in enumerate(fh, 1):
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) != 9:
                raise InputFileError(str(raw), f"line {lineno}: {len(f)} columns, a GTF has 9", "give a GTF file")
            if f[2] not in ("gene", "transcript"):
                continue
            attrs = dict(_ATTR.findall(f[8]))
            if gene_types and attrs.get("gene_type", attrs.get("gene_biotype")) not in gene_types:
                continue
            start1, end, strand = int(f[3]), int(f[4]), f[6]
            tss0 = start1 - 1 if strand == "+" else end - 1
            gene = attrs.get("gene_name") or attrs.get("gene_id", "")
            key = attrs.get("gene_id", gene)
            row = (f[0], tss0, tss0 + 1, gene, 0, strand, attrs.get("gene_id", ""))
            if f[2] == "gene":
                genes[key] = row
            elif 'tag "Ensembl_canonical"' in f[8]:
                canonical[key] = row
    if not genes and not canonical:
        raise InputFileError(str(raw), "no gene or transcript records found", "give a GENCODE/Ensembl GTF")
    rows = {**genes, **canonical}
    return pd.DataFrame(list(rows.values()), columns=["chrom", "start", "end", "name", "score", "strand", "gene_id"])


def prepare_tss(raw: str | os.PathLike, out: str | os.PathLike, sizes: dict[str, int], names: ChromNames,
                fmt: str | None = None, gene_types: list[str] | None = None) -> pd.DataFrame:
    """TSS BED6 from a BED6 or a GTF (``fmt`` 'bed' | 'gtf' | None to detect from the name)."""
    raw = Path(raw)
    if fmt is None:
        fmt = "gtf" if re.search(r"\.gtf(\.gz)?$", raw.name) else "bed"
    if fmt == "bed":
        return prepare_bed(raw, out, sizes, names, min_columns=6)
    df = tss_from_gtf(raw, gene_types)
    df["chrom"] = _map_column(df, "chrom", raw, sizes, names, 1)
    df = _known(df, ["chrom"], sizes).sort_values(["chrom", "start"], kind="stable")
    _write(df, out, header=False)
    return df


def prepare_enhancers(raw: str | os.PathLike, out: str | os.PathLike, sizes: dict[str, int],
                      names: ChromNames) -> pd.DataFrame:
    """Check an EPCrisprBenchmark table (TSV, optionally gzipped) and write it with genome names."""
    raw = Path(raw)
    df = read_enhancer_pairs(raw)
    for col in ("chrom", "chrTSS"):
        df[col] = _map_column(df, col, raw, sizes, names, 2)
    _check_bounds(df[df["chrom"].isin(list(sizes))], "chrom", "chromStart", "chromEnd", raw, sizes, 2)
    _check_bounds(df[df["chrTSS"].isin(list(sizes))], "chrTSS", "startTSS", "endTSS", raw, sizes, 2)
    df = _known(df, ["chrom", "chrTSS"], sizes)
    _write(df, out, header=True)
    return df
