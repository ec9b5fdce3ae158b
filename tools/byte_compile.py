"""Byte-compile what the workflow imports, after `pip install --no-compile` (run by `make install`).

pip byte-compiles every module it installs: ~12,000 files here, most of them parts of torch, sympy or
pandas that no rule ever loads, ~35 s of a fresh install on 2 CPU cores. This compiles instead the
modules seq2track's own modules pull in (imported once with bytecode writing on) and the Snakemake
packages whole (the scheduler loads its modules lazily during a run). Jobs then read the bytecode from
``__pycache__`` even where PYTHONDONTWRITEBYTECODE is set; anything missed is compiled in memory when
imported, as without this step.

    .venv/bin/python tools/byte_compile.py
"""

from __future__ import annotations

import compileall
import importlib
import pkgutil
import sys
import time


def seq2track_modules() -> list[str]:
    import seq2track

    return ["seq2track"] + [m.name for m in pkgutil.walk_packages(seq2track.__path__, "seq2track.")]


def snakemake_paths() -> list[str]:
    """The folders of Snakemake, its plugin interfaces and its installed plugins."""
    names = ("snakemake", "snakemake_interface_", "snakemake_executor_plugin_", "snakemake_storage_plugin_",
             "snakemake_logger_plugin_", "snakemake_report_plugin_")
    return [m.module_finder.path + "/" + m.name for m in pkgutil.iter_modules()
            if m.ispkg and (m.name == names[0] or m.name.startswith(names[1:]))]


def main() -> int:
    sys.dont_write_bytecode = False
    t0, before = time.perf_counter(), len(sys.modules)
    skipped = []
    for name in seq2track_modules():
        try:
            importlib.import_module(name)
        except ImportError as err:   # a module of an optional extra (e.g. the enformer-pytorch converter)
            skipped.append(f"{name} ({err})")
    ok = all([compileall.compile_dir(path, quiet=1, workers=0) for path in snakemake_paths()])   # every one
    print(f"byte_compile: {len(sys.modules) - before} modules imported and compiled, Snakemake packages "
          f"{'compiled' if ok else 'compiled with errors'} in {time.perf_counter() - t0:.0f} s"
          + (f"; not importable here: {', '.join(skipped)}" if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
