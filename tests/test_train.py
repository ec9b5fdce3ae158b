"""The training loop: outputs, checkpoints that rebuild the model, and seeded determinism on CPU."""

import numpy as np
import pytest
import torch

from conftest import build_tiny_dataset
from seq2track.model import model_config_from
from seq2track.model.checkpoint import load_checkpoint
from seq2track.train import TrainConfig, train


@pytest.fixture
def dataset_dir(tmp_path, tiny_genome, tiny_bigwig):
    return build_tiny_dataset(tmp_path / "ds", tiny_genome, tiny_bigwig[0], 2048, 30_000, 24_000)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_train_writes_outputs_and_is_deterministic(tmp_path, dataset_dir, precision):
    """Seeded CPU training gives the same weights twice, in fp32 and under bf16 autocast (the demo's setting)."""
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=2, batch_size=3, warmup_steps=2, seed=5, device="cpu", precision=precision)
    hist = train(dataset_dir, mc, cfg, tmp_path / "a", run_config={"run": "x"})
    train(dataset_dir, mc, cfg, tmp_path / "b", run_config={"run": "x"})
    assert hist["epoch"].tolist() == [1, 2] and "valid_pearson_t1" in hist.columns
    assert (tmp_path / "a" / "history.tsv").exists() and (tmp_path / "a" / "best.ckpt").exists()
    a, pa = load_checkpoint(tmp_path / "a" / "last.ckpt")
    b, _ = load_checkpoint(tmp_path / "b" / "last.ckpt")
    assert pa["epoch"] == 2 and pa["run_config"]["run"] == "x" and a.cfg == mc
    for (name, ta), tb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(ta, tb), name
    # a different seed gives different weights
    train(dataset_dir, mc, TrainConfig(epochs=1, batch_size=3, warmup_steps=2, seed=6, device="cpu",
                                       precision=precision), tmp_path / "c", run_config={})
    c, _ = load_checkpoint(tmp_path / "c" / "last.ckpt")
    assert not torch.equal(c.head.weight, a.head.weight)


def test_fine_tune_from_checkpoint_with_frozen_trunk_in_bf16(tmp_path, dataset_dir):
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    train(dataset_dir, mc, TrainConfig(epochs=1, batch_size=3, warmup_steps=2, seed=5, device="cpu"),
          tmp_path / "pre", run_config={})
    pre, _ = load_checkpoint(tmp_path / "pre" / "last.ckpt")
    cfg = TrainConfig(epochs=1, batch_size=3, warmup_steps=2, seed=5, device="cpu", precision="bf16",
                      init_from=str(tmp_path / "pre" / "last.ckpt"), freeze_trunk=True)
    hist = train(dataset_dir, mc, cfg, tmp_path / "ft", run_config={})
    assert np.isfinite(hist["train_loss"]).all()
    ft, _ = load_checkpoint(tmp_path / "ft" / "last.ckpt")
    for name, tensor in ft.state_dict().items():
        unchanged = torch.equal(tensor, pre.state_dict()[name])
        if name.startswith("head."):
            assert not unchanged, name          # the head trained
        else:
            assert unchanged, name              # the trunk stayed frozen, BatchNorm statistics included


def test_the_demo_recipe_trains_and_validates_on_each_device(tmp_path, dataset_dir, device):
    """Loss weights per track (null deviance) live where the loss is taken: on the GPU in training steps and on
    the CPU in validation (a CUDA run once failed in both places: weights on the CPU, predictions on the GPU)."""
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=1, batch_size=3, warmup_steps=2, seed=5, device=device.type,
                      loss="poisson_multinomial", track_weights="null_deviance")
    hist = train(dataset_dir, mc, cfg, tmp_path / "run", run_config={})
    assert np.isfinite(hist[["train_loss", "valid_loss"]].to_numpy()).all()
    model, _ = load_checkpoint(tmp_path / "run" / "best.ckpt", device)
    assert next(model.parameters()).device.type == device.type


@pytest.mark.parametrize("keep", ["best", "last"])
def test_best_ckpt_holds_the_best_or_the_last_epoch(tmp_path, dataset_dir, keep):
    """``train.checkpoint``: best.ckpt is the epoch with the best mean validation r, or the last epoch."""
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=3, batch_size=3, warmup_steps=2, seed=5, device="cpu", learning_rate=0.01,
                      checkpoint=keep)
    hist = train(dataset_dir, mc, cfg, tmp_path / "run", run_config={})
    best, payload = load_checkpoint(tmp_path / "run" / "best.ckpt")
    last, _ = load_checkpoint(tmp_path / "run" / "last.ckpt")
    expected = 3 if keep == "last" else int(hist.loc[hist["valid_pearson_mean"].idxmax(), "epoch"])
    assert keep == "last" or expected < 3, "this seed's validation r must peak before the last epoch"
    assert payload["epoch"] == expected
    same = all(torch.equal(a, b) for a, b in zip(best.state_dict().values(), last.state_dict().values()))
    assert same == (expected == 3)
