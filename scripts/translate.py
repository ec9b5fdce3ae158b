"""Snakemake adapter: train the DNA -> protein encoder-decoder and score it on held-out sequences."""

from pathlib import Path

from seq2track.runner import run_logged
from seq2track.seq2seq.train import run_translate, translate_config_from


def main() -> None:
    cfg = translate_config_from(snakemake.params.translate)  # noqa: F821
    metrics = run_translate(cfg, Path(snakemake.output.metrics).parent)  # noqa: F821
    print(f"residue accuracy {metrics['residue_accuracy']:.4f}, exact match {metrics['exact_match']:.3f}")


run_logged(main, snakemake.log[0])  # noqa: F821
