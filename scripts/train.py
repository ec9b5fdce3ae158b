"""Snakemake adapter: train the model on the dataset; write checkpoints, history, model.yaml, provenance."""

from seq2track.runner import run_logged
from seq2track.train.rule import run_train_rule


def main() -> None:
    res = snakemake.resources  # noqa: F821
    run_train_rule(snakemake.input.meta, snakemake.params, snakemake.threads,  # noqa: F821
                   tasks=int(res.get("tasks", 1) or 1), launcher=str(res.get("mpi", "") or ""),
                   outputs=snakemake.output, run_only=snakemake.config["train"])  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
