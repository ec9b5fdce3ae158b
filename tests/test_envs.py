"""envs/*.yaml pins agree with pyproject.toml."""

import re
import tomllib

import yaml

from conftest import REPO


def _pins(requirements):
    return {re.split(r"==", r)[0].lower(): r.split("==")[1] for r in requirements if "==" in r}


def test_conda_env_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = _pins(project["dependencies"])
    for env_file in (REPO / "envs").glob("*.yaml"):
        env = yaml.safe_load(env_file.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
        assert _pins(pip) == wanted, env_file.name
