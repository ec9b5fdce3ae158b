"""Data-parallel training (gloo on CPU), kill-and-resume and the requeue signal, with real processes."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, replace

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import build_tiny_dataset
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.checkpoint import load_checkpoint
from seq2track.train import TrainConfig, train
from seq2track.train.launch import launch
from seq2track.train.signals import EXIT_REQUEUED

MODEL = dict(dropout=0.0, final_dropout=0.0)  # no dropout: ranks draw other masks than one process

pytestmark = pytest.mark.slow  # torchrun ranks and killed/resumed runs (5-13 s each)


@pytest.fixture
def dataset_dir(tmp_path, tiny_genome, tiny_bigwig):
    return build_tiny_dataset(tmp_path / "ds", tiny_genome, tiny_bigwig[0], 1024, 34_000, 26_000)


def _weights(path):
    model, payload = load_checkpoint(path)
    return model.state_dict(), payload


def test_two_gloo_ranks_match_one_process(tmp_path, dataset_dir):
    """2 ranks x 2 windows == 1 process accumulating the same two shards (BatchNorm sees the same sets:
    torch has no SyncBatchNorm on CPU, so each rank normalises its own share, as each micro-batch does)."""
    mc = model_config_from("tiny", MODEL, num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=2, batch_size=4, warmup_steps=2, seed=3, device="cpu", num_threads=1,
                      lr_schedule="cosine")
    train(dataset_dir, mc, replace(cfg, grad_accumulation=2), tmp_path / "one", run_config={"run": "x"})
    launch(dataset_dir, mc, cfg, tmp_path / "two", run_config={"run": "x"}, tasks=2)
    one, _ = _weights(tmp_path / "one" / "last.ckpt")
    two, payload = _weights(tmp_path / "two" / "last.ckpt")
    assert payload["run_config"]["world_size"] == 2
    torch.manual_seed(cfg.seed)  # the trainer seeds, then builds the model: these are the initial weights
    initial = Seq2Track(mc).state_dict()
    params = [name for name, _ in Seq2Track(mc).named_parameters()]
    for name in params:  # BatchNorm running statistics differ by design (DDP keeps rank 0's)
        torch.testing.assert_close(two[name], one[name], atol=2e-5, rtol=1e-4, msg=name)
    assert max(float((two[n] - initial[n]).abs().max()) for n in params) > 1e-3  # training moved them
    hist = pd.read_csv(tmp_path / "two" / "history.tsv", sep="\t")
    assert hist["epoch"].tolist() == [1, 2] and np.isfinite(hist["train_loss"]).all()
    assert not (tmp_path / "two" / "resume").exists()  # state removed after a completed run


def _rank_cmd(tmp_path, dataset_dir, out, cfg, mc):
    spec = tmp_path / f"{out}.json"
    import json
    spec.write_text(json.dumps({"data_dir": str(dataset_dir), "model": mc.to_dict(), "train": asdict(cfg),
                                "out_dir": str(tmp_path / out), "run_config": {"run": "x"}}))
    return [sys.executable, "-m", "seq2track.train.launch", str(spec)]


def _wait_for(path, proc, timeout=120):
    t0 = time.time()
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.time() - t0 < timeout, "no checkpoint appeared"
        time.sleep(0.05)


def test_killed_then_resumed_run_ends_with_the_same_weights(tmp_path, dataset_dir):
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)  # dropout on: RNG streams must resume too
    cfg = TrainConfig(epochs=3, batch_size=2, warmup_steps=2, seed=4, device="cpu", num_threads=1,
                      checkpoint_every_steps=3)
    train(dataset_dir, mc, cfg, tmp_path / "ref", run_config={"run": "x"})
    ref, _ = _weights(tmp_path / "ref" / "last.ckpt")

    cmd = _rank_cmd(tmp_path, dataset_dir, "run", cfg, mc)
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    _wait_for(tmp_path / "run" / "resume" / "state.ckpt", proc)
    time.sleep(0.3)
    proc.kill()  # SIGKILL: no chance to clean up, as when a node dies
    proc.wait()
    state = torch.load(tmp_path / "run" / "resume" / "state.ckpt", weights_only=True)
    assert state["step"] > 0
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "resumed from" in res.stderr
    got, _ = _weights(tmp_path / "run" / "last.ckpt")
    for name, tensor in ref.items():
        assert torch.equal(got[name], tensor), name
    hist = pd.read_csv(tmp_path / "run" / "history.tsv", sep="\t")
    assert hist["epoch"].tolist() == [1, 2, 3]
    ref_hist = pd.read_csv(tmp_path / "ref" / "history.tsv", sep="\t")   # the resumed epoch's loss counts
    assert hist["train_loss"].tolist() == ref_hist["train_loss"].tolist()  # every batch (issue 12 item 9)


def test_usr1_saves_state_and_exits_for_requeue(tmp_path, dataset_dir):
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=40, batch_size=2, warmup_steps=2, seed=4, device="cpu", num_threads=1,
                      checkpoint_every_steps=0)
    cmd = _rank_cmd(tmp_path, dataset_dir, "sig", cfg, mc)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}  # no requeue outside Slurm
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    _wait_for(tmp_path / "sig" / "last.ckpt", proc)  # past the first epoch
    proc.send_signal(signal.SIGUSR1)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == EXIT_REQUEUED, err[-2000:]
    assert "received SIGUSR1" in err and "state saved" in err
    state = torch.load(tmp_path / "sig" / "resume" / "state.ckpt", weights_only=True)
    assert state["epoch"] >= 1 and state["step"] > 0
    assert len(state["history"]) == state["epoch"]
