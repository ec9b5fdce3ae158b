"""A trained model ready for inference: weights on the best device plus the data spec it was trained on."""

from __future__ import annotations

import logging
import os

import torch

from seq2track.data.spec import DataSpec, TrackSpec, window_from_dict
from seq2track.device import setup_device
from seq2track.errors import ConfigError, InputFileError
from seq2track.model.checkpoint import load_checkpoint
from seq2track.model.network import Seq2Track

log = logging.getLogger(__name__)


def checkpoint_data_spec(payload: dict, model: Seq2Track, path: str | os.PathLike = "") -> DataSpec:
    """The checkpoint's DataSpec; checkpoints written before it existed get their geometry from the run
    config and placeholder track ids (track_0, ...)."""
    if "data_spec" in payload:
        return DataSpec.from_dict(payload["data_spec"])
    try:
        w = payload["run_config"]["windows"]
        window = window_from_dict({**w, "bin_size_bp": model.cfg.bin_size_bp, "crop_bins": model.cfg.crop_bins})
    except (KeyError, TypeError) as exc:
        raise InputFileError(str(path), "checkpoint has neither a data spec nor a windows section in its run config",
                             "use a checkpoint written by the train rule") from exc
    log.warning("%s predates stored data specs: track ids unknown, using track_0..%d", path, model.cfg.num_tracks - 1)
    return DataSpec(window, tuple(TrackSpec(f"track_{i}") for i in range(model.cfg.num_tracks)))


def load_predictor(path: str | os.PathLike, num_threads: int = 0, device: str = "auto"
                   ) -> tuple[Seq2Track, DataSpec, torch.device]:
    """(model in eval mode on the device, its DataSpec, the device)."""
    dev = setup_device(device, num_threads)
    model, payload = load_checkpoint(path, dev)
    return model, checkpoint_data_spec(payload, model, path), dev


def resolve_chromosomes(chromosomes: list[str] | str, sizes: dict[str, int]) -> list[str]:
    """``predict.chromosomes`` as a list: "all" means every chromosome of the genome; names must exist."""
    if chromosomes == "all":
        return list(sizes)
    unknown = sorted(set(chromosomes) - set(sizes))
    if unknown:
        raise ConfigError("predict.chromosomes", f"{unknown} are not in the genome",
                          f"use names of the genome ({', '.join(list(sizes)[:5])}, ...) or all")
    return list(chromosomes)
