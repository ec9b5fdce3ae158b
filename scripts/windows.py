"""Snakemake adapter: tile windows, drop blacklisted/N-rich ones, split by chromosome."""

import logging

from seq2track.data.spec import window_from_dict
from seq2track.data.windows import make_windows, split_report
from seq2track.io.atomic import atomic_path
from seq2track.io.fasta import Genome
from seq2track.io.tables import read_bed
from seq2track.runner import run_logged


def main() -> None:
    w, out = snakemake.params.windows, snakemake.output  # noqa: F821
    spec = window_from_dict(w)
    windows = make_windows(Genome(snakemake.input.fasta), read_bed(snakemake.input.blacklist), spec,  # noqa: F821
                           w["max_n_fraction"], w["valid_chromosomes"], w["test_chromosomes"])
    with atomic_path(out.all) as tmp:
        windows.to_csv(tmp, sep="\t", header=False, index=False)
    for split, path in zip(["train", "valid", "test"], out.splits):
        with atomic_path(path) as tmp:
            windows[windows["split"] == split].iloc[:, :3].to_csv(tmp, sep="\t", header=False, index=False)
    report = split_report(windows)
    logging.info("windows per split:\n%s", report.to_string(index=False))
    with atomic_path(out.report) as tmp:
        report.to_csv(tmp, sep="\t", index=False)


run_logged(main, snakemake.log[0])  # noqa: F821
