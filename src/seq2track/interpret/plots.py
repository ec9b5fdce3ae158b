"""Figures for the enhancer scoring."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402
from sklearn.metrics import precision_recall_curve  # noqa: E402

from seq2track.interpret.enhancers import fraction_lost  # noqa: E402
from seq2track.io.atomic import atomic_path  # noqa: E402


def _save(fig, out_png: str | os.PathLike) -> None:
    fig.tight_layout()
    with atomic_path(out_png, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def plot_attention_vs_distance(scored: pd.DataFrame, summary: pd.DataFrame, score: str,
                               out_png: str | os.PathLike) -> None:
    """Scatter of one model score against distance; regulated pairs in red; overall auPRCs in the title."""
    reach = scored[scored["in_reach"]]
    fig, ax = plt.subplots(figsize=(6, 4))
    for regulated, colour, label in ((False, "0.6", "not regulated"), (True, "C3", "regulated")):
        part = reach[reach["Regulated"] == regulated]
        ax.scatter(part["distance_bp"] / 1e3, part[score], s=12, c=colour, label=label)
    ax.set_xlabel("distance to TSS (kb)")
    ax.set_ylabel(f"{score} (element / window mean)")
    if (reach[score] > 0).any():
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no enhancer-gene pairs in reach" if reach.empty else "no positive scores",
                transform=ax.transAxes, ha="center")
    overall = summary[(summary["distance_bin"] == "all") & (summary["stratum"] == "all")]
    ax.set_title(", ".join(f"{r.method} {r.auprc:.2f}" for r in overall.itertuples()) + " (auPRC)", fontsize=7)
    if not reach.empty:
        ax.legend(frameon=False)
    _save(fig, out_png)


def plot_pr_curves(scored: pd.DataFrame, methods: list[str], out_png: str | os.PathLike) -> None:
    """Precision-recall curves of every method over the pairs in reach, with the positive rate; beside them,
    when the pairs carry an ``EffectSize`` and the perturbation score was computed, the predicted effect of
    shuffling each element against its true (simulated or measured) effect."""
    reach = scored[scored["in_reach"]]
    labels = reach["Regulated"].to_numpy(dtype=bool)
    effects = "ism_shuffle" in reach and "EffectSize" in reach
    fig, axes = plt.subplots(1, 2 if effects else 1, figsize=(10 if effects else 5, 4.5), squeeze=False)
    ax = axes[0, 0]
    if labels.any() and not labels.all():
        for method in methods:
            precision, recall, _ = precision_recall_curve(labels, reach[method].to_numpy(dtype=float))
            ax.plot(recall, precision, lw=1.2, label=method, ls="--" if method in ("inverse_distance",
                                                                                  "accessibility", "abc") else "-")
        ax.axhline(labels.mean(), color="0.5", lw=0.8, label="positive rate")
        ax.legend(frameon=False, fontsize=7)
    else:
        ax.text(0.5, 0.5, "no pairs in reach" if reach.empty else "one class only", transform=ax.transAxes,
                ha="center")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0, 1.02)
    if effects:
        plot_perturbation_vs_effect(axes[0, 1], reach)
    _save(fig, out_png)


def plot_perturbation_vs_effect(ax, reach: pd.DataFrame) -> None:
    """Per pair in reach: % of the gene's output lost on removing the element (-EffectSize) against the %
    of the predicted TSS value lost on shuffling it (1 - 2 ** -ism_shuffle); regulated pairs in red."""
    true = -reach["EffectSize"].to_numpy(dtype=float) * 100
    pred = fraction_lost(reach["ism_shuffle"].to_numpy(dtype=float)) * 100
    ok = np.isfinite(true) & np.isfinite(pred)
    regulated = reach["Regulated"].to_numpy(dtype=bool)
    for chosen, colour, label in ((~regulated, "0.6", "not regulated"), (regulated, "crimson", "regulated")):
        ax.scatter(true[ok & chosen], pred[ok & chosen], s=8, c=colour, label=label, lw=0)
    ax.axhline(0, color="0.5", lw=0.6)
    rho = spearmanr(true[ok], pred[ok])[0] if ok.sum() > 2 else np.nan
    ax.set_title(f"in-silico perturbation vs true effect: Spearman {rho:.2f} ({int(ok.sum())} pairs)", fontsize=8)
    ax.set_xlabel("true effect of removing the element (% of the gene's output)")
    ax.set_ylabel("predicted effect of shuffling it (% at the TSS)")
    if ok.any():
        ax.legend(frameon=False, fontsize=7)


def plot_gene_locus(gene: str, window_start0: int, spec, tracks: list[str], observed, predicted, attention,
                    contributions, pairs: pd.DataFrame, tss: int, out_png: str | os.PathLike) -> None:
    """One gene's window: observed vs predicted tracks (output bins), TSS attention (grid bins),
    |gradient x input| (pooled to bins) and the candidate enhancers (red: regulated).

    observed/predicted: (out_bins, T); attention: (n_bins,); contributions: (L,) per base.
    """
    import numpy as np

    kb = lambda pos: np.asarray(pos) / 1e3  # noqa: E731
    out_x = kb(window_start0 + spec.crop_bp + spec.bin_size_bp * (np.arange(observed.shape[0]) + 0.5))
    grid_x = kb(window_start0 + spec.bin_size_bp * (np.arange(spec.n_bins) + 0.5))
    pooled = np.abs(contributions).reshape(spec.n_bins, spec.bin_size_bp).sum(axis=1)
    n = len(tracks) + 3
    fig, axes = plt.subplots(n, 1, figsize=(10, 1.3 * n), sharex=True)
    for t, ax in enumerate(axes[:len(tracks)]):
        ax.fill_between(out_x, observed[:, t], step="mid", color="0.6")
        ax.plot(out_x, predicted[:, t], color="C3", lw=1)
        ax.set_ylabel(tracks[t], fontsize=8)
    axes[len(tracks)].plot(grid_x, attention, color="C0", lw=1)
    axes[len(tracks)].set_ylabel("attention", fontsize=8)
    axes[len(tracks) + 1].plot(grid_x, pooled, color="C2", lw=1)
    axes[len(tracks) + 1].set_ylabel("|grad x input|", fontsize=8)
    ax = axes[-1]
    for p in pairs.itertuples():
        ax.axvspan(kb(p.chromStart), kb(p.chromEnd), color="C3" if p.Regulated else "0.7", lw=2)
    ax.axvline(kb(tss), color="k", lw=1)
    ax.set_yticks([])
    ax.set_ylabel("enhancers", fontsize=8)
    for a in axes:
        a.axvline(kb(tss), color="k", lw=0.5, ls=":")
    axes[0].set_title(f"{gene}: observed (grey), predicted (red); TSS dotted; regulated enhancers red", fontsize=9)
    axes[-1].set_xlabel("position (kb)")
    _save(fig, out_png)
