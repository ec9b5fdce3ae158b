"""The browser bundle built from a tiny store: every file opens by its client's rules (IGV desktop session,
igv.js session, UCSC hub), observed tracks are the training targets, the .2bit equals the FASTA."""

import gzip
import json

import numpy as np
import pandas as pd
import py2bit
import pyBigWig
import pytest

from bundle_checks import check_hub, check_igv_session
from conftest import build_dataset_over_store
from seq2track.browser import twobit
from seq2track.browser.bundle import BundleInputs, build_bundle
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.store import GenomeStore
from seq2track.data.windows import WindowSpec
from seq2track.io.bigwig import write_bigwig_bins
from seq2track.io.fasta import prepare_genome

SPEC = DataSpec(WindowSpec(4096, 4096, 128, 4), (TrackSpec("dnase", "sum", 2.0, 3.0, 9.0), TrackSpec("cage", "mean")))


@pytest.fixture
def inputs(tmp_path, tiny_genome, tiny_bigwig) -> BundleInputs:
    windows = pd.DataFrame({"chrom": "chrA", "start": [0, 4096], "end": [4096, 8192], "split": ["train", "valid"]})
    data = build_dataset_over_store(tmp_path / "ds", tiny_genome, [tiny_bigwig[0]] * 2, SPEC, windows)
    store = GenomeStore(data.parent / f"{data.name}-store")
    predicted = []
    for i, track in enumerate(("dnase", "cage")):  # a "prediction": the target smoothed, on chrB only
        path = tmp_path / "pred" / f"{track}.bw"
        target = store.targets("chrB", 0, 30_000 // 128 + 1)[:, i]
        write_bigwig_bins(path, store.sizes, [("chrB", 0, np.convolve(target, np.ones(5) / 5, "same") + 0.1)], 128)
        predicted.append(str(path))
    tss = tmp_path / "tss.bed"
    tss.write_text("chrB\t5000\t5001\tG1\t0.5\t+\nchrB\t20000\t20001\tG2\t1.5\t-\nchrA\t100\t101\tG0\t0\t+\n")
    pairs = tmp_path / "enhancers.tsv"
    pairs.write_text("chrom\tchromStart\tchromEnd\tname\tchrTSS\tstartTSS\tendTSS\tmeasuredGeneSymbol\tRegulated\n"
                     "chrB\t6000\t6300\tE1\tchrB\t5000\t5001\tG1\tTRUE\n"
                     "chrB\t15000\t15300\tE2\tchrB\t20000\t20001\tG2\tFALSE\n")
    return BundleInputs(run="t1", genome_name="tiny", fasta=str(tiny_genome), store=str(store.root),
                        track_ids=["dnase", "cage"], colors=["0,90,160", "160,0,60"],
                        descriptions=["DNase-like", "CAGE-like"], predicted=predicted,
                        sources=[str(tiny_bigwig[0])] * 2, tss=str(tss), enhancers=str(pairs),
                        chromosomes=["chrB"], interpretation={"attention_rollout": predicted[0]})


def test_twobit_round_trip_keeps_ns_and_soft_mask(tmp_path, monkeypatch):
    monkeypatch.setattr(twobit, "CHUNK_BP", 8)  # runs and bytes that cross chunk boundaries
    rng = np.random.default_rng(3)
    seqs = {"s1": "".join(rng.choice(list("ACGTacgtNn"), size=1001)), "s2": "ACGTN" * 3, "s3": "g"}
    src = tmp_path / "g.fa.gz"
    with gzip.open(src, "wt") as fh:
        fh.write("".join(f">{k}\n{v}\n" for k, v in seqs.items()))
    fa = tmp_path / "prep" / "genome.fa.gz"
    prepare_genome(src, fa)
    twobit.write_twobit(fa, tmp_path / "g.2bit")
    tb = py2bit.open(str(tmp_path / "g.2bit"), True)  # True: keep the soft mask
    assert tb.chroms() == {k: len(v) for k, v in seqs.items()}
    for name, seq in seqs.items():  # N runs read back as N; lower case as lower case
        assert tb.sequence(name) == seq.replace("n", "N"), name


def test_bundle_opens_by_each_clients_rules(tmp_path, inputs):
    out = tmp_path / "browser"
    locus = build_bundle(inputs, out)
    assert locus.startswith("chrB:")  # a TSS on the predicted chromosome
    xml = check_igv_session(out)
    assert xml.get("genome") == "genome.fa.gz" and xml.get("locus") == locus
    assert {t.get("name") for t in xml.iter("Track")} >= {"dnase predicted", "dnase observed", "TSS"}
    stanzas = check_hub(out, inputs.fasta and out / "genome.fa.gz")
    assert {s["track"] for s in stanzas} >= {"dnase", "dnase_predicted", "dnase_observed", "cage_source",
                                             "attention_rollout", "tss", "enhancers"}
    session = json.loads((out / "igv_session.json").read_text())
    ref = session["reference"]
    for key in ("fastaURL", "indexURL", "compressedIndexURL"):
        assert (out / ref[key]).is_file()
    assert all((out / t["url"]).is_file() for t in session["tracks"])
    groups = {t["name"]: t.get("autoscaleGroup") for t in session["tracks"]}
    assert groups["dnase predicted"] == groups["dnase observed"] == "dnase"

    store = GenomeStore(inputs.store)  # observed = the training targets, bin for bin, on the model's scale
    with pyBigWig.open(str(out / "observed.dnase.bw")) as obs, pyBigWig.open(str(out / "predicted.dnase.bw")) as pr:
        assert list(obs.chroms()) == ["chrB"]
        n = 30_000 // 128
        got = np.nan_to_num(np.array(obs.values("chrB", 0, n * 128, numpy=True)[::128]))
        np.testing.assert_allclose(got, store.targets("chrB", 0, n)[:, 0], rtol=1e-6)
        assert not np.allclose(got, np.array(pr.values("chrB", 0, n * 128, numpy=True)[::128]))


def test_standard_assembly_uses_the_browsers_genome(tmp_path, inputs):
    inputs.genome_id, inputs.with_sources = "hg38", False
    out = tmp_path / "browser"
    build_bundle(inputs, out)
    assert not list(out.glob("genome.*")) and not list(out.glob("source.*"))
    assert check_igv_session(out).get("genome") == "hg38"
    assert json.loads((out / "igv_session.json").read_text())["genome"] == "hg38"
    assert (out / "genomes.txt").read_text() == "genome hg38\ntrackDb trackDb.txt\n"
    check_hub(out, None)


def test_a_failed_build_leaves_nothing(tmp_path, inputs):
    (tmp_path / "enhancers.tsv").write_text("chrom\tstart\n")
    with pytest.raises(Exception, match="EPCrisprBenchmark"):
        build_bundle(inputs, tmp_path / "browser")
    assert not (tmp_path / "browser").exists() and not (tmp_path / ".browser.tmp").exists()


def test_track_ids_become_ucsc_safe_names():
    from seq2track.browser.layout import plan_tracks

    tracks = plan_tracks(["K562-DNase.rep1", "3prime"], ["1,2,3", "4,5,6"], ["a", "b"], 128, [], True)
    assert [t.key for t in tracks][:4] == ["K562_DNase_rep1_predicted", "K562_DNase_rep1_observed",
                                           "K562_DNase_rep1_source", "t_3prime_predicted"]
    assert tracks[0].file == "predicted.K562-DNase.rep1.bw" and tracks[0].group == "K562_DNase_rep1"
