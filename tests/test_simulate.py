"""The demo simulator: composition, grammar, ground truth, determinism."""

import gzip
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from seq2track.io.tables import EPCRISPR_COLUMNS, read_enhancer_pairs
from seq2track.simulate import SimulationParams, params_from_config, simulate_demo
from seq2track.simulate.elements import LayoutParams
from seq2track.simulate.genome import background, cpg_observed_expected, gc_fraction
from seq2track.simulate.motifs import load_motifs
from seq2track.simulate.signal import SignalParams, contact, enhancer_gene_pairs

SMALL = SimulationParams(chromosome_lengths={"chr1": 300_000, "chr2": 150_000}, seed=3,
                         layout=LayoutParams(gene_spacing_bp=(25_000, 40_000), enhancers_per_gene=4,
                                             enhancer_distance_bp=(1_500, 6_000), edge_margin_bp=10_000),
                         signal=SignalParams(contact_decay_bp=4_000, max_distance_bp=7_000, pair_distance_bp=20_000))


def test_background_composition():
    seq = background(400_000, np.random.default_rng(0))
    assert 0.39 < gc_fraction(seq) < 0.43
    assert 0.2 < cpg_observed_expected(seq) < 0.4      # CpG depleted, as in mammalian genomes


def test_motifs_are_real_jaspar_matrices():
    motifs = load_motifs()
    assert {m.matrix_id for m in motifs.values()} == {"MA0035.4", "MA0091.1", "MA0099.3", "MA0079.5", "MA0108.2",
                                                                 "MA0139.1"}
    gata = motifs["GATA1"]
    assert gata.probs.shape == (11, 4) and np.allclose(gata.probs.sum(axis=1), 1)
    site = gata.sample(np.random.default_rng(0))
    assert "GAT" in site or "ATC" in site  # GATA core (either orientation)


def test_contact_decays_and_stops():
    p = SignalParams()
    c = contact(np.array([0, 10_000, 40_000, 120_000]), p)
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
    assert not pairs.loc[~pairs["element_active"], "Regulated"].any()   # decoys and CTCF never regulate
    assert pairs["distanceToTSS"].max() <= 20_000 and pairs["distanceToTSS"].max() > 7_000  # every element in range
    effect = -pairs["EffectSize"]
    assert ((effect >= SMALL.signal.regulated_min_effect) == pairs["Regulated"]).all()   # the CRISPRi call
    assert set(pairs["element_class"]) == {"enhancer", "decoy", "ctcf"}
    assert set(pairs["promoter_class"]) == {"tata", "housekeeping"}
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
    kind = elements["kind"].to_numpy()
    assert peak[kind == "enhancer"].min() > peak[kind == "decoy"].max()
    assert peak[kind == "ctcf"].min() > peak[kind == "decoy"].max()   # boundaries are accessible, not active


def test_boundaries_and_promoter_classes_shape_the_truth():
    """Issue 17: removal effect through a CTCF boundary is cut by ``insulation`` per boundary, and a
    housekeeping promoter responds ``housekeeping_responsiveness`` times as much as a TATA promoter."""
    genes = pd.DataFrame({"chrom": "c", "tss": [50_000, 150_000], "strand": "+", "gene": ["T", "H"],
                          "basal": 1.0, "promoter_class": ["tata", "housekeeping"]})
    starts = np.array([40_000, 60_000, 54_850, 140_000])
    elements = pd.DataFrame({"chrom": "c", "start": starts, "end": starts + 300, "name": ["left", "right", "ctcf", "h"],
                             "active": [True, True, False, True], "activity": [2.0, 2.0, 0.0, 2.0], "host_gene": "",
                             "kind": ["enhancer", "enhancer", "ctcf", "enhancer"]})
    p = SignalParams(insulation=0.25, housekeeping_responsiveness=0.05, pair_distance_bp=15_000, max_distance_bp=20_000)
    pairs = enhancer_gene_pairs(genes, elements, p).set_index(["measuredGeneSymbol", "name"])
    near, far = (float(v) for v in contact(np.array([9_850, 10_150]), p))
    inputs = {"left": 2 * near, "right": 2 * far * 0.25}   # "right" lies behind the boundary at 55 kb
    for name, x in inputs.items():
        assert pairs.loc[("T", name), "EffectSize"] == pytest.approx(-x / (1 + sum(inputs.values())))
    assert pairs.loc[("T", "right"), "crosses_boundary"] and not pairs.loc[("T", "left"), "crosses_boundary"]
    assert pairs.loc[("T", "ctcf"), "EffectSize"] == 0 and pairs.loc[("T", "ctcf"), "Regulated"] == "FALSE"
    assert pairs.loc[("H", "h"), "EffectSize"] == pytest.approx(-0.05 * 2 * near / (1 + 0.05 * 2 * near))


def test_same_seed_same_sources(tmp_path):
    a = simulate_demo(replace(SMALL, chromosome_lengths={"chr1": 150_000}), tmp_path / "a")
    b = simulate_demo(replace(SMALL, chromosome_lengths={"chr1": 150_000}), tmp_path / "b")
    assert a == b
    assert (tmp_path / "a" / "enhancers.tsv").read_bytes() == (tmp_path / "b" / "enhancers.tsv").read_bytes()


def test_signal_changes_keep_every_chromosome_layout_and_erna_marks_active_enhancers(tmp_path):
    """The layout has its own random stream: eRNAs change the CAGE-like rates (and so how much randomness the
    Poisson draws consume), yet chr2's sequence and elements stay as they were."""
    a = simulate_demo(SMALL, tmp_path / "a")
    erna = replace(SMALL, signal=replace(SMALL.signal, enhancer_rna=0.2))
    b = simulate_demo(erna, tmp_path / "b")
    assert a["n_elements"] == b["n_elements"] and a["n_regulated"] == b["n_regulated"]
    assert gzip.open(tmp_path / "a" / "genome.fa.gz").read() == gzip.open(tmp_path / "b" / "genome.fa.gz").read()
    for name in ("elements.tsv", "tss.bed", "enhancers.tsv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    elements = pd.read_csv(tmp_path / "a" / "elements.tsv", sep="\t")
    with pyBigWig.open(str(tmp_path / "a" / "expected" / "cage.bw")) as off, \
            pyBigWig.open(str(tmp_path / "b" / "expected" / "cage.bw")) as on:
        for e in elements.itertuples():
            centre = (e.start + e.end) // 2
            added = on.values(e.chrom, centre + 80, centre + 81)[0] - off.values(e.chrom, centre + 80, centre + 81)[0]
            expected = 0.5 * 0.2 * 1.5 * e.activity if e.kind == "enhancer" else 0.0   # peak of one eRNA
            assert added == pytest.approx(expected, abs=2e-3), e.name


def test_a_zero_length_drops_a_chromosome_the_default_config_merges_in():
    """Snakemake merges a --configfile's ``chromosome_lengths`` key by key into the default's (chr1-chr4)."""
    merged = {"chr1": 300_000, "chr2": 150_000, "chr3": 0, "chr4": 200_000}
    params = params_from_config({"chromosome_lengths": merged}, seed=2)
    assert params.chromosome_lengths == {"chr1": 300_000, "chr2": 150_000, "chr4": 200_000} and params.seed == 2
