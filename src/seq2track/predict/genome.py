"""Slide the model over chromosomes, average with the reverse complement, stitch cropped centres.

Output blocks tile each chromosome: block k covers [k * span, (k + 1) * span) with span = out_bins x bin,
predicted from the input window that starts crop_bp earlier (N-padded beyond the contig ends). Blocks
whose input is all N (assembly gaps) are skipped. The block list is cut into contiguous chunks, each
predicted by its own job into an ``.npy`` (``write_chunk``); ``gather_bigwigs`` streams the chunks into one
bigWig per track. Any chunking gives the same values as one job: a block's prediction depends on the
block alone. Sequence is read in a background thread while the device works on the previous batch.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seq2track.data.encoding import N_CODE
from seq2track.data.store import SequenceSource, sequence_source
from seq2track.data.windows import WindowSpec
from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import write_bigwigs_bins
from seq2track.io.npy import write_npy_stream
from seq2track.model.inference import predict_onehot
from seq2track.model.network import Seq2Track

Block = tuple[str, int]
TRACKS_PER_PASS = 64  # bigWig writers open at once in the gather (memory and file handles)


def output_blocks(sizes: dict[str, int], chroms: Iterable[str], spec: WindowSpec) -> list[Block]:
    """(chrom, start) of every output block of ``chroms``, in the order of ``sizes`` (the bigWig header)."""
    span, wanted = spec.n_out_bins * spec.bin_size_bp, set(chroms)
    return [(c, s) for c in sizes if c in wanted for s in range(0, sizes[c], span)]


def chunk_of(blocks: list[Block], n_chunks: int, index: int) -> list[Block]:
    """The ``index``-th of ``n_chunks`` contiguous, near-equal parts of ``blocks``."""
    n = len(blocks)
    return blocks[index * n // n_chunks:(index + 1) * n // n_chunks]


def _input_codes(source: SequenceSource, block: Block, spec: WindowSpec) -> np.ndarray:
    chrom, start = block
    return source.codes(chrom, start - spec.crop_bp, start - spec.crop_bp + spec.length_bp)


def _code_batches(source: SequenceSource, blocks: list[Block], spec: WindowSpec, batch_size: int):
    """(blocks, codes (B, L)) batches of the blocks whose input is not all N."""
    kept, codes = [], []
    for block in blocks:
        c = _input_codes(source, block, spec)
        if (c != N_CODE).any():
            kept.append(block)
            codes.append(c)
        if len(kept) == batch_size:
            yield kept, np.stack(codes)
            kept, codes = [], []
    if kept:
        yield kept, np.stack(codes)


def prefetched(items: Iterable, depth: int = 2) -> Iterator:
    """``items`` produced in a background thread, up to ``depth`` ahead; its errors are raised here."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for item in items:
                q.put(item)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            q.put(exc)
        q.put(done)

    threading.Thread(target=produce, daemon=True).start()
    while (item := q.get()) is not done:
        if isinstance(item, BaseException):
            raise item
        yield item


@torch.no_grad()
def predict_blocks(model: Seq2Track, source: SequenceSource, blocks: list[Block], spec: WindowSpec,
                   device: torch.device, batch_size: int = 4, rc_average: bool = True, precision: str = "fp32"
                   ) -> Iterator[tuple[str, int, np.ndarray]]:
    """Yield (chrom, start0, predictions (out_bins, T)) for the non-N ``blocks``, in order."""
    model.eval()
    source = sequence_source(source)
    bf16 = precision == "bf16"
    for kept, codes in prefetched(_code_batches(source, blocks, spec, batch_size)):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            pred = predict_onehot(model, torch.from_numpy(codes).to(device), rc_average)
        for (chrom, start), p in zip(kept, pred.float().cpu().numpy()):
            yield chrom, start, p


def predict_regions(model: Seq2Track, genome: SequenceSource, chroms: list[str], spec: WindowSpec,
                    device: torch.device, batch_size: int = 4, rc_average: bool = True):
    """Yield (chrom, start0, predictions (out_bins, T)) blocks, sorted, tiling each chromosome."""
    return predict_blocks(model, genome, output_blocks(genome.sizes, chroms, spec), spec, device, batch_size,
                          rc_average)


def predict_to_bigwigs(model: Seq2Track, genome: SequenceSource, chroms: list[str], spec: WindowSpec,
                       out_paths: list[str | os.PathLike], device: torch.device, batch_size: int = 4,
                       rc_average: bool = True) -> None:
    """One job: one bigWig per track (``out_paths`` in track order) over ``chroms``, streamed block by block."""
    for path in out_paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_bigwigs_bins(out_paths, dict(genome.sizes), predict_regions(model, genome, chroms, spec, device,
                                                                       batch_size, rc_average), spec.bin_size_bp)


def write_chunk(out_npy: str | os.PathLike, out_blocks: str | os.PathLike, model: Seq2Track,
                source: SequenceSource, blocks: list[Block], spec: WindowSpec, device: torch.device,
                batch_size: int = 4, rc_average: bool = True, precision: str = "fp32") -> int:
    """Predict ``blocks`` into ``out_npy`` (float32, (kept blocks, out_bins, T)), streamed, and list the kept
    blocks (chrom, start) in ``out_blocks``; returns the number kept."""
    source = sequence_source(source)
    kept = [b for b in blocks if (_input_codes(source, b, spec) != N_CODE).any()]
    with atomic_path(out_blocks) as tmp:
        pd.DataFrame(kept, columns=["chrom", "start"]).to_csv(tmp, sep="\t", index=False)
    shape = (len(kept), spec.n_out_bins, model.cfg.num_tracks)
    preds = (p[None] for _, _, p in predict_blocks(model, source, kept, spec, device, batch_size, rc_average,
                                                   precision))
    write_npy_stream(out_npy, np.float32, shape, preds)
    return len(kept)


def _chunk_blocks(chunks: list[tuple[str, str]], columns: slice):
    for npy, index in chunks:
        values = np.load(npy, mmap_mode="r")
        rows = pd.read_csv(index, sep="\t", dtype={"chrom": str})
        for i, r in enumerate(rows.itertuples()):
            yield r.chrom, int(r.start), np.asarray(values[i, :, columns])


def gather_bigwigs(chunks: list[tuple[str, str]], chrom_sizes: dict[str, int], out_paths: list[str | os.PathLike],
                   bin_size_bp: int, tracks_per_pass: int = TRACKS_PER_PASS) -> None:
    """One bigWig per track from chunk files ``(npy, blocks tsv)`` in genome order, streamed (memory: one
    block; up to ``tracks_per_pass`` bigWigs are written per pass over the chunks)."""
    for path in out_paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    for first in range(0, len(out_paths), tracks_per_pass):
        part = slice(first, min(len(out_paths), first + tracks_per_pass))
        write_bigwigs_bins(out_paths[part], chrom_sizes, _chunk_blocks(chunks, part), bin_size_bp)
