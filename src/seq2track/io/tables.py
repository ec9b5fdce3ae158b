"""Tables: BED, the track sheet, EPCrisprBenchmark enhancer–gene pairs. Coordinates 0-based half-open."""

from __future__ import annotations

import os

import pandas as pd

from seq2track.errors import InputFileError

# the track sheet's columns; workflow/schemas/tracks.schema.yaml must agree (tested)
TRACK_SHEET_COLUMNS = ["id", "source", "assay", "sum_stat", "scale", "description"]
OPTIONAL_SHEET_COLUMNS = {"sha256": "", "md5": "", "format": "", "clip": "", "clip_soft": "", "color": "0,0,0"}
EPCRISPR_COLUMNS = ["chrom", "chromStart", "chromEnd", "name", "chrTSS", "startTSS", "endTSS",
                    "measuredGeneSymbol", "Regulated"]
BED_COLUMNS = ["chrom", "start", "end", "name", "score", "strand"]


def compression(path: str | os.PathLike) -> str | None:
    """"gzip" when the file starts with the gzip magic bytes (whatever its name), else None."""
    with open(path, "rb") as fh:
        return "gzip" if fh.read(2) == b"\x1f\x8b" else None


def read_bed(path: str | os.PathLike, min_columns: int = 3, extra: list[str] = ()) -> pd.DataFrame:
    """Read a BED file (optionally gzipped) into columns chrom, start, end[, name, score, strand][, *extra]."""
    try:
        df = pd.read_csv(path, sep="\t", header=None, comment="#", dtype={0: str}, compression=compression(path))
    except pd.errors.EmptyDataError:
        return pd.DataFrame(columns=BED_COLUMNS[:min_columns])
    if df.shape[1] < min_columns:
        raise InputFileError(str(path), f"has {df.shape[1]} columns, needs at least {min_columns}",
                             "write tab-separated BED")
    df = df.iloc[:, :6 + len(extra)]
    df.columns = (BED_COLUMNS + list(extra))[:df.shape[1]]
    bad = df.index[df["end"] < df["start"]]
    if len(bad):
        raise InputFileError(str(path), f"line {bad[0] + 1}: end < start", "fix the interval")
    return df


def read_tss(path: str | os.PathLike) -> pd.DataFrame:
    """A TSS BED (name = gene symbol) with column ``gene_id``: the 7th column of a TSS file made from a GTF
    (Ensembl gene id), empty for a plain BED6."""
    df = read_bed(path, min_columns=4, extra=["gene_id"])
    return df.assign(gene_id=df["gene_id"].fillna("").astype(str)) if "gene_id" in df else df.assign(gene_id="")


def read_track_sheet_text(path: str | os.PathLike) -> pd.DataFrame:
    """The track sheet as strings, optional columns filled with their defaults (no checks)."""
    try:
        sheet = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as exc:
        raise InputFileError(str(path), "is empty", f"write a tab-separated sheet with columns "
                             f"{TRACK_SHEET_COLUMNS}") from exc
    for col, default in OPTIONAL_SHEET_COLUMNS.items():
        if col not in sheet.columns:
            sheet[col] = default
    return sheet


def read_track_sheet(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check the track sheet (one row per track; see config/tracks.tsv)."""
    sheet = read_track_sheet_text(path)
    missing = [c for c in TRACK_SHEET_COLUMNS if c not in sheet.columns]
    if missing:
        hint = " (a Basenji targets.txt? rename identifier -> id and file -> source)" if "identifier" in sheet else ""
        raise InputFileError(str(path), f"missing columns {missing}{hint}",
                             f"the sheet needs tab-separated columns {TRACK_SHEET_COLUMNS}")
    if sheet.empty:
        raise InputFileError(str(path), "has no tracks", "add one row per track")
    if sheet["id"].duplicated().any():
        dup = sheet.loc[sheet["id"].duplicated(), "id"].tolist()
        raise InputFileError(str(path), f"duplicate track ids {dup}", "give each track a unique id")
    bad = sheet.loc[~sheet["sum_stat"].isin(["sum", "mean"]), "id"].tolist()
    if bad:
        raise InputFileError(str(path), f"sum_stat must be 'sum' or 'mean' (tracks {bad})", "fix column sum_stat")
    for col in ["scale", "clip", "clip_soft"]:
        sheet[col] = pd.to_numeric(sheet[col].replace("", None), errors="raise").astype(float)
    return sheet


def read_enhancer_pairs(path: str | os.PathLike) -> pd.DataFrame:
    """Read enhancer–gene pairs in EPCrisprBenchmark columns (TSV, optionally gzipped).

    Returns the table with ``Regulated`` as bool; checks the required columns and intervals.
    """
    df = pd.read_csv(path, sep="\t", dtype={"chrom": str, "chrTSS": str}, compression=compression(path))
    missing = [c for c in EPCRISPR_COLUMNS if c not in df.columns]
    if missing:
        raise InputFileError(str(path), f"missing EPCrisprBenchmark columns {missing}",
                             "give a TSV with the EPCrisprBenchmark header")
    bad = df.index[df["chromEnd"] < df["chromStart"]]
    if len(bad):
        raise InputFileError(str(path), f"line {bad[0] + 2}: chromEnd < chromStart", "fix the interval")
    reg = df["Regulated"].astype(str).str.upper()
    if not reg.isin(["TRUE", "FALSE"]).all():
        raise InputFileError(str(path), "column Regulated must be TRUE or FALSE", "fix column Regulated")
    df["Regulated"] = reg == "TRUE"
    if "distanceToTSS" not in df.columns:  # older tables lack it: element centre to TSS, as the benchmark defines it
        df["distanceToTSS"] = ((df["chromStart"] + df["chromEnd"]) // 2 - df["startTSS"]).abs()
    return df
