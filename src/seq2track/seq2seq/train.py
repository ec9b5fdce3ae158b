"""Train the translator, decode held-out sequences greedily, and score them (metrics.json, figures)."""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from seq2track.io.atomic import atomic_path, write_text_atomic
from seq2track.seq2seq.code import DEGENERACY
from seq2track.seq2seq.data import DNA, PAD, PROTEIN, batch, make_pairs, read_cds_fasta
from seq2track.seq2seq.model import Seq2SeqConfig, Seq2SeqTransformer


@dataclass
class TranslateConfig:
    seed: int = 1
    train_sequences: int = 20000
    train_codons: tuple[int, int] = (10, 110)     # training lengths (codons incl. start and stop)
    curriculum_codons: int = 20                   # longest training CDS at step 0; grows linearly to the
    curriculum_steps: int = 900                   # longest of train_codons over this many steps (0 = off)
    curriculum_window: int = 60                   # a batch's lengths lie within this many codons of the longest
    test_sequences: int = 500
    test_codons: tuple[int, int] = (30, 100)      # the held-out set of the acceptance figures
    long_test_sequences: int = 20
    long_test_codons: tuple[int, int] = (111, 200)  # reported separately: longer than anything trained on
    cds_fasta: str | None = None                  # real CDS instead of the generator (split 90/10 by seed)
    model: dict = field(default_factory=dict)     # Seq2SeqConfig fields
    batch_size: int = 32
    steps: int = 1700
    learning_rate: float = 2e-3
    warmup_steps: int = 200
    label_smoothing: float = 0.1
    num_threads: int = 0                          # 0 = torch's default


def translate_config_from(section: dict) -> TranslateConfig:
    """The config's ``translate`` section as a TranslateConfig (lists to tuples; unknown keys named)."""
    from dataclasses import fields

    from seq2track.errors import ConfigError

    known = {f.name for f in fields(TranslateConfig)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"translate.{unknown[0]}", "is not a translate setting", f"use one of {sorted(known)}")
    return TranslateConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in section.items()})


def load_translator(path: str | Path) -> Seq2SeqTransformer:
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = Seq2SeqTransformer(Seq2SeqConfig(**state["config"]))
    model.load_state_dict(state["state_dict"])
    return model.eval()


def _datasets(cfg: TranslateConfig) -> tuple[list, list, list]:
    if cfg.cds_fasta:
        pairs = read_cds_fasta(cfg.cds_fasta, max(cfg.long_test_codons))
        order = np.random.default_rng(cfg.seed).permutation(len(pairs))
        n_test = max(1, len(pairs) // 10)
        test = [pairs[i] for i in order[:n_test]]
        return ([pairs[i] for i in order[n_test:]], [p for p in test if len(p[0]) // 3 <= max(cfg.test_codons)],
                [p for p in test if len(p[0]) // 3 > max(cfg.test_codons)])
    train = make_pairs(cfg.train_sequences, cfg.train_codons, cfg.seed)
    seen = {c for c, _ in train}  # held out: no test CDS occurs in training
    test = [p for p in make_pairs(cfg.test_sequences, cfg.test_codons, cfg.seed + 10_000) if p[0] not in seen]
    long = make_pairs(cfg.long_test_sequences, cfg.long_test_codons, cfg.seed + 20_000)
    return train, test, long


def _lr(step: int, cfg: TranslateConfig) -> float:
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    t = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
    return cfg.learning_rate * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


def _longest(step: int, cfg: TranslateConfig) -> int:
    """Curriculum: the longest CDS (codons) a batch may hold at ``step``. Short sequences first: with ~50
    source positions the cross-attention finds the codon alignment within a few hundred steps; started at
    100 codons it stayed at the unigram loss for 600 steps (measured, see README)."""
    top = cfg.train_codons[1]
    if not cfg.curriculum_steps or step >= cfg.curriculum_steps:
        return top
    return int(cfg.curriculum_codons + (top - cfg.curriculum_codons) * step / cfg.curriculum_steps)


LOG = logging.getLogger(__name__)


def train_translator(cfg: TranslateConfig, log=LOG.info, train: list | None = None
                     ) -> tuple[Seq2SeqTransformer, list[dict]]:
    torch.manual_seed(cfg.seed)
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    if train is None:
        train = _datasets(cfg)[0]
    model = Seq2SeqTransformer(Seq2SeqConfig(DNA.size, PROTEIN.size, **cfg.model))
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=0.01)
    rng, history, start = np.random.default_rng(cfg.seed), [], time.perf_counter()
    train = sorted(train, key=lambda p: len(p[0]))  # a batch = a random run of neighbours: similar lengths
    codons = np.array([len(c) // 3 for c, _ in train])
    for step in range(cfg.steps):
        top = _longest(step, cfg)
        first = int(np.searchsorted(codons, top - cfg.curriculum_window, side="left"))
        n = int(np.searchsorted(codons, top, side="right"))
        lo = int(rng.integers(first, max(first + 1, n - cfg.batch_size + 1)))
        pairs = train[lo:lo + cfg.batch_size]
        src, t_in, t_out = batch(pairs)
        for g in opt.param_groups:
            g["lr"] = _lr(step, cfg)
        logits = model(src, t_in)
        loss = F.cross_entropy(logits.flatten(0, 1), t_out.flatten(), ignore_index=PAD,
                               label_smoothing=cfg.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (step + 1) % 100 == 0 or step + 1 == cfg.steps:
            mask = t_out != PAD
            acc = float((logits.argmax(-1)[mask] == t_out[mask]).float().mean())
            history.append({"step": step + 1, "max_codons": _longest(step, cfg), "loss": round(loss.item(), 4),
                            "token_accuracy": round(acc, 4), "seconds": round(time.perf_counter() - start, 1)})
            log(json.dumps(history[-1]))
    return model, history


def decode_all(model: Seq2SeqTransformer, pairs: list, batch_size: int = 64) -> list[str]:
    model.eval()
    out = []
    for lo in range(0, len(pairs), batch_size):
        chunk = pairs[lo:lo + batch_size]
        src, _, _ = batch(chunk)
        ids = model.greedy_decode(src, max_len=max(len(p) for _, p in chunk) + 5)
        out += [PROTEIN.decode(row) for row in ids]
    return out


def score(truth: list[str], predicted: list[str]) -> dict:
    """Residue accuracy (position by position over the true length; a missing residue is wrong), exact match,
    accuracy per amino acid and by codon degeneracy class."""
    hits, per_aa, per_class = [], {}, {}
    for t, p in zip(truth, predicted):
        for i, a in enumerate(t):
            ok = i < len(p) and p[i] == a
            hits.append(ok)
            per_aa.setdefault(a, []).append(ok)
            per_class.setdefault(DEGENERACY[a], []).append(ok)
    return {"residue_accuracy": float(np.mean(hits)),
            "exact_match": float(np.mean([t == p for t, p in zip(truth, predicted)])),
            "length_match": float(np.mean([len(t) == len(p) for t, p in zip(truth, predicted)])),
            "n_sequences": len(truth), "n_residues": len(hits),
            "per_residue_accuracy": {a: float(np.mean(v)) for a, v in sorted(per_aa.items())},
            "accuracy_by_degeneracy": {f"{k}-fold": float(np.mean(v)) for k, v in sorted(per_class.items())}}


def codon_alignment(model: Seq2SeqTransformer, pairs: list) -> tuple[float, np.ndarray]:
    """Fraction of decoder positions whose cross-attention (last block, mean over heads) peaks inside the
    codon that encodes the residue being predicted; and the map of the first pair (T x S)."""
    src, t_in, t_out = batch(pairs)
    att = model.cross_attention(src, t_in).mean(1)  # (B, T, S)
    hits = []
    for b, (_, protein) in enumerate(pairs):
        peak = att[b, :len(protein)].argmax(-1).numpy()
        hits += list(peak // 3 == np.arange(len(protein)))
    cds, protein = pairs[0]
    return float(np.mean(hits)), att[0, :len(protein) + 1, :len(cds)].numpy()


def plot_alignment(att: np.ndarray, path: str | Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 10 * att.shape[0] / att.shape[1] + 1.2))
    ax.imshow(att, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_xlabel("nucleotide position (encoder)")
    ax.set_ylabel("protein position (decoder)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def run_translate(cfg: TranslateConfig, out_dir: str | Path, log=LOG.info) -> dict:
    """Train, decode the held-out sets, write metrics.json, history.tsv, cross_attention.png and model.pt."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    train, test, long = _datasets(cfg)  # made once: the generator is seeded, so this is what training sees
    model, history = train_translator(cfg, log, train)
    train_s = time.perf_counter() - start
    metrics = score([p for _, p in test], decode_all(model, test))
    if long:
        metrics["longer_than_training"] = {k: v for k, v in score([p for _, p in long], decode_all(model, long)
                                                                  ).items() if not isinstance(v, dict)}
    aligned, att = codon_alignment(model, test[:64])
    metrics.update(codon_aligned_attention=aligned, train_seconds=round(train_s, 1),
                   total_seconds=round(time.perf_counter() - start, 1), config=asdict(cfg),
                   parameters=sum(p.numel() for p in model.parameters()))
    plot_alignment(att, out / "cross_attention.png",
                   f"cross-attention, last decoder block, mean of heads; one held-out CDS of {att.shape[1]} nt "
                   f"({aligned:.0%} of positions peak in their own codon)")
    with atomic_path(out / "model.pt", suffix=".pt") as tmp:
        torch.save({"config": model.cfg.to_dict(), "state_dict": model.state_dict()}, tmp)
    write_text_atomic(out / "history.tsv", "\t".join(history[0]) + "\n" + "".join(
        "\t".join(str(v) for v in h.values()) + "\n" for h in history))
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    return metrics
