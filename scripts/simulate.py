"""Snakemake adapter: write the demo's synthetic source files."""

from dataclasses import replace
from pathlib import Path

from seq2track.runner import run_logged
from seq2track.simulate import SimulationParams, simulate_demo
from seq2track.simulate.elements import LayoutParams
from seq2track.simulate.signal import SignalParams

LAYOUT_KEYS = ("gene_spacing_bp", "enhancers_per_gene", "active_fraction", "enhancer_distance_bp", "edge_margin_bp")
SIGNAL_KEYS = ("contact_decay_bp", "max_distance_bp")


def main() -> None:
    sim = snakemake.params.simulate  # noqa: F821
    pick = lambda keys: {k: tuple(sim[k]) if isinstance(sim[k], list) else sim[k] for k in keys if k in sim}  # noqa: E731
    params = SimulationParams(seed=snakemake.params.seed, layout=replace(LayoutParams(), **pick(LAYOUT_KEYS)),  # noqa: F821
                              signal=replace(SignalParams(), **pick(SIGNAL_KEYS)))
    if "chromosome_lengths" in sim:
        params = replace(params, chromosome_lengths=dict(sim["chromosome_lengths"]))
    simulate_demo(params, Path(snakemake.output.summary).parent)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
