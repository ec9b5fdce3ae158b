"""Start training on one or several ranks.

    python -m seq2track.train.launch SPEC.json      # one rank; started by srun or torchrun

``launch()`` trains in this process when one task is asked for outside an srun-managed launch;
otherwise it writes a JSON spec and starts ``tasks`` ranks with ``srun`` (inside a Slurm allocation:
the train rule's ``tasks``/``mpi`` resources) or with ``torch.distributed.run`` (a local CPU/GPU box).
Each rank rebuilds the same configs from the spec and joins the process group.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from seq2track.errors import Seq2TrackError
from seq2track.model.config import ModelConfig
from seq2track.runner import run_logged
from seq2track.train.config import TrainConfig
from seq2track.train.loop import train

log = logging.getLogger(__name__)


class LaunchError(Seq2TrackError):
    """The ranks did not finish."""


def _log_stream():
    """The current stderr when it is a real file (the rule's log), so the ranks log there too."""
    try:
        sys.stderr.flush()
        sys.stderr.fileno()
        return sys.stderr
    except (AttributeError, OSError, ValueError):
        return None


def launch_command(spec: Path, tasks: int, launcher: str = "", under_slurm: bool | None = None) -> list[str]:
    """The command that starts ``tasks`` ranks of ``python -m seq2track.train.launch spec``."""
    under_slurm = "SLURM_JOB_ID" in os.environ if under_slurm is None else under_slurm
    rank = [sys.executable, "-m", "seq2track.train.launch", str(spec)]
    if under_slurm:
        return [launcher or "srun", f"--ntasks={tasks}", "--kill-on-bad-exit=1", *rank]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={tasks}",
            "--module", "seq2track.train.launch", str(spec)]


def launch(data_dir: str | os.PathLike, model_cfg: ModelConfig, cfg: TrainConfig, out_dir: str | os.PathLike,
           run_config: dict, tasks: int = 1, launcher: str = "") -> None:
    """Train with ``tasks`` ranks (1: in this process, unless a launcher such as srun is named)."""
    if tasks <= 1 and not launcher:
        train(data_dir, model_cfg, cfg, out_dir, run_config)
        return
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = out / "launch.json"
    spec.write_text(json.dumps({"data_dir": str(data_dir), "model": model_cfg.to_dict(), "train": asdict(cfg),
                                "out_dir": str(out), "run_config": run_config}, default=str))
    cmd = launch_command(spec, max(tasks, 1), launcher)
    log.info("starting %d ranks: %s", tasks, " ".join(cmd))
    res = subprocess.run(cmd, env={**os.environ, "SEQ2TRACK_SRUN": "1"}, stdout=_log_stream(), stderr=_log_stream())
    if res.returncode:
        raise LaunchError(" ".join(cmd[:3]), f"ranks exited with status {res.returncode}",
                          "see the log; a rerun resumes from the last saved state")
    spec.unlink(missing_ok=True)


def rank_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    train(spec["data_dir"], ModelConfig(**spec["model"]), TrainConfig(**spec["train"]), spec["out_dir"],
          spec["run_config"])


if __name__ == "__main__":
    run_logged(lambda: rank_main(sys.argv[1]))
