"""Command line: the same steps the workflow runs, for use outside Snakemake.

    seq2track simulate OUT_DIR [--seed N]
    seq2track fetch SOURCE DEST [--sha256 HEX | --md5 HEX] [--gunzip] [--retries N] [--timeout S]
    seq2track prepare-genome FASTA OUT.fa.gz [--chromosomes chr1,chr2]
    seq2track translate OUT_DIR [--config config.yaml] [--steps N]   (train + score the DNA -> protein model)
    seq2track decode MODEL.pt SEQUENCE [SEQUENCE ...]               (greedy-decode coding DNA to protein)
    seq2track serve BROWSER_DIR [--port 8000]   (a run's browser/ folder for igv.js, with Range support)
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from seq2track.runner import run_logged


def _simulate(args: argparse.Namespace) -> None:
    from seq2track.simulate import SimulationParams, simulate_demo

    summary = simulate_demo(replace(SimulationParams(), seed=args.seed), args.out_dir)
    summary.pop("params")
    print(json.dumps(summary))


def _fetch(args: argparse.Namespace) -> None:
    from seq2track.io.download import RetryPolicy, fetch

    policy = RetryPolicy(retries=args.retries, timeout_s=args.timeout)
    fetch(args.source, args.dest, sha256=args.sha256, md5=args.md5, decompress_gzip=args.gunzip, policy=policy)


def _prepare_genome(args: argparse.Namespace) -> None:
    from seq2track.io.fasta import prepare_genome

    keep = args.chromosomes.split(",") if args.chromosomes else None
    sizes = prepare_genome(args.fasta, args.out, keep)
    print(json.dumps(sizes))


def _serve(args: argparse.Namespace) -> None:
    from seq2track.browser.serve import serve

    serve(args.directory, args.port)


def _translate(args: argparse.Namespace) -> None:
    import yaml

    from seq2track.seq2seq.train import run_translate, translate_config_from

    section = yaml.safe_load(open(args.config))["translate"] if args.config else {}
    if args.steps:
        section["steps"] = args.steps
    metrics = run_translate(translate_config_from(section), args.out_dir)
    print(json.dumps({k: metrics[k] for k in ("residue_accuracy", "exact_match", "codon_aligned_attention",
                                               "total_seconds")}))


def _decode(args: argparse.Namespace) -> None:
    from seq2track.seq2seq.data import PROTEIN, batch
    from seq2track.seq2seq.train import load_translator

    model = load_translator(args.model)
    seqs = [s.upper() for s in args.sequences]
    ids = model.greedy_decode(batch([(s, "") for s in seqs])[0], max_len=max(len(s) for s in seqs) // 3 + 2)
    for s, row in zip(seqs, ids):
        print(f"{s}\t{PROTEIN.decode(row)}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seq2track", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("simulate", help="write the demo's synthetic source files")
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=_simulate)
    p = sub.add_parser("fetch", help="copy or download a source, verified and atomic")
    p.add_argument("source")
    p.add_argument("dest")
    p.add_argument("--sha256")
    p.add_argument("--md5")
    p.add_argument("--gunzip", action="store_true")
    p.add_argument("--retries", type=int, default=4)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds without data before an attempt fails")
    p.set_defaults(func=_fetch)
    p = sub.add_parser("translate", help="train and score the DNA -> protein encoder-decoder")
    p.add_argument("out_dir")
    p.add_argument("--config", help="a YAML with a translate section (default: the built-in defaults)")
    p.add_argument("--steps", type=int)
    p.set_defaults(func=_translate)
    p = sub.add_parser("decode", help="translate coding DNA with a trained model (greedy)")
    p.add_argument("model")
    p.add_argument("sequences", nargs="+")
    p.set_defaults(func=_decode)
    p = sub.add_parser("serve", help="serve a browser bundle over HTTP with Range support (igv.js)")
    p.add_argument("directory")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=_serve)
    p = sub.add_parser("prepare-genome", help="bgzip + faidx a FASTA, keeping chosen chromosomes")
    p.add_argument("fasta")
    p.add_argument("out")
    p.add_argument("--chromosomes")
    p.set_defaults(func=_prepare_genome)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    run_logged(lambda: args.func(args))


if __name__ == "__main__":
    main()
