"""Scores in the input format of the EngreitzLab CRISPR_comparison benchmark (github.com/EngreitzLab/CRISPR_comparison).

That workflow compares enhancer-gene predictors against CRISPRi screens (EPCrisprBenchmark files). A
predictions file has one row per predicted element-gene pair with columns chr, start, end, name, class,
TargetGene, TargetGeneTSS, CellType and a score column; ``pred_config.txt`` tells it, per predictor, which
column holds the score (``pred_col``), whether higher means more likely (``inverse_predictor``), how to
aggregate predicted elements overlapping one tested element and what to fill in where none overlaps.
We write one predictions file with a score column per method and a pred_config row per method, each row
pointing at its column. Pairs outside the model's reach are left out (the benchmark fills them in).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from seq2track.io.atomic import atomic_path

PROMOTER_BP = 1_000   # an element within this of the TSS is class "promoter", else "distal"
_LONG_NAMES = {"ism_shuffle": "seq2track in-silico perturbation",
               "ism_background": "seq2track in-silico perturbation (background bases)",
               "grad_x_input": "seq2track gradient x input",
               "attention_mean": "seq2track attention (mean)", "attention_last_layer": "seq2track attention (last)",
               "attention_rollout": "seq2track attention rollout", "inverse_distance": "1 / distance",
               "accessibility": "accessibility", "abc": "ABC-like (accessibility / distance)"}


def cell_type_of(pairs: pd.DataFrame, default: str = "simulated") -> str:
    """The screen's cell type (EPCrisprBenchmark ``CellType``; the demo's table has none)."""
    kinds = pairs["CellType"].dropna().astype(str).unique() if "CellType" in pairs else []
    return kinds[0] if len(kinds) == 1 else default


def comparison_predictions(scored: pd.DataFrame, methods: list[str], cell_type: str) -> pd.DataFrame:
    """Pairs in reach as CRISPR_comparison predictions: coordinates, class, target, cell type, one column per
    method (named after it)."""
    reach = scored[scored["in_reach"]]
    distance = reach["distance_bp"].to_numpy()
    out = pd.DataFrame({"chr": reach["chrom"].to_numpy(), "start": reach["chromStart"].to_numpy(),
                        "end": reach["chromEnd"].to_numpy(), "name": reach["name"].astype(str).to_numpy(),
                        "class": np.where(distance <= PROMOTER_BP, "promoter", "distal"),
                        "TargetGene": reach["gene"].astype(str).to_numpy(),
                        "TargetGeneTSS": reach["startTSS"].to_numpy(), "CellType": cell_type,
                        "DistanceToTSS": distance})
    for method in methods:
        out[method] = reach[method].to_numpy(dtype=float)
    return out


def pred_config(methods: list[str]) -> pd.DataFrame:
    """The benchmark's pred_config rows: one predictor per method (its config.yml points each at the file)."""
    return pd.DataFrame({"pred_id": methods, "pred_col": methods, "boolean": "FALSE", "alpha": "NA",
                         "aggregate_function": "max", "fill_value": 0, "inverse_predictor": "FALSE",
                         "pred_name_long": [_LONG_NAMES.get(m, m) for m in methods], "color": "NA"})


def write_comparison_inputs(scored: pd.DataFrame, methods: list[str], cell_type: str,
                            predictions_path: str | os.PathLike, config_path: str | os.PathLike) -> None:
    with atomic_path(predictions_path, suffix=".tsv.gz") as tmp:
        comparison_predictions(scored, methods, cell_type).to_csv(tmp, sep="\t", index=False, na_rep="NA",
                                                                  compression="gzip")
    with atomic_path(config_path) as tmp:
        pred_config(methods).to_csv(tmp, sep="\t", index=False)
