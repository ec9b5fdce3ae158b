"""Assemble a run's browser folder: data files, IGV desktop + igv.js sessions, a UCSC hub, a README.

The folder is built beside its destination and renamed into place, so a failed build leaves nothing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig

from seq2track.browser import hub, igv
from seq2track.browser.files import enhancer_bed9, link_or_copy, tss_bed9, write_bigbed, write_observed_binned
from seq2track.browser.layout import BrowserTrack, plan_tracks
from seq2track.browser.twobit import write_twobit
from seq2track.data.store import GenomeStore
from seq2track.io.fasta import write_chrom_sizes
from seq2track.io.tables import read_bed, read_enhancer_pairs

LOCUS_FLANK_BP = 20_000


@dataclass
class BundleInputs:
    """Everything a bundle is made from; paths as the workflow gives them."""

    run: str
    genome_name: str
    fasta: str                      # bgzipped, with .fai and .gzi beside it
    store: str                      # the genome store folder (observed targets on the training scale)
    track_ids: list[str]
    colors: list[str]
    descriptions: list[str]
    predicted: list[str]            # one bigWig per track, in track order
    sources: list[str]              # the prepared source bigWigs, in track order
    tss: str
    enhancers: str
    chromosomes: list[str]          # the predicted chromosomes
    interpretation: dict[str, str] = field(default_factory=dict)  # name -> bigWig
    genome_id: str | None = None    # a UCSC/IGV assembly id: browsers use their own genome
    locus: str | None = None
    with_sources: bool = True
    email: str = "not given (set browser.hub_email)"
    public_url: str | None = None


def default_locus(predicted: list[str], tss: pd.DataFrame, chromosomes: list[str]) -> str:
    """±20 kb around the TSS with the most predicted signal (all tracks) on the predicted chromosomes."""
    best, best_score = None, -np.inf
    handles = [pyBigWig.open(p) for p in predicted]
    try:
        sizes = handles[0].chroms()
        for chrom, pos in tss[tss.iloc[:, 0].isin(chromosomes)].iloc[:, [0, 1]].itertuples(index=False):
            lo, hi = max(0, pos - LOCUS_FLANK_BP), min(sizes.get(chrom, 0), pos + LOCUS_FLANK_BP)
            if hi <= lo:
                continue
            score = sum((bw.stats(chrom, lo, hi, type="sum", exact=True)[0] or 0.0) for bw in handles)
            if score > best_score:
                best, best_score = (chrom, lo, hi), score
        if best is None:  # no TSS on the predicted chromosomes: the start of the first one
            chrom = chromosomes[0]
            best = (chrom, 0, min(sizes[chrom], 2 * LOCUS_FLANK_BP))
    finally:
        for bw in handles:
            bw.close()
    return f"{best[0]}:{best[1] + 1}-{best[2]}"


def _readme(inp: BundleInputs) -> str:
    url = f"{inp.public_url.rstrip('/')}/hub.txt" if inp.public_url else "<where you host this folder>/hub.txt"
    return (f"seq2track browser bundle, run {inp.run}\n\n"
            "IGV desktop: File > Open Session... > igv_session.xml (paths are relative to this folder).\n"
            "igv.js: serve this folder over HTTP with Range support (seq2track serve THIS_FOLDER --port 8000,\n"
            "  or nginx/Apache) and open http://127.0.0.1:8000/index.html (it loads igv_session.json).\n"
            f"UCSC Genome Browser: host this folder on a public web server, then My Data > Track Hubs >\n"
            f"  My Hubs and paste {url}\n\n"
            "Predicted and observed tracks are on the same scale: the observed track is the training target\n"
            "(binned, summed or averaged, scaled and clipped as the track sheet says); source.*.bw are the\n"
            "downloaded bigWigs as they were.\n")


def _write_files(inp: BundleInputs, store: GenomeStore, tracks: list[BrowserTrack], out: Path) -> str:
    by_role = {role: [t for t in tracks if t.role == role] for role in ("predicted", "observed", "source")}
    for t, src in zip(by_role["predicted"], inp.predicted):
        link_or_copy(src, out / t.file)
    for t, src in zip(by_role["source"], inp.sources):
        link_or_copy(src, out / t.file)
    if [t.id for t in store.tracks] != inp.track_ids:
        raise ValueError(f"{inp.store}: store tracks {[t.id for t in store.tracks]} != sheet {inp.track_ids}")
    write_observed_binned(store, inp.chromosomes, [out / t.file for t in by_role["observed"]])
    for name, src in inp.interpretation.items():
        link_or_copy(src, out / f"interpretation.{name}.bw")
    sizes = dict(store.sizes)
    tss = read_bed(inp.tss, min_columns=6)
    write_bigbed(out / "tss.bb", sizes, tss_bed9(tss))
    write_bigbed(out / "enhancers.bb", sizes, enhancer_bed9(read_enhancer_pairs(inp.enhancers)))
    if not inp.genome_id:
        for suffix in ("", ".fai", ".gzi"):
            link_or_copy(inp.fasta + suffix, out / f"{igv.FASTA}{suffix}")
        write_twobit(inp.fasta, out / hub.TWOBIT)
        write_chrom_sizes(sizes, out / hub.CHROM_SIZES)
    return inp.locus or default_locus(inp.predicted, tss, inp.chromosomes)


def build_bundle(inp: BundleInputs, out_dir: str | os.PathLike) -> str:
    """Write the bundle to ``out_dir`` (replacing it); returns the default locus."""
    out_dir = Path(out_dir)
    tmp = out_dir.with_name(f".{out_dir.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        store = GenomeStore(inp.store)
        tracks = plan_tracks(inp.track_ids, inp.colors, inp.descriptions, store.bin_size_bp,
                             list(inp.interpretation), inp.with_sources)
        locus = _write_files(inp, store, tracks, tmp)
        (tmp / "igv_session.xml").write_text(igv.igv_desktop_session(tracks, locus, inp.genome_id))
        (tmp / "igv_session.json").write_text(igv.igv_js_json(tracks, locus, inp.genome_id, inp.genome_name))
        (tmp / "index.html").write_text(igv.index_html(inp.run))
        (tmp / "hub.txt").write_text(hub.hub_txt(inp.run, inp.email))
        (tmp / "genomes.txt").write_text(hub.genomes_txt(inp.genome_id, inp.genome_name, locus))
        (tmp / "trackDb.txt").write_text(hub.trackdb_txt(tracks))
        (tmp / "README.txt").write_text(_readme(inp))
        shutil.rmtree(out_dir, ignore_errors=True)
        os.replace(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return locus
