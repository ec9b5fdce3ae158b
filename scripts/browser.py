"""Snakemake adapter: the browser bundle (IGV desktop, igv.js, UCSC hub) of a run."""

import logging
from pathlib import Path

from seq2track.browser.bundle import BundleInputs, build_bundle
from seq2track.data.store import GenomeStore
from seq2track.predict.model import resolve_chromosomes
from seq2track.runner import run_logged


def main() -> None:
    p, inp = snakemake.params, snakemake.input  # noqa: F821
    store = str(Path(inp.store).parent)
    cfg = p.browser
    bundle = BundleInputs(
        run=p.run, genome_name=p.genome, fasta=inp.fasta, store=store, track_ids=list(p.tracks),
        colors=list(p.colors), descriptions=list(p.descriptions), predicted=list(inp.predicted),
        sources=list(inp.sources), tss=inp.tss, enhancers=inp.enhancers,
        chromosomes=resolve_chromosomes(p.chromosomes, GenomeStore(store).sizes),
        interpretation={Path(f).stem: f for f in inp.interpret}, genome_id=cfg["genome_id"], locus=cfg["locus"],
        with_sources=cfg["source_tracks"], email=cfg["hub_email"] or "not given (set browser.hub_email)",
        public_url=cfg["public_url"])
    locus = build_bundle(bundle, snakemake.output[0])  # noqa: F821
    logging.getLogger("seq2track.browser").info("bundle %s: default locus %s", snakemake.output[0], locus)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
