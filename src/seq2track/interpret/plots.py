"""Figures for the enhancer scoring."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from seq2track.io.atomic import atomic_path  # noqa: E402


def plot_attention_vs_distance(scored: pd.DataFrame, summary: pd.DataFrame, out_png: str | os.PathLike) -> None:
    """Scatter of attention score against distance; regulated pairs in red; metrics in the title."""
    reach = scored[scored["in_reach"]]
    fig, ax = plt.subplots(figsize=(6, 4))
    for regulated, colour, label in ((False, "0.6", "not regulated"), (True, "C3", "regulated")):
        part = reach[reach["Regulated"] == regulated]
        ax.scatter(part["distanceToTSS"] / 1e3, part["attention"], s=12, c=colour, label=label)
    ax.set_xlabel("distance to TSS (kb)")
    ax.set_ylabel("mean attention from TSS")
    ax.set_yscale("log")
    title = ", ".join(f"{r.method} auPRC {r.auprc:.2f}" for r in summary.itertuples())
    ax.set_title(title, fontsize=9)
    ax.legend(frameon=False)
    fig.tight_layout()
    with atomic_path(out_png, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
