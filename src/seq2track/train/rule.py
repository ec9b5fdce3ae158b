"""The train rule's work, from config sections to the files it writes (scripts/train.py adapts Snakemake)."""

from __future__ import annotations

import os
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd
import yaml

from seq2track.data.spec import DataSpec
from seq2track.errors import ConfigError
from seq2track.io.atomic import write_text_atomic
from seq2track.model.config import ModelConfig, model_config_from
from seq2track.provenance import write_provenance
from seq2track.train.config import RUN_ONLY_KEYS, TrainConfig
from seq2track.train.curves import plot_history
from seq2track.train.launch import launch

RULE_ONLY_KEYS = {"tasks"}  # train keys that size the job (resources), not the run


def train_config_from(train: dict, model: dict, seed: int, threads: int, tasks: int = 1,
                      under_slurm: bool = False) -> TrainConfig:
    """TrainConfig from the config's ``train`` and ``model`` sections; ``num_threads: 0`` = the job's threads
    (shared by local ranks)."""
    known = {f.name for f in fields(TrainConfig)}
    unknown = sorted(set(train) - known - RULE_ONLY_KEYS)
    if unknown:
        raise ConfigError("train", f"unknown keys {unknown}", f"use keys of TrainConfig: {sorted(known)}")
    cfg = TrainConfig(seed=seed, init_from=model.get("init_from"), freeze_trunk=model.get("freeze_trunk", False),
                      **{k: v for k, v in train.items() if k in known})
    if cfg.num_threads == 0:
        cfg = replace(cfg, num_threads=threads)
    if tasks > 1 and not under_slurm:  # local ranks share the job's threads
        cfg = replace(cfg, num_threads=max(1, cfg.num_threads // tasks))
    return cfg


def check_launcher(tasks: int, launcher: str, under_slurm: bool) -> None:
    if under_slurm and tasks > 1 and not launcher:
        raise ConfigError("resources.mpi", f"the train rule asks for {tasks} tasks under Slurm without mpi",
                          "set mpi: \"srun\" for train in the profile (see profiles/slurm)")


def model_config_for(model: dict, spec: DataSpec) -> ModelConfig:
    """The model config of ``model.preset`` + ``model.overrides``, sized to the dataset and checked against it."""
    cfg = model_config_from(model["preset"], model.get("overrides"), num_tracks=len(spec.tracks),
                            crop_bins=spec.window.crop_bins)
    spec.check_model(cfg.bin_size_bp, cfg.crop_bins, cfg.num_tracks)
    return cfg


def run_train_rule(meta_json: str | os.PathLike, params, threads: int, tasks: int, launcher: str, outputs,
                   run_only: dict | None = None) -> None:
    """Train, then write model.yaml, provenance and the training curve (``outputs``: the rule's named outputs).

    ``params.train`` holds the keys that determine the model; ``run_only`` (the config's train section) adds
    the ``RUN_ONLY_KEYS`` it sets, which the rule keeps out of its params so that changing them does not retrain.
    """
    under_slurm = "SLURM_JOB_ID" in os.environ
    check_launcher(tasks, launcher, under_slurm)
    spec = DataSpec.read(meta_json)
    model_cfg = model_config_for(params.model, spec)
    train = {**params.train, **{k: v for k, v in (run_only or {}).items() if k in RUN_ONLY_KEYS}}
    cfg = train_config_from(train, params.model, params.seed, threads, tasks, under_slurm)
    launch(Path(meta_json).parent, model_cfg, cfg, Path(outputs.best).parent, run_config=dict(params.run_config),
           tasks=tasks, launcher=launcher)
    write_text_atomic(outputs.model_yaml, yaml.safe_dump({"model": model_cfg.to_dict(), "tracks": spec.track_ids},
                                                         sort_keys=False))
    write_provenance(outputs.provenance, dict(params.run_config))
    plot_history(pd.read_csv(outputs.history, sep="\t"), outputs.curve)
