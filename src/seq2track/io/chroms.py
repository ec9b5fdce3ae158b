"""Chromosome naming: harmonise UCSC ("chr1") and Ensembl ("1") names, check files against a genome.

``genome.chrom_aliases`` in the config is either a preset name (``ensembl_to_ucsc`` or
``ucsc_to_ensembl``), a mapping {name in the file: name in the genome}, or null. Every source
(FASTA, tracks, annotations) goes through the same mapping, so one setting fixes a mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from seq2track.errors import InputFileError

# Contigs a track or annotation may carry although the reference lacks them (decoys, EBV, alt/random,
# unplaced scaffolds, mitochondria): their data are dropped. Any other unknown name is an error.
DEFAULT_EXTRA_CONTIGS = (r"^(chrEBV|chrM|MT|chrUn_.*|.*_(random|alt|fix|decoy)"
                         r"|(KI|GL|KN|KV|JH)\d+(\.\d+|v\d+)?|.*_hap\d+)$")
_ENSEMBL_NUMERIC = re.compile(r"^([0-9]+|X|Y)$")


class ChromNames:
    """Maps names found in a file to the genome's names, and checks them."""

    def __init__(self, aliases: str | Mapping[str, str] | None = None,
                 extra_contigs: str | None = DEFAULT_EXTRA_CONTIGS) -> None:
        if isinstance(aliases, str) and aliases not in ("ensembl_to_ucsc", "ucsc_to_ensembl"):
            raise InputFileError("config", f"genome.chrom_aliases: unknown preset '{aliases}'",
                                 "use ensembl_to_ucsc, ucsc_to_ensembl, a mapping or null")
        self.aliases = aliases
        self.extra = re.compile(extra_contigs) if extra_contigs else None

    @classmethod
    def from_config(cls, aliases, extra_contigs: str | None = None) -> ChromNames:
        """From ``genome.chrom_aliases`` / ``genome.extra_contigs`` (null: the default pattern, "": none)."""
        return cls(aliases, DEFAULT_EXTRA_CONTIGS if extra_contigs is None else extra_contigs)

    def __call__(self, name: str) -> str:
        """The genome's name for ``name`` as written in a file."""
        if isinstance(self.aliases, Mapping):
            return self.aliases.get(name, name)
        if self.aliases == "ensembl_to_ucsc":
            return "chrM" if name == "MT" else f"chr{name}" if _ENSEMBL_NUMERIC.match(name) else name
        if self.aliases == "ucsc_to_ensembl":
            if name == "chrM":
                return "MT"
            stripped = name.removeprefix("chr")
            return stripped if _ENSEMBL_NUMERIC.match(stripped) else name
        return name

    def is_extra(self, name: str) -> bool:
        """True for a contig that may be absent from the genome (its data are dropped)."""
        return bool(self.extra and self.extra.match(name))

    def check(self, names: Iterable[str], genome: Mapping[str, int], path: str) -> dict[str, str]:
        """{file name: genome name} for names the genome knows; raise listing the unknown ones.

        Unknown names that match the extra-contig pattern are left out of the result (dropped).
        """
        mapped, unknown = {}, []
        for name in names:
            target = self(name)
            if target in genome:
                mapped[name] = target
            elif not self.is_extra(target):
                unknown.append(name)
        if unknown:
            raise InputFileError(path, f"chromosomes {unknown[:8]} are not in the genome "
                                 f"(genome has {list(genome)[:5]}...)",
                                 "set genome.chrom_aliases (e.g. ensembl_to_ucsc) or use a file made for this assembly")
        if not mapped:
            raise InputFileError(path, "shares no chromosome with the genome",
                                 "set genome.chrom_aliases or use a file made for this assembly")
        return mapped
