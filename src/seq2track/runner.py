"""Running package code from Snakemake scripts and the CLI: logging, one-line errors, exit codes."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from seq2track.errors import Seq2TrackError


def _setup_logging(stream) -> None:
    logging.basicConfig(stream=stream, level=logging.INFO, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run_logged(body: Callable[[], None], log_path: str | None = None) -> None:
    """Run ``body`` with logging (to ``log_path`` when given, else stderr).

    A Seq2TrackError becomes one line on stderr (and in the log) and exit status 1.
    """
    fh = open(log_path, "w") if log_path else None
    stream = fh or sys.stderr
    if fh:
        sys.stderr = fh
    _setup_logging(stream)
    if fh:  # warnings also reach the terminal the user watches, not only the job's log
        echo = logging.StreamHandler(sys.__stderr__)
        echo.setLevel(logging.WARNING)
        echo.setFormatter(logging.Formatter(f"seq2track warning (see {log_path}): %(message)s"))
        logging.getLogger().addHandler(echo)
    try:
        body()
    except Seq2TrackError as exc:
        stream.write(f"ERROR: {exc}\n")
        if fh:
            sys.__stderr__.write(f"seq2track error: {exc}\n")
        sys.exit(1)
    except Exception:
        logging.exception("unexpected failure")  # the traceback goes to the log, then the job fails
        raise
    finally:
        if fh:
            sys.stderr = sys.__stderr__
            fh.close()
