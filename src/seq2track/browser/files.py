"""Data files of the browser bundle: observed tracks on the model's scale, bigBed annotations, links."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pybigtools

from seq2track.data.store import GenomeStore
from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import write_bigwigs_bins

BLOCK_BINS = 8192  # bins per block when streaming a chromosome's targets out of the store (~1 Mb at 128 bp)
BED9_AUTOSQL = """table bed9
"Browser Extensible Data, 9 columns (item colours)"
    (
    string chrom;      "Reference sequence chromosome or scaffold"
    uint   chromStart; "Start position in chromosome"
    uint   chromEnd;   "End position in chromosome"
    string name;       "Name of item"
    uint   score;      "Score from 0-1000"
    char[1] strand;    "+ or - or ."
    uint thickStart;   "Start of where display should be thick"
    uint thickEnd;     "End of where display should be thick"
    uint reserved;     "Item colour as R,G,B"
    )
"""


def link_or_copy(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Hard-link ``src`` to ``dst`` (no extra space for genome-scale bigWigs), or copy across filesystems."""
    dst = Path(dst)
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def write_observed_binned(store: GenomeStore, chromosomes: list[str], paths: list[str | os.PathLike]) -> None:
    """One bigWig per store track over ``chromosomes``: the training targets themselves (binned, summed or
    averaged, scaled and clipped as the track sheet says), so they compare bin for bin with the predictions."""
    if len(paths) != len(store.tracks):
        raise ValueError(f"{len(paths)} paths for {len(store.tracks)} store tracks")
    sizes = {c: store.sizes[c] for c in chromosomes}
    bin_bp = store.bin_size_bp

    def blocks():
        for chrom in chromosomes:
            n_bins = -(-sizes[chrom] // bin_bp)
            for lo in range(0, n_bins, BLOCK_BINS):
                yield chrom, lo * bin_bp, store.targets(chrom, lo, min(n_bins, lo + BLOCK_BINS))

    write_bigwigs_bins(paths, sizes, blocks(), bin_bp)


def write_bigbed(path: str | os.PathLike, sizes: dict[str, int], bed: pd.DataFrame) -> None:
    """Write BED9 rows (chrom, start, end, name, score, strand, thickStart, thickEnd, itemRgb) as a bigBed,
    sorted in the order of ``sizes``; rows on chromosomes not in ``sizes`` are dropped."""
    order = {c: i for i, c in enumerate(sizes)}
    bed = bed[bed.iloc[:, 0].isin(order)].copy()
    bed["_order"] = bed.iloc[:, 0].map(order)
    bed = bed.sort_values(["_order", bed.columns[1], bed.columns[2]]).drop(columns="_order")
    rows = [(str(r[0]), int(r[1]), int(r[2]), "\t".join(str(v) for v in r[3:])) for r in bed.itertuples(index=False)]
    with atomic_path(path, suffix=".bb") as tmp:
        pybigtools.open(str(tmp), "w").write(dict(sizes), rows, autosql=BED9_AUTOSQL)


def tss_bed9(tss: pd.DataFrame) -> pd.DataFrame:
    """TSS BED6 (chrom, start, end, gene, score, strand) as BED9 rows in black."""
    return pd.DataFrame({"chrom": tss.iloc[:, 0], "start": tss.iloc[:, 1], "end": tss.iloc[:, 2],
                         "name": tss.iloc[:, 3], "score": 0, "strand": tss.iloc[:, 5],
                         "thickStart": tss.iloc[:, 1], "thickEnd": tss.iloc[:, 2], "rgb": "0,0,0"})


def enhancer_bed9(pairs: pd.DataFrame) -> pd.DataFrame:
    """One item per tested element-gene pair, named element>gene: regulated pairs red, others grey."""
    regulated = pairs["Regulated"].astype(bool).to_numpy()
    element = pairs["name"].astype(str) if "name" in pairs else pairs["chrom"] + ":" + pairs["chromStart"].astype(str)
    return pd.DataFrame({"chrom": pairs["chrom"], "start": pairs["chromStart"], "end": pairs["chromEnd"],
                         "name": element + ">" + pairs["measuredGeneSymbol"].astype(str),
                         "score": np.where(regulated, 1000, 300), "strand": ".",
                         "thickStart": pairs["chromStart"], "thickEnd": pairs["chromEnd"],
                         "rgb": np.where(regulated, "200,0,0", "150,150,150")})
