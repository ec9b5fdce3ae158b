"""Snakemake adapter: TSS attention and gradient x input over test-split genes, scored against pairs."""

from seq2track.interpret.rule import run_interpret_rule
from seq2track.runner import run_logged


def main() -> None:
    p = snakemake.params  # noqa: F821
    run_interpret_rule(snakemake.input, p.interpret, p.chromosomes, p.seed, snakemake.threads,  # noqa: F821
                       snakemake.output)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
