"""The workflow itself: lint, dry runs, config errors, and the whole DAG on a tiny config."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyBigWig
import pytest

from conftest import REPO

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


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


def test_lint_has_no_findings(workdir):
    res = smk(workdir, "--lint")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Congratulations, your workflow is in a good condition!" in res.stdout + res.stderr


def test_dry_run_plans_demo_and_slurm_profile(workdir):
    res = smk(workdir, "-n", "--cores", "2")
    assert res.returncode == 0, res.stderr
    res = smk(workdir, "-n", "--profile", "profiles/slurm")
    assert res.returncode == 0, res.stdout + res.stderr
    for rule in ("simulate", "download_genome", "windows", "dataset", "train", "predict", "evaluate", "interpret"):
        assert rule in res.stdout


def test_unknown_key_and_wrong_type_name_the_key(workdir):
    cfg = workdir / "config" / "bad.yaml"
    cfg.write_text((workdir / "config" / "config.yaml").read_text() + "\nbogus_key: 1\n")
    res = smk(workdir, "-n", "--configfile", str(cfg))
    lines = [line for line in (res.stdout + res.stderr).splitlines() if "seq2track config error" in line]
    assert res.returncode != 0 and len(lines) == 1 and "unknown key bogus_key" in lines[0]
    cfg.write_text((workdir / "config" / "config.yaml").read_text().replace("epochs: 24", "epochs: twelve"))
    res = smk(workdir, "-n", "--configfile", str(cfg))
    lines = [line for line in (res.stdout + res.stderr).splitlines() if "seq2track config error" in line]
    assert res.returncode != 0 and len(lines) == 1
    assert "key train.epochs: 'twelve' is not of type 'integer'" in lines[0]


def test_missing_source_file_names_its_path(workdir):
    cfg = workdir / "config" / "missing.yaml"
    text = (workdir / "config" / "tiny.yaml").read_text()
    cfg.write_text(text.replace("enabled: true", "enabled: false"))
    res = smk(workdir, "-n", "--configfile", str(cfg))
    assert res.returncode != 0
    assert "Missing input files" in res.stdout + res.stderr
    assert "resources/tiny-sources/genome.fa.gz" in res.stdout + res.stderr


@pytest.mark.slow
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
    history = pd.read_csv(out / "model" / "history.tsv", sep="\t")
    assert history["epoch"].tolist() == [1, 2]
    summary = pd.read_csv(out / "interpret" / "summary.tsv", sep="\t")
    methods = {"attention_mean", "attention_last_layer", "attention_rollout", "grad_x_input", "inverse_distance",
               "accessibility", "abc"}
    assert set(summary["method"]) == methods
    overall = summary[summary["distance_bin"] == "all"]
    assert (overall["n_pairs"] > 0).all() and (overall["auprc_lo"] <= overall["auprc_hi"]).all()
    scores = pd.read_csv(out / "interpret" / "enhancer_scores.tsv", sep="\t")
    in_reach = scores[scores["in_reach"]]
    assert len(in_reach) and (in_reach[["attention_mean", "grad_x_input"]] >= 0).all().all()
    assert (out / "interpret" / "pr_curves.png").stat().st_size > 0
    assert (out / "interpret" / "locus.png").stat().st_size > 0
    assert (out / "model" / "provenance.json").exists() and (out / "evaluation" / "locus.png").stat().st_size > 0
    assert "Session" in (out / "predictions" / "igv_session.xml").read_text()

    # the report renders with the plots
    res = smk(workdir, "--configfile", "config/tiny.yaml", "--report", str(out / "report.html"))
    assert res.returncode == 0, res.stderr[-3000:]
    assert (out / "report.html").stat().st_size > 10_000

    # nothing left to do on a rerun; same config -> same trained weights
    res = smk(workdir, "-n", "--cores", "2", "--configfile", "config/tiny.yaml")
    assert "Nothing to be done" in res.stdout + res.stderr
