"""The demo simulator: composition, grammar, ground truth, determinism."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from seq2track.io.tables import EPCRISPR_COLUMNS, read_enhancer_pairs
from seq2track.simulate import SimulationParams, simulate_demo
from seq2track.simulate.elements import LayoutParams
from seq2track.simulate.genome import background, cpg_observed_expected, gc_fraction
from seq2track.simulate.motifs import load_motifs
from seq2track.simulate.signal import SignalParams, contact

SMALL = SimulationParams(chromosome_lengths={"chr1": 300_000, "chr2": 150_000}, seed=3,
                         layout=LayoutParams(gene_spacing_bp=(25_000, 40_000), enhancers_per_gene=4,
                                             enhancer_distance_bp=(1_500, 6_000), edge_margin_bp=10_000),
                         signal=SignalParams(contact_decay_bp=4_000, max_distance_bp=7_000))


def test_background_composition():
    seq = background(400_000, np.random.default_rng(0))
    assert 0.39 < gc_fraction(seq) < 0.43
    assert 0.2 < cpg_observed_expected(seq) < 0.4      # CpG depleted, as in mammalian genomes


def test_motifs_are_real_jaspar_matrices():
    motifs = load_motifs()
    assert {m.matrix_id for m in motifs.values()} == {"MA0035.4", "MA0091.1", "MA0099.3", "MA0079.5", "MA0108.2"}
    gata = motifs["GATA1"]
    assert gata.probs.shape == (11, 4) and np.allclose(gata.probs.sum(axis=1), 1)
    site = gata.sample(np.random.default_rng(0))
    assert "GAT" in site or "ATC" in site  # GATA core (either orientation)


def test_contact_decays_and_stops():
    p = SignalParams()
    c = contact(np.array([0, 10_000, 40_000, 60_000]), p)
    assert c[0] == 1 and c[1] > c[2] > 0 and c[3] == 0


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    return out, simulate_demo(SMALL, out)


def test_outputs_and_ground_truth(simulated):
    out, summary = simulated
    pairs = read_enhancer_pairs(out / "enhancers.tsv")
    assert set(EPCRISPR_COLUMNS) <= set(pairs.columns)
    assert pairs["Regulated"].any() and not pairs["Regulated"].all()
    assert not pairs.loc[~pairs["element_active"], "Regulated"].any()   # decoys never regulate
    assert (pairs["distanceToTSS"] <= 7_000).all()
    for track in ("dnase", "h3k27ac", "cage"):
        bw = pyBigWig.open(str(out / "tracks" / f"{track}.bw"))
        assert bw.chroms() == {"chr1": 300_000, "chr2": 150_000}
        bw.close()
    assert json.loads((out / "simulation.json").read_text())["n_genes"] == summary["n_genes"] > 0


def test_active_enhancers_are_accessible_decoys_are_not(simulated):
    out, _ = simulated
    elements = pd.read_csv(out / "elements.tsv", sep="\t")
    blacklist = pd.read_csv(out / "blacklist.bed", sep="\t", header=None, names=["chrom", "start", "end"])
    for b in blacklist.itertuples():  # artefact regions raise every track; leave them out
        elements = elements[~((elements.chrom == b.chrom) & (elements.start < b.end) & (elements.end > b.start))]
    bw = pyBigWig.open(str(out / "expected" / "dnase.bw"))
    peak = np.array([np.nanmax(bw.values(e.chrom, e.start, e.end, numpy=True)) for e in elements.itertuples()])
    bw.close()
    assert peak[elements["active"]].min() > peak[~elements["active"]].max()


def test_same_seed_same_sources(tmp_path):
    a = simulate_demo(replace(SMALL, chromosome_lengths={"chr1": 150_000}), tmp_path / "a")
    b = simulate_demo(replace(SMALL, chromosome_lengths={"chr1": 150_000}), tmp_path / "b")
    assert a == b
    assert (tmp_path / "a" / "enhancers.tsv").read_bytes() == (tmp_path / "b" / "enhancers.tsv").read_bytes()
