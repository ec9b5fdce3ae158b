"""The tiny workflow through profiles/slurm on a real one-node Slurm (tools/local_slurm/start.sh).

Marker ``slurm``: needs root and apt (the fixture installs and starts Slurm; it stops only the daemons
it started). The train job runs 2 srun tasks doing CPU DDP with gloo; predict and interpret ask for the
cluster's fake GPU gres and are scheduled.
"""

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from conftest import REPO, build_tiny_dataset
from seq2track.model import model_config_from
from seq2track.model.checkpoint import load_checkpoint
from seq2track.model.config import ModelConfig
from seq2track.train import TrainConfig, train
from test_workflow import smk, workdir  # noqa: F401  (fixture)

pytestmark = [pytest.mark.slurm, pytest.mark.slow]
RUN_DIR = Path("/run/seq2track-slurm")


def _daemons_up() -> bool:
    return all((RUN_DIR / f"{n}.pid").exists() for n in ("munged", "slurmctld", "slurmd"))


@pytest.fixture(scope="module")
def local_slurm():
    if shutil.which("apt-get") is None:
        pytest.skip("needs a Debian machine (apt) to install Slurm")
    already = _daemons_up()
    res = subprocess.run(["bash", str(REPO / "tools" / "local_slurm" / "start.sh")], capture_output=True, text=True,
                         timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    yield
    if not already:  # stop only what this fixture started
        subprocess.run(["bash", str(REPO / "tools" / "local_slurm" / "stop.sh")], timeout=120)


def test_tiny_workflow_runs_under_slurm_with_ddp(local_slurm, workdir):  # noqa: F811
    cfg = yaml.safe_load((workdir / "config" / "tiny.yaml").read_text())
    cfg["run"] = "slurm"
    cfg["model"]["overrides"] = {"dropout": 0.0, "final_dropout": 0.0}  # ranks and one process: same masks
    cfg["train"].update(batch_size=4, num_threads=1)
    cfg["download"] = {"local": True}  # issue 12 item 10: compute nodes without internet; downloads on this host
    (workdir / "config" / "slurm.yaml").write_text(yaml.safe_dump(cfg))
    shutil.copytree(REPO / "tests" / "profiles", workdir / "test-profiles")
    res = smk(workdir, "--profile", "profiles/slurm", "--workflow-profile", "test-profiles/local-slurm",
              "--configfile", "config/slurm.yaml", timeout=1500)
    text = res.stdout + res.stderr
    assert res.returncode == 0, text[-6000:]

    # every job went through Slurm, except the downloads (download.local) and the rules that are always local
    submitted = re.findall(r"SLURM jobid (\d+)", text)
    assert len(submitted) >= 8, text[-3000:]
    assert re.search(r"localrule download_genome:", text) and re.search(r"localrule download_track:", text)
    out = workdir / "results" / "slurm"
    train_log = (out / "logs" / "train.log").read_text()
    assert "rank 0 of 2" in train_log and "rank 1 of 2" in train_log, train_log[-3000:]
    assert re.search(r"Slurm job \d+", train_log)

    # the predict chunks (2 in tiny.yaml) and interpret asked for the fake GPU and were scheduled on it
    jobs = {job: subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True).stdout
            for job in submitted}
    gpu_jobs = [re.search(r"Comment=rule_(\w+)", info).group(1).split("_wildcards")[0] for info in jobs.values()
                if re.search(r"TresPerJob=gres[:/]gpu[:=]1", info)]
    assert sorted(gpu_jobs) == ["interpret", "predict_chunk", "predict_chunk"], gpu_jobs
    train_job = next(info for info in jobs.values() if "Comment=rule_train" in info)
    assert "NumTasks=2" in train_job or "NumTasks=2 " in train_job, train_job
    assert not [info for info in jobs.values() if "Comment=rule_download" in info], "a download was submitted"
    assert all("JobState=COMPLETED" in info for info in jobs.values() if info), [
        j for j, i in jobs.items() if "COMPLETED" not in i]

    # the 2-rank checkpoint equals a single process that accumulates the same two shards
    model, payload = load_checkpoint(out / "model" / "last.ckpt")
    assert payload["run_config"]["world_size"] == 2
    resolved = dict(payload["run_config"]["train_resolved"], grad_accumulation=2, num_threads=1, device="cpu")
    train(out / "dataset", ModelConfig(**payload["run_config"]["model_resolved"]), TrainConfig(**resolved),
          workdir / "reference", run_config={})
    reference, _ = load_checkpoint(workdir / "reference" / "last.ckpt")
    ref_state = reference.state_dict()
    for name, _ in model.named_parameters():
        torch.testing.assert_close(model.state_dict()[name], ref_state[name], atol=2e-5, rtol=1e-4, msg=name)
    assert pd.read_csv(out / "model" / "history.tsv", sep="\t")["epoch"].tolist() == [1, 2]
    for track in ("dnase", "h3k27ac", "cage"):
        assert (out / "predictions" / f"{track}.bw").stat().st_size > 0


def _wait(predicate, timeout_s: float, what: str) -> None:
    t0 = time.time()
    while not predicate():
        assert time.time() - t0 < timeout_s, f"timed out waiting for {what}"
        time.sleep(0.3)


def _job(job: str) -> str:
    return subprocess.run(["scontrol", "show", "job", job], capture_output=True, text=True).stdout


def test_usr1_requeues_the_job_which_resumes_to_the_same_weights(local_slurm, tmp_path, tiny_genome, tiny_bigwig):
    build_tiny_dataset(tmp_path / "ds", tiny_genome, tiny_bigwig[0], 1024, 34_000, 26_000)
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=8, batch_size=2, warmup_steps=2, seed=4, device="cpu", num_threads=1)
    train(tmp_path / "ds", mc, cfg, tmp_path / "ref", run_config={})

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"data_dir": str(tmp_path / "ds"), "model": mc.to_dict(), "train": asdict(cfg),
                                "out_dir": str(tmp_path / "job"), "run_config": {}}))
    job = subprocess.run(["sbatch", "--parsable", "--requeue", "-o", str(tmp_path / "job.log"), "--open-mode=append",
                          "--wrap", f"exec {sys.executable} -m seq2track.train.launch {spec}"],
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout.strip()
    _wait(lambda: (tmp_path / "job" / "last.ckpt").exists(), 120, "the first epoch")
    subprocess.run(["scancel", "--signal=USR1", "--batch", job], check=True)
    _wait(lambda: "Restarts=1" in _job(job), 60, "the requeue")

    # Slurm holds a requeued job ~2 min. Release it sooner, but only a few seconds after the requeue:
    # slurmd revokes the old job credential with 1 s granularity, and a new one from the same second is
    # rejected ("Job credential revoked").
    _wait(lambda: "JobState=PENDING" in _job(job), 60, "the requeued job to be pending")
    time.sleep(5)
    subprocess.run(["scontrol", "update", f"JobId={job}", "StartTime=now"], check=True)
    _wait(lambda: re.search(r"JobState=(COMPLETED|FAILED|CANCELLED)", _job(job)), 300, "the requeued job to end")
    assert "JobState=COMPLETED" in _job(job), _job(job)

    log = (tmp_path / "job.log").read_text()
    assert "received SIGUSR1" in log and f"scontrol requeue {job} -> exit 0" in log and "resumed from" in log, log
    ref, _ = load_checkpoint(tmp_path / "ref" / "last.ckpt")
    got, _ = load_checkpoint(tmp_path / "job" / "last.ckpt")
    for name, tensor in ref.state_dict().items():
        assert torch.equal(got.state_dict()[name], tensor), name
