"""Snakemake adapter: write the demo's synthetic source files."""

from pathlib import Path

from seq2track.runner import run_logged
from seq2track.simulate import params_from_config, simulate_demo


def main() -> None:
    params = params_from_config(snakemake.params.simulate, snakemake.params.seed)  # noqa: F821
    simulate_demo(params, Path(snakemake.output.summary).parent)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
