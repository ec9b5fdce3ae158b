"""Snakemake adapter: train the model on the dataset; write checkpoints, history, model.yaml, provenance."""

import json
import os
from dataclasses import fields, replace
from pathlib import Path

import pandas as pd
import yaml

from seq2track.errors import ConfigError
from seq2track.model.config import model_config_from
from seq2track.provenance import write_provenance
from seq2track.io.atomic import write_text_atomic
from seq2track.runner import run_logged
from seq2track.train import TrainConfig
from seq2track.train.curves import plot_history
from seq2track.train.launch import launch


def main() -> None:
    p, out = snakemake.params, snakemake.output  # noqa: F821
    data_dir = Path(snakemake.input.meta).parent  # noqa: F821
    meta = json.loads(Path(snakemake.input.meta).read_text())  # noqa: F821
    model_cfg = model_config_from(p.model["preset"], p.model.get("overrides"), num_tracks=len(meta["tracks"]),
                                  crop_bins=meta["crop_bins"])
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(seed=p.seed, init_from=p.model.get("init_from"), freeze_trunk=p.model.get("freeze_trunk", False),
                      **{k: v for k, v in p.train.items() if k in known})
    if cfg.num_threads == 0:  # 0 = the threads Snakemake gave the job
        cfg = replace(cfg, num_threads=snakemake.threads)  # noqa: F821
    resources = snakemake.resources  # noqa: F821
    tasks = int(resources.get("tasks", 1) or 1)
    launcher = str(resources.get("mpi", "") or "")
    if "SLURM_JOB_ID" in os.environ and tasks > 1 and not launcher:
        raise ConfigError("resources.mpi", f"the train rule asks for {tasks} tasks under Slurm without mpi",
                          "set mpi: \"srun\" for train in the profile (see profiles/slurm)")
    if tasks > 1 and "SLURM_JOB_ID" not in os.environ:  # local ranks share the job's threads
        cfg = replace(cfg, num_threads=max(1, cfg.num_threads // tasks))
    launch(data_dir, model_cfg, cfg, Path(out.best).parent, run_config=dict(p.run_config), tasks=tasks,
           launcher=launcher)
    write_text_atomic(out.model_yaml, yaml.safe_dump({"model": model_cfg.to_dict(), "tracks": meta["tracks"]},
                                                     sort_keys=False))
    write_provenance(out.provenance, dict(p.run_config))
    plot_history(pd.read_csv(out.history, sep="\t"), out.curve)


run_logged(main, snakemake.log[0])  # noqa: F821
