"""Layout rules that keep the code easy to change: thin scripts whose imports resolve, small modules."""

import ast
import importlib
from pathlib import Path

import pytest

from conftest import REPO

SCRIPTS = sorted((REPO / "scripts").glob("*.py"))
MODULES = sorted((REPO / "src" / "seq2track").rglob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_imports_resolve(script: Path):
    """Scripts run only inside Snakemake jobs; a stale import would fail there, after hours of upstream work."""
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("seq2track"):
            module = importlib.import_module(node.module)
            missing = [a.name for a in node.names if not hasattr(module, a.name)]
            assert not missing, f"{script.name}: {node.module} has no {missing}"


def test_scripts_are_thin_and_modules_small():
    long_scripts = {p.name: n for p in SCRIPTS if (n := len(p.read_text().splitlines())) > 40}
    long_modules = {str(p.relative_to(REPO)): n for p in MODULES if (n := len(p.read_text().splitlines())) > 300}
    assert not long_scripts and not long_modules
