"""Stop requests from the scheduler: SIGUSR1 (Slurm's --signal before the time limit) and SIGTERM.

The handler only sets a flag; the training loop checks it between steps, saves its state and exits
with ``EXIT_REQUEUED`` so that a rerun (or Slurm's requeue) resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import os
import logging
import signal
import subprocess
import threading

log = logging.getLogger(__name__)
EXIT_REQUEUED = 75  # EX_TEMPFAIL: try again later
SIGNALS = (signal.SIGUSR1, signal.SIGTERM)


class TrainingInterrupted(SystemExit):
    """Raised after the state was saved on a stop request; exits with EXIT_REQUEUED."""

    def __init__(self, signame: str) -> None:
        super().__init__(EXIT_REQUEUED)
        self.signame = signame


class StopRequest:
    """A flag set by SIGUSR1/SIGTERM while ``installed()``; previous handlers are restored after."""

    def __init__(self) -> None:
        self.requested = False
        self.signame = ""

    def _handle(self, signum, _frame) -> None:
        self.requested, self.signame = True, signal.Signals(signum).name
        log.warning("received %s: saving the training state at the next step", self.signame)

    @contextlib.contextmanager
    def installed(self):
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self._handle) for s in SIGNALS}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    def exit_error(self) -> TrainingInterrupted:
        return TrainingInterrupted(self.signame or "signal")


def requeue_slurm_job() -> None:
    """Ask Slurm to requeue this job (``scontrol requeue``); nothing outside a Slurm job."""
    job = os.environ.get("SLURM_JOB_ID")
    if not job:
        return
    res = subprocess.run(["scontrol", "requeue", job], capture_output=True, text=True)
    log.info("scontrol requeue %s -> exit %d %s", job, res.returncode, res.stderr.strip())
