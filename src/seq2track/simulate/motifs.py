"""JASPAR position frequency matrices (shipped in motifs.jaspar) and site sampling."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import numpy as np

_ROW = re.compile(r"^([ACGT])\s*\[\s*([\d\s.]+)\]")


@dataclass(frozen=True)
class Motif:
    """A motif as base probabilities (length, 4) in ACGT order."""

    matrix_id: str
    name: str
    probs: np.ndarray

    def sample(self, rng: np.random.Generator, reverse: bool = False, sharpness: float = 2.0) -> str:
        """Draw one site from the PWM; ``reverse`` returns the reverse-complement strand.

        Probabilities are raised to ``sharpness`` and renormalised (1 = the PWM as is), so planted
        sites are mostly strong matches, as bound sites in enhancers tend to be.
        """
        probs = self.probs ** sharpness
        cum = (probs / probs.sum(axis=1, keepdims=True)).cumsum(axis=1)
        idx = (rng.random((len(self.probs), 1)) > cum).sum(axis=1)
        site = "".join("ACGT"[i] for i in np.minimum(idx, 3))
        return site[::-1].translate(str.maketrans("ACGT", "TGCA")) if reverse else site


def load_motifs(text: str | None = None) -> dict[str, Motif]:
    """Parse JASPAR-format counts into {TF name: Motif}; defaults to the shipped file."""
    if text is None:
        text = resources.files("seq2track.simulate").joinpath("motifs.jaspar").read_text()
    motifs: dict[str, Motif] = {}
    header, rows = None, {}
    for line in text.splitlines() + [">"]:
        if line.startswith(">"):
            if header is not None:
                counts = np.array([rows[b] for b in "ACGT"], dtype=float).T + 0.5  # pseudocount
                motifs[header[1]] = Motif(header[0], header[1], counts / counts.sum(axis=1, keepdims=True))
            parts = line[1:].split()
            header, rows = (parts[0], parts[1]) if len(parts) >= 2 else None, {}
        elif m := _ROW.match(line.strip()):
            rows[m.group(1)] = [float(v) for v in m.group(2).split()]
    return motifs
