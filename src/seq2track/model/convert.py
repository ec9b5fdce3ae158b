"""Weights from lucidrains' enformer-pytorch into our model, and pretrained trunks for fine-tuning.

An enformer-pytorch model is read from a saved folder (``config.json`` + ``model.safetensors`` or
``pytorch_model.bin``) or a state-dict file (``.safetensors``, or ``.pt``/``.bin`` loaded with
``weights_only=True``). Its hyperparameters map onto a ``ModelConfig`` with ``positional='enformer'``,
its tensors onto our parameter names; the result computes the same function (tests/test_enformer_parity.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import torch

from seq2track.errors import ConfigError, InputFileError
from seq2track.model.config import ModelConfig, model_config_from
from seq2track.model.network import Seq2Track, is_head

log = logging.getLogger(__name__)

ENFORMER_SEQUENCE_BP = 196_608
# (their name pattern, our name template); tried in order, first match wins
_RENAMES = [
    (r"^conv_tower\.(\d+)\.2\.to_attn_logits\.weight$", "tower.{0}.2.to_logits.weight"),
    (r"^conv_tower\.(.*)$", "tower.{0}"),
    (r"^stem\.2\.to_attn_logits\.weight$", "stem.2.to_logits.weight"),
    (r"^stem\.(.*)$", "stem.{0}"),
    (r"^transformer\.(\d+)\.0\.fn\.0\.(weight|bias)$", "transformer.{0}.norm_attn.{1}"),
    (r"^transformer\.(\d+)\.0\.fn\.1\.(.*)$", "transformer.{0}.attn.{1}"),
    (r"^transformer\.(\d+)\.1\.fn\.(\d+)\.(.*)$", "transformer.{0}.ffn.{1}.{2}"),
    (r"^final_pointwise\.1\.(.*)$", "pointwise.0.{0}"),
]


def enformer_config(hparams: dict, sequence_bp: int = ENFORMER_SEQUENCE_BP) -> ModelConfig:
    """Our ModelConfig for enformer-pytorch hyperparameters (an EnformerConfig's dict / config.json)."""
    heads = dict(hparams.get("output_heads", {"human": 5313, "mouse": 1643}))
    if not heads:
        raise ConfigError("output_heads", "the enformer-pytorch config has no output heads", "give a full config")
    if hparams.get("use_convnext"):
        raise ConfigError("use_convnext", "ConvNeXt towers are not supported", "convert a standard Enformer")
    if hparams.get("use_tf_gamma"):
        log.warning("use_tf_gamma: the TensorFlow-computed gamma features are not reproduced; torch's are used")
    primary, *rest = heads
    downsamples = int(hparams.get("num_downsamples", 7))
    bins = sequence_bp // 2 ** downsamples
    target = int(hparams.get("target_length", 896))
    dropout = float(hparams.get("dropout_rate", 0.4))
    return model_config_from(
        "enformer", dim=int(hparams.get("dim", 1536)), num_transformer_layers=int(hparams.get("depth", 11)),
        num_heads=int(hparams.get("heads", 8)), key_dim=int(hparams.get("attn_dim_key", 64)),
        num_tower_blocks=downsamples - 1, channel_divisor=int(hparams.get("dim_divisible_by", 128)),
        crop_bins=(bins - target) // 2 if target > 0 else 0, dropout=dropout, final_dropout=dropout / 8,
        attention_dropout=float(hparams.get("attn_dropout", 0.05)),
        positional_dropout=float(hparams.get("pos_dropout", 0.01)),
        head_name=primary, num_tracks=int(heads[primary]), extra_heads={k: int(heads[k]) for k in rest})


def rename_enformer_state_dict(state: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """enformer-pytorch tensor names -> ours (the ``_trunk.*`` aliases are skipped)."""
    out: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        if name.startswith("_trunk."):
            continue
        head = re.match(r"^_heads\.(\w+)\.0\.(weight|bias)$", name)
        if head:
            key = "head" if head.group(1) == cfg.head_name else f"extra_heads.{head.group(1)}"
            out[f"{key}.{head.group(2)}"] = tensor
            continue
        for pattern, template in _RENAMES:
            m = re.match(pattern, name)
            if m:
                if template.endswith("to_logits.weight"):
                    tensor = tensor.reshape(tensor.shape[0], tensor.shape[1], 1)  # Conv2d 1x1 -> Conv1d k=1
                out[template.format(*m.groups())] = tensor
                break
        else:
            raise InputFileError(name, "is not an enformer-pytorch parameter name", "give an enformer-pytorch model")
    return out


def _read_tensors(path: Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state.get("state_dict", state) if isinstance(state, dict) else state


def read_enformer_pytorch(path: str | os.PathLike, hparams: dict | None = None,
                          sequence_bp: int = ENFORMER_SEQUENCE_BP) -> tuple[ModelConfig, dict[str, torch.Tensor]]:
    """(our config, our state dict) from an enformer-pytorch folder or state-dict file."""
    path = Path(path)
    if path.is_dir():
        cfg_file = path / "config.json"
        if hparams is None and cfg_file.exists():
            hparams = json.loads(cfg_file.read_text())
        files = [path / n for n in ("model.safetensors", "pytorch_model.bin") if (path / n).exists()]
        if not files:
            raise InputFileError(str(path), "has no model.safetensors or pytorch_model.bin",
                                 "point to a folder written by enformer-pytorch's save_pretrained")
        path = files[0]
    elif not path.is_file():
        raise InputFileError(str(path), "does not exist", "fix model.init_from")
    cfg = enformer_config(hparams or {}, sequence_bp)
    return cfg, rename_enformer_state_dict(_read_tensors(path), cfg)


def load_enformer_pytorch(path: str | os.PathLike, hparams: dict | None = None,
                          sequence_bp: int = ENFORMER_SEQUENCE_BP) -> Seq2Track:
    """Our model (eval mode) holding an enformer-pytorch model's weights."""
    cfg, state = read_enformer_pytorch(path, hparams, sequence_bp)
    model = Seq2Track(cfg)
    model.load_state_dict(state, strict=True)
    return model.eval()


def _pretrained_state(path: Path) -> dict[str, torch.Tensor]:
    """State dict of a seq2track checkpoint, or of an enformer-pytorch model (renamed)."""
    if path.is_file() and path.suffix not in (".safetensors", ".bin"):
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(payload, dict) and "model_config" in payload and "state_dict" in payload:
            return payload["state_dict"]
    return read_enformer_pytorch(path)[1]


def init_from_pretrained(model: Seq2Track, path: str | os.PathLike, freeze_trunk: bool = False) -> list[str]:
    """Copy a pretrained trunk (and heads whose name and shape match) into ``model``.

    Heads that differ (e.g. new tracks from the user's sheet) keep their fresh initialisation.
    A trunk tensor with another shape is an error. Returns the names of the re-initialised heads.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(str(path), "does not exist", "fix model.init_from")
    source = _pretrained_state(path)
    target = model.state_dict()
    new_heads, load = [], {}
    for name, tensor in target.items():
        if name in source and source[name].shape == tensor.shape:
            load[name] = source[name]
        elif is_head(name):
            new_heads.append(name)
        else:
            got = tuple(source[name].shape) if name in source else "absent"
            raise ConfigError("model.init_from", f"{path}: trunk tensor {name} is {got}, the model needs "
                              f"{tuple(tensor.shape)}", "use the preset/overrides the checkpoint was trained with")
    model.load_state_dict(load, strict=False)
    if freeze_trunk:
        model.freeze_trunk()
    log.info("initialised from %s (%d tensors); new heads: %s; trunk frozen: %s", path, len(load),
             sorted({n.rsplit(".", 1)[0] for n in new_heads}) or "none", freeze_trunk)
    return new_heads
