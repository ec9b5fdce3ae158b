"""FASTA in (plain, gzip or bgzip), bgzip + .fai + .gzi out, with validation; sequence fetch."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pysam

from seq2track.errors import InputFileError
from seq2track.io.atomic import atomic_path

# IUPAC nucleotide codes; anything else (digits, '*', '-') is an error.
_VALID = re.compile(r"^[ACGTNRYKMSWBDHVacgtnrykmswbdhv]*$")
_LINE_WIDTH = 60


def _validated_records(src: str | os.PathLike, keep: list[str] | None, all_sizes: dict[str, int],
                       rename: Callable[[str], str]):
    """Yield (genome name, sequence) of kept records from ``src``, checking names and characters.

    Every record's (renamed) length goes into ``all_sizes``, kept or not.
    """
    try:
        with pysam.FastxFile(str(src)) as fh:
            for rec in fh:
                name = rename(rec.name)
                if name in all_sizes:
                    raise InputFileError(str(src), f"duplicate sequence name '{name}'",
                                         "give each record a unique name")
                seq = rec.sequence or ""
                all_sizes[name] = len(seq)
                if keep is not None and name not in keep:
                    continue
                if not seq:
                    raise InputFileError(str(src), f"record '{rec.name}' is empty", "remove the empty record")
                if not _VALID.match(seq):
                    bad = sorted(set(re.sub(r"[ACGTNRYKMSWBDHVacgtnrykmswbdhv]", "", seq)))[:5]
                    raise InputFileError(str(src), f"record '{rec.name}' has invalid characters {bad}",
                                         "use IUPAC nucleotide letters only")
                yield name, seq
    except OSError as exc:
        raise InputFileError(str(src), f"cannot be read as FASTA ({exc})",
                             "check the file and its compression") from exc
    if keep is not None:
        missing = [c for c in keep if c not in all_sizes]
        if missing:
            raise InputFileError(str(src), f"chromosomes {missing} requested in genome.chromosomes are absent "
                                 f"(the FASTA has {list(all_sizes)[:6]}...)",
                                 "fix genome.chromosomes or set genome.chrom_aliases (e.g. ensembl_to_ucsc)")


def prepare_genome(src: str | os.PathLike, out_fa_gz: str | os.PathLike, keep: list[str] | None = None,
                   rename: Callable[[str], str] = str, all_sizes: dict[str, int] | None = None) -> dict[str, int]:
    """Write ``src`` as a bgzipped, faidx-indexed FASTA at ``out_fa_gz`` (+ .fai, .gzi).

    Record names pass through ``rename`` (e.g. a ``ChromNames`` alias mapping); only the chromosomes
    in ``keep`` (genome names) are kept, in their FASTA order; ``None`` keeps all. Returns the kept
    {chrom: length}; ``all_sizes``, when given, receives the lengths of every record in the source.
    """
    out = Path(out_fa_gz)
    out.parent.mkdir(parents=True, exist_ok=True)
    sizes: dict[str, int] = {}
    all_sizes = {} if all_sizes is None else all_sizes
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".prepare_genome.") as tmpdir:
        plain = Path(tmpdir) / "genome.fa"
        with open(plain, "w") as fh:
            for name, seq in _validated_records(src, keep, all_sizes, rename):
                sizes[name] = len(seq)
                fh.write(f">{name}\n")
                for i in range(0, len(seq), _LINE_WIDTH):
                    fh.write(seq[i:i + _LINE_WIDTH] + "\n")
        if not sizes:
            raise InputFileError(str(src), "no sequences found", "check the FASTA source")
        with atomic_path(out, suffix=".fa.gz") as tmp_gz:
            pysam.tabix_compress(str(plain), str(tmp_gz), force=True)
            pysam.faidx(str(tmp_gz))  # writes tmp.fai and tmp.gzi next to it
            os.replace(f"{tmp_gz}.gzi", f"{out}.gzi")
            os.replace(f"{tmp_gz}.fai", f"{out}.fai")
    return sizes


def read_chrom_sizes(fai: str | os.PathLike) -> dict[str, int]:
    """Read {chrom: length} from a chrom.sizes file or a .fai index (the first two columns)."""
    sizes: dict[str, int] = {}
    with open(fai) as fh:
        for line in fh:
            name, length = line.split("\t")[:2]
            sizes[name] = int(length)
    return sizes


def write_chrom_sizes(sizes: dict[str, int], path: str | os.PathLike) -> None:
    """Write a UCSC chrom.sizes file (name<TAB>length)."""
    with atomic_path(path) as tmp:
        tmp.write_text("".join(f"{c}\t{n}\n" for c, n in sizes.items()))


class Genome:
    """Random access to an indexed FASTA; coordinates are 0-based half-open."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = str(path)
        self._fa = pysam.FastaFile(self.path)
        self.sizes = dict(zip(self._fa.references, self._fa.lengths))

    def fetch(self, chrom: str, start0: int, end: int) -> str:
        """Uppercase sequence of [start0, end); positions outside the contig are 'N'."""
        size = self.sizes[chrom]
        left, right = max(0, -start0), max(0, end - size)
        seq = self._fa.fetch(chrom, max(0, start0), min(end, size)).upper()
        return "N" * left + seq + "N" * right

    def close(self) -> None:
        self._fa.close()
