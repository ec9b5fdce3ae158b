"""The training recipe: losses, head-bias start, precise BatchNorm, plateau warning, one source of defaults."""

import logging
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
import yaml

from conftest import REPO, build_tiny_dataset
from seq2track.data.dataset import WindowDataset
from seq2track.errors import ConfigError
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.checkpoint import load_checkpoint, save_checkpoint
from seq2track.train import TrainConfig, train
from seq2track.train import loop as loop_module
from seq2track.train.batchnorm import recalibrate_batchnorm
from seq2track.train.curves import plot_history
from seq2track.train.losses import (make_loss, null_deviance_weights, poisson_loss, poisson_multinomial_loss,
                                    scaled_track_weights)


def _rates_and_counts(seed=0, shape=(3, 50, 4)):
    g = torch.Generator().manual_seed(seed)
    pred = torch.rand(shape, generator=g, dtype=torch.float64) * 5 + 0.1
    obs = torch.poisson(torch.rand(shape, generator=g, dtype=torch.float64) * 5, generator=g)
    return pred, obs


def test_poisson_loss_is_torch_poisson_nll_by_definition():
    pred, obs = _rates_and_counts()
    expected = (pred - obs * torch.log(pred)).mean()
    torch.testing.assert_close(poisson_loss(pred, obs), expected)


def test_poisson_multinomial_with_unit_weight_is_the_poisson_likelihood():
    """Multinomial(shape | total) x Poisson(total) is the product of per-bin Poissons: equal losses at weight 1."""
    pred, obs = _rates_and_counts(1)
    torch.testing.assert_close(poisson_multinomial_loss(pred, obs, total_weight=1.0), poisson_loss(pred, obs),
                               atol=1e-6, rtol=1e-6)
    # the shape term alone does not change when every rate of a window is scaled
    a = poisson_multinomial_loss(pred, obs, total_weight=0.0)
    b = poisson_multinomial_loss(pred * 7.0, obs, total_weight=0.0)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    pred_before = pred.clone()
    make_loss("poisson_multinomial", 0.2)(pred, obs)
    assert torch.equal(pred, pred_before)   # inputs untouched
    with pytest.raises(ConfigError, match="train.loss"):
        make_loss("mse")


@pytest.mark.parametrize("activation", ["exp", "softplus"])
def test_head_bias_init_makes_an_untrained_model_predict_the_means(activation):
    cfg = model_config_from("tiny", {"output_activation": activation}, num_tracks=3, crop_bins=4)
    model = Seq2Track(cfg).eval()
    means = torch.tensor([0.3, 4.0, 52.0])
    with torch.no_grad():
        model.head.weight.zero_()
    model.init_head_bias(means)
    x = F.one_hot(torch.randint(0, 4, (2, 4096)), 4).float()
    torch.testing.assert_close(model(x), means.expand(2, 24, 3), atol=1e-4, rtol=1e-5)


def test_checkpoints_from_before_output_activation_load_as_softplus(tmp_path):
    cfg = model_config_from("tiny", {"output_activation": "softplus"}, num_tracks=1, crop_bins=4)
    model = Seq2Track(cfg).eval()
    save_checkpoint(tmp_path / "m.ckpt", model, {})
    payload = torch.load(tmp_path / "m.ckpt", weights_only=True)
    del payload["model_config"]["output_activation"]      # as written by older versions
    torch.save(payload, tmp_path / "old.ckpt")
    loaded, _ = load_checkpoint(tmp_path / "old.ckpt")
    assert loaded.cfg.output_activation == "softplus"


def test_recalibrated_batchnorm_statistics_are_the_mean_of_batch_statistics():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv1d(4, 6, 3), torch.nn.BatchNorm1d(6), torch.nn.Dropout(0.5))
    batches = [torch.randn(2, 4, 40) * (i + 1) for i in range(3)]
    model.train()
    rng = torch.get_rng_state()
    assert recalibrate_batchnorm(model, batches) == 3
    assert model.training and model[1].momentum == 0.1           # mode and momentum restored
    assert torch.equal(torch.get_rng_state(), rng)                # dropout stayed off: no random draws
    with torch.no_grad():
        h = [model[0](b) for b in batches]
    mean = torch.stack([x.mean(dim=(0, 2)) for x in h]).mean(0)
    var = torch.stack([x.var(dim=(0, 2), unbiased=True) for x in h]).mean(0)
    torch.testing.assert_close(model[1].running_mean, mean)
    torch.testing.assert_close(model[1].running_var, var)


def test_plateau_warning_and_training_curve(tmp_path, tiny_genome, tiny_bigwig, caplog, monkeypatch):
    """The tiny track is Poisson noise, so validation r stays near 0; on 72 validation bins chance alone
    reaches |r| ~ 0.1-0.2, so the plateau level is raised to 0.5 here: the warning must come once, after
    epoch 1, whatever the draw."""
    monkeypatch.setattr(loop_module, "PLATEAU_R", 0.5)
    data = build_tiny_dataset(tmp_path / "ds", tiny_genome, tiny_bigwig[0], 2048, 30_000, 24_000)
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=2, batch_size=3, warmup_steps=2, seed=5, device="cpu", plateau_warning_epochs=1)
    with caplog.at_level(logging.INFO, logger="seq2track.train.loop"):
        hist = train(data, mc, cfg, tmp_path / "run", run_config={})
    assert hist["valid_pearson_mean"].max() < 0.5
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "below 0.5 after 1 epochs" in r.message]
    assert len(warnings) == 1                                      # once, not every epoch
    ds = WindowDataset(data, "train")
    means, mean_ylogy = ds.track_moments()
    targets = np.stack([ds.window_targets(i) for i in range(len(ds))]).astype(np.float64)
    np.testing.assert_allclose(means, targets.mean(axis=(0, 1)))            # streamed = whole-array moments
    np.testing.assert_allclose(mean_ylogy, (targets * np.log(np.where(targets > 0, targets, 1))).mean(axis=(0, 1)))
    assert any(f"t1 {means[0]:.3g}" in r.message for r in caplog.records)   # head started at the mean
    plot_history(pd.read_csv(tmp_path / "run" / "history.tsv", sep="\t"), tmp_path / "curve.png")
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_config_defaults_equal_the_schema_defaults():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    props = schema["properties"]["train"]["properties"]
    dataclass_fields = {f.name: f.default for f in fields(TrainConfig)}
    compared = 0
    for key, spec in props.items():
        if key in dataclass_fields and "default" in spec:
            assert spec["default"] == dataclass_fields[key], f"train.{key}: schema {spec['default']!r} " \
                                                             f"vs TrainConfig {dataclass_fields[key]!r}"
            compared += 1
    missing = set(dataclass_fields) - set(props) - {"seed", "init_from", "freeze_trunk"}   # set elsewhere
    assert not missing, f"TrainConfig fields without a schema entry: {sorted(missing)}"
    assert compared >= 20


def test_null_deviance_weights_match_sklearn_poisson_deviance():
    from sklearn.metrics import mean_poisson_deviance

    rng = np.random.default_rng(0)
    targets = np.stack([rng.poisson(lam, size=(4, 50)) for lam in (0.3, 4.0, 12.0)], axis=-1).astype(np.float32)
    y = targets.reshape(-1, 3).astype(np.float64)
    moments = y.mean(axis=0), (y * np.log(np.where(y > 0, y, 1))).mean(axis=0)
    w = null_deviance_weights(*moments)
    dev = np.array([0.5 * mean_poisson_deviance(y[:, t], np.full(len(y), y[:, t].mean())) for t in range(3)])
    np.testing.assert_allclose(w, (1 / dev) / (1 / dev).mean(), rtol=1e-6)
    assert w.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(null_deviance_weights(*moments, power=0.5), dev ** -0.5 / (dev ** -0.5).mean(),
                               rtol=1e-6)
    pred, obs = _rates_and_counts(2, (2, 5, 3))
    tw = torch.tensor([0.5, 1.0, 1.5], dtype=torch.float64)
    expected = ((pred - obs * torch.log(pred)) * tw).mean()
    torch.testing.assert_close(poisson_loss(pred, obs, tw), expected)
    with pytest.raises(ValueError, match="constant"):
        null_deviance_weights(np.ones(1), np.zeros(1))


def test_track_loss_weights_multiply_the_base_weights_and_keep_mean_one():
    tracks = ["dnase", "h3k27ac", "cage"]
    np.testing.assert_allclose(scaled_track_weights(tracks, np.array([1.2, 0.6, 1.2]), {"cage": 3}),
                               np.array([1.2, 0.6, 3.6]) / 1.8)
    np.testing.assert_allclose(scaled_track_weights(tracks, None, {"dnase": 2, "cage": 4}), [2 / 7 * 3, 3 / 7, 12 / 7])
    assert scaled_track_weights(tracks, None, None) is None
    base = np.array([0.5, 1.0, 1.5])
    assert scaled_track_weights(tracks, base, {}) is base
    with pytest.raises(ConfigError, match="train.track_loss_weights.*'atac'.*dnase, h3k27ac, cage"):
        scaled_track_weights(tracks, base, {"atac": 2})


def test_ema_weights_are_the_moving_average_of_every_step_and_are_what_is_saved(tmp_path, tiny_genome, tiny_bigwig,
                                                                               monkeypatch):
    """With ema_decay d the saved model is the average a_k = d a_(k-1) + (1 - d) w_k of the raw weights after
    each step (a_1 = w_1), recomputed here from the weights seen after every step; not the raw weights."""
    data = build_tiny_dataset(tmp_path / "ds", tiny_genome, tiny_bigwig[0], 2048, 30_000, 24_000)
    mc = model_config_from("tiny", num_tracks=1, crop_bins=4)
    cfg = TrainConfig(epochs=2, batch_size=3, warmup_steps=2, seed=5, device="cpu", ema_decay=0.8,
                      bn_recalibration_windows=0)
    seen, step = [], loop_module.Trainer._train_step

    def recording_step(self, x, y):
        loss = step(self, x, y)
        seen.append({k: p.detach().clone() for k, p in self.module.named_parameters()})
        return loss

    monkeypatch.setattr(loop_module.Trainer, "_train_step", recording_step)
    train(data, mc, cfg, tmp_path / "run", run_config={})
    average = seen[0]
    for weights in seen[1:]:
        average = {k: 0.8 * average[k] + 0.2 * w for k, w in weights.items()}
    saved = dict(load_checkpoint(tmp_path / "run" / "last.ckpt")[0].named_parameters())
    assert len(seen) > 3
    for name, value in average.items():
        torch.testing.assert_close(saved[name], value, rtol=1e-4, atol=1e-6)
    assert any(not torch.allclose(saved[k], seen[-1][k]) for k in average)   # not the raw weights
