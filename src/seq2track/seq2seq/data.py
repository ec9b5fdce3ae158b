"""Coding sequences and their proteins: a seeded generator, a FASTA reader, token vocabularies, batches."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass

import numpy as np
import torch

from seq2track.errors import InputFileError
from seq2track.seq2seq.code import AMINO_ACIDS, CODON_USAGE, GENETIC_CODE, STOP_CODONS, translate

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")


@dataclass(frozen=True)
class Vocab:
    symbols: str

    @property
    def size(self) -> int:
        return len(SPECIALS) + len(self.symbols)

    def encode(self, text: str) -> list[int]:
        index = {s: i + len(SPECIALS) for i, s in enumerate(self.symbols)}
        return [index.get(ch, UNK) for ch in text]

    def decode(self, ids) -> str:
        """Symbols up to the first end token; specials other than <unk> dropped."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            out.append(self.symbols[i - len(SPECIALS)] if i >= len(SPECIALS) else "?" if i == UNK else "")
        return "".join(out)


DNA = Vocab("ACGT")
PROTEIN = Vocab(AMINO_ACIDS)


def random_cds(rng: np.random.Generator, n_codons: int) -> str:
    """ATG, ``n_codons - 2`` sense codons drawn by human codon usage, a stop codon (also by usage)."""
    sense = [c for c in CODON_USAGE if GENETIC_CODE[c] != "*"]
    p = np.array([CODON_USAGE[c] for c in sense])
    stops = np.array([CODON_USAGE[c] for c in STOP_CODONS])
    body = rng.choice(len(sense), size=n_codons - 2, p=p / p.sum())
    stop = STOP_CODONS[rng.choice(len(STOP_CODONS), p=stops / stops.sum())]
    return "ATG" + "".join(sense[i] for i in body) + stop


def make_pairs(n: int, codons: tuple[int, int], seed: int) -> list[tuple[str, str]]:
    """``n`` (cds, protein) pairs with lengths uniform in [codons[0], codons[1]] codons (incl. start and stop)."""
    rng = np.random.default_rng(seed)
    cds = [random_cds(rng, int(k)) for k in rng.integers(codons[0], codons[1] + 1, size=n)]
    return [(c, translate(c)) for c in cds]


def read_cds_fasta(path: str | os.PathLike, max_codons: int) -> list[tuple[str, str]]:
    """(cds, protein) pairs from a FASTA of coding sequences (plain or gzip): records that are a whole number
    of codons of ACGT, start with ATG, end with a stop and have no internal stop; others are skipped."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt") as fh:
            records, current = [], []
            for line in fh:
                if line.startswith(">"):
                    records.append("".join(current))
                    current = []
                else:
                    current.append(line.strip().upper())
            records.append("".join(current))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(str(path), f"cannot be read as FASTA ({exc})", "give a FASTA of CDS") from exc
    pairs = []
    for cds in records:
        ok = (cds and len(cds) % 3 == 0 and set(cds) <= set("ACGT") and cds.startswith("ATG")
              and cds[-3:] in STOP_CODONS and len(cds) // 3 <= max_codons)
        if ok and len(translate(cds)) == len(cds) // 3 - 1:
            pairs.append((cds, translate(cds)))
    if not pairs:
        raise InputFileError(str(path), "has no complete CDS (ATG ... stop, ACGT only)", "give a FASTA of CDS")
    return pairs


def batch(pairs: list[tuple[str, str]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(src, tgt_in, tgt_out) padded with PAD: src = nucleotides; tgt_in = <s> protein; tgt_out = protein </s>."""
    src = [DNA.encode(c) for c, _ in pairs]
    tgt = [PROTEIN.encode(p) for _, p in pairs]
    s = torch.full((len(pairs), max(map(len, src))), PAD, dtype=torch.long)
    t_in = torch.full((len(pairs), max(map(len, tgt)) + 1), PAD, dtype=torch.long)
    t_out = t_in.clone()
    for i, (a, b) in enumerate(zip(src, tgt)):
        s[i, :len(a)] = torch.tensor(a)
        t_in[i, :len(b) + 1] = torch.tensor([BOS, *b])
        t_out[i, :len(b) + 1] = torch.tensor([*b, EOS])
    return s, t_in, t_out

