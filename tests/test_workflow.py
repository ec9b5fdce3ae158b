"""The workflow itself: lint, dry runs, config errors, and the whole DAG on a tiny config."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pysam
import pytest
import yaml

from bundle_checks import check_hub, check_igv_session
from conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]
pytestmark = pytest.mark.slow  # every test here starts Snakemake (10-90 s each)


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A copy of the workflow with the tiny config, so runs never touch the checkout."""
    for part in ("Snakefile", "workflow", "scripts", "config", "envs", "profiles"):
        src = REPO / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / part)
    shutil.copy(REPO / "tests" / "configs" / "tiny.yaml", tmp_path / "config" / "tiny.yaml")
    shutil.copy(REPO / "tests" / "configs" / "tiny_tracks.tsv", tmp_path / "config" / "tiny_tracks.tsv")
    return tmp_path


def smk(workdir: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(SNAKEMAKE + ["--directory", str(workdir), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=workdir)


def planned_jobs(output: str) -> dict[str, int]:
    """{rule: job count} from the first "Job stats" table of a dry run."""
    table = output.split("Job stats:", 1)[1].split("total", 1)[0]
    return {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_lint_has_no_findings(workdir):
    res = smk(workdir, "--lint")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Congratulations, your workflow is in a good condition!" in res.stdout + res.stderr


def test_dry_run_plans_demo_and_slurm_profile(workdir):
    res = smk(workdir, "-n", "--cores", "2")
    assert res.returncode == 0, res.stderr
    res = smk(workdir, "-n", "--profile", "profiles/slurm")
    assert res.returncode == 0, res.stdout + res.stderr
    assert planned_jobs(res.stdout) == {"simulate": 1, "download_genome": 1, "download_annotation": 3,
                                        "download_track": 3, "store_group": 2, "store": 1, "windows": 1,
                                        "check_chromosomes": 1,
                                        "dataset": 1, "train": 1, "evaluate": 1, "interpret": 1,
                                        "predict_chunk": 2, "predict": 1, "browser": 1, "all": 1}


def test_unknown_key_and_wrong_type_name_the_key(workdir):
    cfg = workdir / "config" / "bad.yaml"
    cfg.write_text((workdir / "config" / "config.yaml").read_text() + "\nbogus_key: 1\n")
    res = smk(workdir, "-n", "--configfile", str(cfg))
    lines = [line for line in (res.stdout + res.stderr).splitlines() if "seq2track config error" in line]
    assert res.returncode != 0 and len(lines) == 1 and "unknown key bogus_key" in lines[0]
    text = (workdir / "config" / "config.yaml").read_text()
    assert re.search(r"\n  epochs: \d+", text)
    cfg.write_text(re.sub(r"\n  epochs: \d+", "\n  epochs: twelve", text))
    res = smk(workdir, "-n", "--configfile", str(cfg))
    lines = [line for line in (res.stdout + res.stderr).splitlines() if "seq2track config error" in line]
    assert res.returncode != 0 and len(lines) == 1
    assert "key train.epochs: 'twelve' is not of type 'integer'" in lines[0]


def test_bad_track_sheet_stops_the_dry_run_in_one_line(workdir):
    """Issue 12 item 7: the sheet is read by the package's reader, with its checks, before any job."""
    sheet = workdir / "config" / "targets.txt"
    sheet.write_text("index\tidentifier\tfile\tclip\tscale\tsum_stat\tdescription\n0\tE1\tx.bw\t32\t2\tsum\tD\n")
    cfg = workdir / "config" / "bad.yaml"
    cfg.write_text((workdir / "config" / "config.yaml").read_text() + f"\ntracks: {sheet}\n")
    res = smk(workdir, "-n", "--configfile", str(cfg))
    lines = [line for line in (res.stdout + res.stderr).splitlines() if "seq2track track sheet error" in line]
    assert res.returncode != 0 and len(lines) == 1 and "identifier -> id" in lines[0], res.stderr[-2000:]
    assert "Traceback" not in res.stdout + res.stderr


def test_missing_source_file_names_its_path(workdir):
    cfg = workdir / "config" / "missing.yaml"
    text = (workdir / "config" / "tiny.yaml").read_text()
    cfg.write_text(text.replace("enabled: true", "enabled: false"))
    res = smk(workdir, "-n", "--configfile", str(cfg))
    assert res.returncode != 0
    assert "Missing input files" in res.stdout + res.stderr
    assert "resources/tiny-sources/genome.fa.gz" in res.stdout + res.stderr


def test_whole_dag_on_tiny_config(workdir):
    res = smk(workdir, "--cores", "2", "--configfile", "config/tiny.yaml")
    assert res.returncode == 0, res.stderr[-4000:]
    out = workdir / "results" / "tiny"
    for track in ("dnase", "h3k27ac", "cage"):
        bw = pyBigWig.open(str(out / "predictions" / f"{track}.bw"))
        assert bw.chroms() == {"chr1": 300_000, "chr2": 150_000, "chr3": 150_000}
        assert bw.intervals("chr3") and not bw.intervals("chr1")   # test chromosome only
        vals = bw.values("chr3", 20_000, 120_000, numpy=True)
        assert np.isfinite(vals).all() and (vals >= 0).all()
        bw.close()
    metrics = pd.read_csv(out / "evaluation" / "metrics.tsv", sep="\t")
    assert set(metrics["split"]) == {"train", "valid", "test"} and len(metrics) == 9
    assert (metrics["pred_to_obs"] > 0).all()
    tss_table = pd.read_csv(out / "evaluation" / "tss_metrics.tsv", sep="\t")
    assert len(tss_table) == 9 and (tss_table.groupby("split")["n_tss"].first() > 0).all()
    history = pd.read_csv(out / "model" / "history.tsv", sep="\t")
    assert history["epoch"].tolist() == [1, 2]
    summary = pd.read_csv(out / "interpret" / "summary.tsv", sep="\t")
    methods = {"attention_mean", "attention_last_layer", "attention_rollout", "grad_x_input", "inverse_distance",
               "accessibility", "abc", "ism_shuffle"}
    assert set(summary["method"]) == methods
    overall = summary[(summary["distance_bin"] == "all") & (summary["stratum"] == "all")]
    assert (overall["n_pairs"] > 0).all() and (overall["auprc_lo"] <= overall["auprc_hi"]).all()
    scores = pd.read_csv(out / "interpret" / "enhancer_scores.tsv", sep="\t")
    in_reach = scores[scores["in_reach"]]
    assert len(in_reach) and (in_reach[["attention_mean", "grad_x_input"]] >= 0).all().all()
    assert (out / "interpret" / "pr_curves.png").stat().st_size > 0
    assert (out / "interpret" / "locus.png").stat().st_size > 0
    for name in ("attention_mean", "attention_last_layer", "attention_rollout", "grad_x_input"):
        with pyBigWig.open(str(out / "interpret" / f"{name}.bw")) as bw:  # browser tracks of the profiles
            assert bw.intervals("chr3") and not bw.intervals("chr1")
    assert (out / "model" / "provenance.json").exists() and (out / "evaluation" / "locus.png").stat().st_size > 0
    session = check_igv_session(out / "browser")  # the browser bundle by each client's rules (test_browser.py)
    assert len(list(session.iter("Track"))) == 3 * 3 + 4 + 2  # predicted, observed, source per track; 4 + 2 more
    check_hub(out / "browser", out / "browser" / "genome.fa.gz")

    # the report renders with the plots
    res = smk(workdir, "--configfile", "config/tiny.yaml", "--report", str(out / "report.html"))
    assert res.returncode == 0, res.stderr[-3000:]
    assert (out / "report.html").stat().st_size > 10_000

    # nothing left to do on a rerun; same config -> same trained weights
    res = smk(workdir, "-n", "--cores", "2", "--configfile", "config/tiny.yaml")
    assert "Nothing to be done" in res.stdout + res.stderr

    # keys that change how training runs, not what it learns, do not retrain (issue 12 item 9); a model key does
    cfg = yaml.safe_load((workdir / "config" / "tiny.yaml").read_text())
    cfg["train"].update(num_threads=1, log_every_steps=7, checkpoint_every_steps=3, requeue=False, device="cpu")
    (workdir / "config" / "runonly.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    res = smk(workdir, "-n", "--cores", "2", "--configfile", "config/runonly.yaml")
    assert "Nothing to be done" in res.stdout + res.stderr, res.stdout[-2000:]
    cfg["train"]["learning_rate"] = 0.01
    (workdir / "config" / "model_key.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    res = smk(workdir, "-n", "--cores", "2", "--configfile", "config/model_key.yaml")
    assert planned_jobs(res.stdout).get("train") == 1, res.stdout[-2000:]


def test_demo_chr4_is_drawn_after_the_test_chromosome(workdir):
    """The demo's second training chromosome, chr4, comes last: without it (an overlay with ``chr4: 0``, the
    way a config drops a default chromosome) chr1-chr3 and the test chromosome's enhancer truth are the same
    (only the simulate rule runs, twice: ~60 s)."""
    sheet = (workdir / "config" / "tracks.tsv").read_text().replace("demo-sources", "demo3-sources")
    (workdir / "config" / "demo3_tracks.tsv").write_text(sheet)
    overlay = {"run": "demo3", "genome": {"name": "demo3", "fasta": {"source": "resources/demo3-sources/genome.fa.gz"}},
               "tracks": "config/demo3_tracks.tsv",
               "simulate": {"out_dir": "resources/demo3-sources", "chromosome_lengths": {"chr4": 0}},
               **{key: {"source": f"resources/demo3-sources/{name}"} for key, name in (
                   ("blacklist", "blacklist.bed"), ("enhancers", "enhancers.tsv"), ("tss", "tss.bed"))}}
    (workdir / "config" / "demo3.yaml").write_text(yaml.safe_dump(overlay, sort_keys=False))
    for config, sources in (("config/config.yaml", "demo-sources"), ("config/demo3.yaml", "demo3-sources")):
        res = smk(workdir, f"resources/{sources}/enhancers.tsv", "--cores", "2", "--configfile", config)
        assert res.returncode == 0, res.stderr[-3000:]
    demo, three = workdir / "resources" / "demo-sources", workdir / "resources" / "demo3-sources"
    genomes = []
    for sources in (demo, three):
        with pysam.FastxFile(str(sources / "genome.fa.gz")) as fasta:
            genomes.append({record.name: record.sequence for record in fasta})
    assert list(genomes[0]) == ["chr1", "chr2", "chr3", "chr4"] and list(genomes[1]) == ["chr1", "chr2", "chr3"]
    assert len(genomes[0]["chr4"]) == 7_200_000 and all(genomes[0][c] == genomes[1][c] for c in genomes[1])
    pairs_demo, pairs_three = (pd.read_csv(d / "enhancers.tsv", sep="\t") for d in (demo, three))
    assert pairs_demo["chrom"].eq("chr4").sum() > 1000
    for chrom in ("chr1", "chr3"):
        pd.testing.assert_frame_equal(pairs_demo[pairs_demo["chrom"] == chrom].reset_index(drop=True),
                                      pairs_three[pairs_three["chrom"] == chrom].reset_index(drop=True))


def test_hg38_k562_config_plans_without_network(workdir):
    res = smk(workdir, "-n", "--profile", "profiles/slurm", "--configfile", "config/hg38_k562.yaml")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    out = res.stdout
    assert "https://hgdownload.soe.ucsc.edu/goldenPath/hg38/bigZips/hg38.fa.gz" not in res.stderr
    jobs = planned_jobs(out)
    assert {r: jobs.get(r) for r in ("download_genome", "download_track", "download_annotation", "store_group",
                                     "store", "train", "predict_chunk", "predict")} == {
        "download_genome": 1, "download_track": 3, "download_annotation": 3, "store_group": 8, "store": 1,
        "train": 1, "predict_chunk": 8, "predict": 1}
    assert "simulate" not in jobs
    chunk_jobs = [block for block in out.split("\nrule ")[1:] if block.startswith("predict_chunk:")]
    assert len(chunk_jobs) == 8 and all("gpu=1" in block for block in chunk_jobs), chunk_jobs[:1]


def _write_remote_sources(root: Path) -> dict[str, str]:
    """Sources as a remote site would serve them: Ensembl names, gzip, bedGraph, CTSS, GTF."""
    import gzip
    import hashlib

    rng = np.random.default_rng(3)
    seqs = {name: "".join(rng.choice(list("ACGT"), size=n)) for name, n in (("1", 20_000), ("2", 12_000))}
    with gzip.open(root / "genome.fa.gz", "wt") as fh:
        fh.write("".join(f">{name}\n{seq}\n" for name, seq in seqs.items()) + ">MT\nACGTACGT\n")
    with gzip.open(root / "dnase.bedGraph.gz", "wt") as fh:
        fh.write("track type=bedGraph\n1\t100\t200\t3.5\n2\t0\t50\t1\n1\t0\t10\t2\nMT\t0\t4\t9\n")
    (root / "cage.ctss.bed").write_text("1\t5000\t5001\tx\t4\t+\n1\t5000\t5001\tx\t2\t-\n")
    with gzip.open(root / "genes.gtf.gz", "wt") as fh:
        fh.write('1\tHAVANA\tgene\t4001\t9000\t.\t+\t.\tgene_id "G1"; gene_type "protein_coding"; gene_name "GENE1";\n')
    with gzip.open(root / "pairs.tsv.gz", "wt") as fh:
        fh.write("chrom\tchromStart\tchromEnd\tname\tchrTSS\tstartTSS\tendTSS\tmeasuredGeneSymbol\tRegulated\n"
                 "1\t9000\t9500\te1\t1\t4000\t4001\tGENE1\tTRUE\n")
    with gzip.open(root / "blacklist.bed.gz", "wt") as fh:
        fh.write("2\t100\t900\tHigh Signal Region\n")
    genome_md5 = hashlib.md5((root / "genome.fa.gz").read_bytes()).hexdigest()
    (root / "MD5SUMS").write_text(f"{'0' * 32}  other.fa.gz\n{genome_md5}  genome.fa.gz\n")  # as GENCODE/UCSC
    return {"dnase_md5": hashlib.md5((root / "dnase.bedGraph.gz").read_bytes()).hexdigest()}


@pytest.fixture
def file_server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving tmp_path/www; only it is stopped at teardown."""
    import functools
    import http.server
    import threading

    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


def test_download_rules_fetch_convert_and_check_over_http(workdir, file_server):
    import yaml

    root, url, requests = file_server
    sums = _write_remote_sources(root)
    cfg = yaml.safe_load((workdir / "config" / "tiny.yaml").read_text())
    cfg.update(run="remote", simulate={"enabled": False}, tracks="config/remote_tracks.tsv",
               download={"retries": 1, "timeout_s": 10, "backoff_s": 0.1})
    cfg["genome"] = {"name": "remote", "fasta": {"source": f"{url}/genome.fa.gz", "checksums_from": f"{url}/MD5SUMS"},
                     "chromosomes": ["chr1", "chr2"], "chrom_aliases": "ensembl_to_ucsc"}
    cfg["blacklist"] = {"source": f"{url}/blacklist.bed.gz"}
    cfg["enhancers"] = {"source": f"{url}/pairs.tsv.gz"}
    cfg["tss"] = {"source": f"{url}/genes.gtf.gz"}
    (workdir / "config" / "remote.yaml").write_text(yaml.safe_dump(cfg))
    sheet = ("id\tsource\tsha256\tmd5\tformat\tassay\tsum_stat\tscale\tclip\tclip_soft\tdescription\tcolor\n"
             f"dnase\t{url}/dnase.bedGraph.gz\t\t{sums['dnase_md5']}\t\tDNase\tsum\t1\t\t\td\t0,0,0\n"
             f"cage\t{url}/cage.ctss.bed\t\t\t\tCAGE\tsum\t1\t\t\tc\t0,0,0\n")
    (workdir / "config" / "remote_tracks.tsv").write_text(sheet)
    res_dir = workdir / "resources" / "remote"
    targets = [f"resources/remote/{name}" for name in ("tracks/dnase.bw", "tracks/cage.bw", "tss.bed",
                                                        "enhancers.tsv", "blacklist.bed")]
    res = smk(workdir, *targets, "--cores", "2", "--configfile", "config/remote.yaml")
    assert res.returncode == 0, res.stderr[-4000:]
    assert (res_dir / "chrom.sizes").read_text() == "chr1\t20000\nchr2\t12000\n"
    with pyBigWig.open(str(res_dir / "tracks" / "dnase.bw")) as bw:
        assert bw.chroms() == {"chr1": 20_000, "chr2": 12_000}
        assert bw.values("chr1", 0, 10) == [2.0] * 10 and bw.values("chr1", 150, 151) == [3.5]
    with pyBigWig.open(str(res_dir / "tracks" / "cage.bw")) as bw:
        assert bw.values("chr1", 5000, 5001) == [6.0]
    assert requests.count("/MD5SUMS") == 1  # the genome's md5 came from the publisher's list
    assert (res_dir / "tss.bed").read_text() == "chr1\t4000\t4001\tGENE1\t0\t+\tG1\n"  # BED6 + Ensembl gene id
    assert (res_dir / "blacklist.bed").read_text().startswith("chr2\t100\t900")
    assert pd.read_csv(res_dir / "enhancers.tsv", sep="\t")["chrom"].tolist() == ["chr1"]

    # a wrong checksum: the job fails with one line naming the URL, and no output is left behind
    (workdir / "config" / "remote_tracks.tsv").write_text(sheet.replace(sums["dnase_md5"], "0" * 32))
    (res_dir / "tracks" / "dnase.bw").unlink()
    requests.clear()
    res = smk(workdir, "resources/remote/tracks/dnase.bw", "--cores", "2", "--configfile", "config/remote.yaml")
    assert res.returncode != 0
    assert requests.count("/dnase.bedGraph.gz") == 1, requests   # a permanent failure is not fetched again
    errors = [line for line in res.stderr.splitlines() if line.startswith("seq2track error:")]
    assert errors and f"{url}/dnase.bedGraph.gz: md5 mismatch" in errors[0]
    assert sorted(p.name for p in (res_dir / "tracks").iterdir()) == ["cage.bw"]


def test_translate_target_trains_scores_and_draws(workdir):
    """`snakemake translate` (issue 18) on a short budget: the target, its files and metrics keys."""
    small = {"translate": {"train_sequences": 400, "train_codons": [4, 12], "curriculum_steps": 0,
                           "test_sequences": 20, "test_codons": [4, 12], "long_test_sequences": 5,
                           "long_test_codons": [13, 20], "steps": 30, "warmup_steps": 5}}
    (workdir / "config" / "translate_small.yaml").write_text(yaml.safe_dump(small))
    res = smk(workdir, "translate", "--cores", "2", "--configfile", "config/translate_small.yaml")
    assert res.returncode == 0, res.stderr[-3000:]
    out = workdir / "results" / "translate"
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"residue_accuracy", "exact_match", "accuracy_by_degeneracy", "per_residue_accuracy",
            "codon_aligned_attention", "longer_than_training"} <= set(metrics)
    assert 0 <= metrics["residue_accuracy"] <= 1 and metrics["n_sequences"] == 20
    assert (out / "cross_attention.png").stat().st_size > 0 and (out / "model.pt").stat().st_size > 0
    assert [p.name for p in (workdir / "results").iterdir()] == ["translate"]  # nothing of the demo ran
