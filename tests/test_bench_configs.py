"""Bench configs (bench/configs/*.yaml) merge onto the demo config as Snakemake does, pass the schema, and keep
their own run, genome and simulated sources, so that a bench run never overwrites the demo's files."""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.utils import update_config

from seq2track.configcheck import check_config

REPO = Path(__file__).resolve().parents[1]
BENCH_CONFIGS = sorted((REPO / "bench" / "configs").glob("*.yaml"))


def _merged(path: Path) -> dict:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    update_config(config, yaml.safe_load(path.read_text()))
    return config


def test_there_are_bench_configs():
    assert BENCH_CONFIGS


@pytest.mark.parametrize("path", BENCH_CONFIGS, ids=lambda p: p.name)
def test_bench_config_is_valid_and_separate_from_the_demo(path):
    demo, config = _merged(REPO / "config" / "config.yaml"), _merged(path)
    check_config(config, REPO / "workflow" / "schemas" / "config.schema.yaml", str(path))
    assert config["run"] != demo["run"] and config["genome"]["name"] != demo["genome"]["name"]
    out_dir = config["simulate"]["out_dir"]
    assert out_dir != demo["simulate"]["out_dir"]
    sources = [config["genome"]["fasta"]["source"], config["blacklist"]["source"],
               config["enhancers"]["source"], config["tss"]["source"],
               *pd.read_csv(REPO / config["tracks"], sep="\t")["source"]]
    assert all(s.startswith(out_dir + "/") for s in sources), sources
    # the demo's four chromosomes in the demo's order (the simulator draws them in this order)
    assert list(config["simulate"]["chromosome_lengths"]) == list(demo["simulate"]["chromosome_lengths"])
