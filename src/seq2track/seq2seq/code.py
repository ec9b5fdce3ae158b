"""The standard genetic code (NCBI translation table 1) and human codon usage, to make training data.

Codon usage: frequency per thousand codons in Homo sapiens CDS (Kazusa codon usage database, from GenBank;
Nakamura, Gojobori & Ikemura 2000, Nucleic Acids Res 28:292). The model never sees these tables.
"""

from __future__ import annotations

BASES = "TCAG"
# NCBI table 1 in TCAG order (first base slowest): '*' is a stop
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
GENETIC_CODE = {a + b + c: _AMINO[16 * i + 4 * j + k] for i, a in enumerate(BASES) for j, b in enumerate(BASES)
                for k, c in enumerate(BASES)}

_USAGE = """
TTT 17.6 TCT 15.2 TAT 12.2 TGT 10.6 TTC 20.3 TCC 17.7 TAC 15.3 TGC 12.6
TTA 7.7 TCA 12.2 TAA 1.0 TGA 1.6 TTG 12.9 TCG 4.4 TAG 0.8 TGG 13.2
CTT 13.2 CCT 17.5 CAT 10.9 CGT 4.5 CTC 19.6 CCC 19.8 CAC 15.1 CGC 10.4
CTA 7.2 CCA 16.9 CAA 12.3 CGA 6.2 CTG 39.6 CCG 6.9 CAG 34.2 CGG 11.4
ATT 16.0 ACT 13.1 AAT 17.0 AGT 12.1 ATC 20.8 ACC 18.9 AAC 19.1 AGC 19.5
ATA 7.5 ACA 15.1 AAA 24.4 AGA 12.2 ATG 22.0 ACG 6.1 AAG 31.9 AGG 12.0
GTT 11.0 GCT 18.4 GAT 21.8 GGT 10.8 GTC 14.5 GCC 27.7 GAC 25.1 GGC 22.2
GTA 7.1 GCA 15.8 GAA 29.0 GGA 16.5 GTG 28.1 GCG 7.4 GAG 39.6 GGG 16.5
"""
_fields = _USAGE.split()
CODON_USAGE = {_fields[i]: float(_fields[i + 1]) for i in range(0, len(_fields), 2)}
STOP_CODONS = tuple(c for c, a in GENETIC_CODE.items() if a == "*")
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
# codons per amino acid: 1 (M, W), 2, 3 (I), 4, 6 (L, S, R)
DEGENERACY = {a: sum(1 for v in GENETIC_CODE.values() if v == a) for a in AMINO_ACIDS}


def translate(cds: str) -> str:
    """Protein of a CDS (upper-case DNA, length a multiple of 3), up to and without the first stop codon."""
    protein = []
    for i in range(0, len(cds) - len(cds) % 3, 3):
        amino = GENETIC_CODE.get(cds[i:i + 3], "X")
        if amino == "*":
            break
        protein.append(amino)
    return "".join(protein)
