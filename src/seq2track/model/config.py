"""Typed model configuration with presets."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace

from seq2track.errors import ConfigError

POSITIONAL_MODES = ("rotary", "sinusoidal", "enformer", "none")
# attention options of our own attention module; positional "enformer" uses Enformer's, which has none of them
OWN_ATTENTION_OPTIONS = ("alibi", "attention_sink", "boundary_bias")
TOWER_SCHEDULES = ("geometric", "enformer")
OUTPUT_ACTIVATIONS = ("softplus", "exp")
NORMS = ("batch", "layer")


@dataclass(frozen=True)
class ModelConfig:
    """Hyperparameters of the Enformer-shaped model.

    The stem halves the length once and each tower block once more, so the output bin is
    ``2 ** (1 + num_tower_blocks)`` bp (128 bp with the default six blocks).
    """

    dim: int = 64                      # transformer width; the tower grows from dim // 2 to dim channels
    num_tower_blocks: int = 6          # conv blocks with attention pooling after the stem
    num_transformer_layers: int = 2
    num_heads: int = 4
    dropout: float = 0.1               # transformer feed-forward / attention-output dropout
    attention_dropout: float = 0.05
    stem_kernel_bp: int = 15
    tower_kernel: int = 5
    channel_divisor: int = 8           # tower channels rounded to a multiple of this (Enformer: 128)
    crop_bins: int = 64                # bins removed from each side before the heads
    num_tracks: int = 3
    positional: str = "rotary"         # rotary | sinusoidal | enformer (relative basis functions, as Enformer)
                                       # | none (no position signal but ALiBi's: needs alibi, as ALiBi's paper)
    key_dim: int = 0                   # query/key size per head; 0 = dim // num_heads (Enformer: 64)
    tower_schedule: str = "geometric"  # geometric | enformer (exponential_linspace_int of the paper's code)
    final_dropout: float = 0.05        # dropout before the final GELU (Enformer: dropout / 8)
    extra_heads: dict = field(default_factory=dict)  # more output heads {name: tracks}, e.g. {"mouse": 1643}
    head_name: str = "tracks"          # name of the primary head (Enformer: "human")
    positional_dropout: float = 0.0    # dropout on Enformer's relative position features (Enformer: 0.01)
    relative_features: int = 0         # positional 'enformer': basis features per distance, a multiple of 6
                                       # (three basis families, each plain and signed); 0 = dim // num_heads (Enformer)
    activation_checkpointing: bool = False  # recompute transformer blocks in backward (saves memory)
    output_activation: str = "exp"     # rates = exp(head) (Poisson log link) | softplus(head) (Enformer)
    norm: str = "batch"                # conv blocks: batch (Enformer) | layer (per position, over channels)
    pointwise_norm: str = ""           # the conv block before the heads: batch | layer; "" = as ``norm``
    alibi: bool = False                # ALiBi distance bias on the attention logits (rotary | sinusoidal | none)
    alibi_max_exponent: float = 8.0    # ALiBi head slopes 2 ** (-max_exponent * h / heads) per bin (paper: 8)
    boundary_bias: bool = False        # learned insulation on the attention logits (rotary | sinusoidal | none)
    attention_sink: bool = False       # a learned key with zero value per head (rotary | sinusoidal | none)

    def __post_init__(self) -> None:
        if self.positional not in POSITIONAL_MODES:
            raise ConfigError("model.positional", f"'{self.positional}' is not one of {POSITIONAL_MODES}",
                              "pick a supported positional mode")
        if self.tower_schedule not in TOWER_SCHEDULES:
            raise ConfigError("model.tower_schedule", f"'{self.tower_schedule}' is not one of {TOWER_SCHEDULES}",
                              "pick a supported schedule")
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ConfigError("model.output_activation", f"'{self.output_activation}' is not one of "
                              f"{OUTPUT_ACTIVATIONS}", "pick a supported output activation")
        for key, allowed in (("norm", NORMS), ("pointwise_norm", NORMS + ("",))):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"model.{key}", f"'{getattr(self, key)}' is not one of {NORMS}",
                                  "pick a supported norm")
        if self.dim % self.num_heads or (self.dim // self.num_heads) % 2:
            raise ConfigError("model.dim", f"dim {self.dim} must split into {self.num_heads} heads of even size",
                              "change dim or num_heads")
        for key in OWN_ATTENTION_OPTIONS:
            if getattr(self, key) and self.positional == "enformer":
                raise ConfigError(f"model.{key}", "is not available with positional 'enformer' (its own attention "
                                  "module)", "use positional rotary, sinusoidal or none")
        if self.positional == "none" and not self.alibi:
            raise ConfigError("model.positional", "'none' leaves attention blind to distance without ALiBi",
                              "set alibi: true, or pick rotary or sinusoidal")
        if self.positional == "enformer" and self.rel_features % 6:
            key = "relative_features" if self.relative_features else "dim"
            raise ConfigError(f"model.{key}", f"positional 'enformer' needs a multiple of 6 relative features "
                              f"(got {self.rel_features})", "set relative_features to one, e.g. 24, or change "
                              "dim / num_heads")

    @property
    def rel_features(self) -> int:
        """Enformer's relative basis features per distance: ``relative_features``, or dim // num_heads."""
        return self.relative_features or self.dim // self.num_heads

    @property
    def bin_size_bp(self) -> int:
        return 2 ** (1 + self.num_tower_blocks)

    @property
    def tower_radius_bp(self) -> int:
        """Bases on either side of a bin that its convolutional features depend on: the stem's kernel at
        1 bp, then each tower block's kernel at that block's input resolution (2, 4, ... bp per position)."""
        return self.stem_kernel_bp // 2 + sum(self.tower_kernel // 2 * 2 ** (i + 1)
                                               for i in range(self.num_tower_blocks))

    @property
    def head_dim(self) -> int:
        return self.dim // self.num_heads

    @property
    def qk_dim(self) -> int:
        """Query/key size per head."""
        return self.key_dim or self.head_dim

    def tower_channels(self) -> list[int]:
        """Channels of the stem and after each tower block, growing to ``dim``.

        ``enformer``: the stem's dim / 2, then dim / 2 ... dim spaced exponentially over the blocks and
        rounded to ``channel_divisor`` (Enformer: 768, 768, 896, 1024, 1152, 1280, 1536 at dim 1536).
        """
        start, n = self.dim // 2, self.num_tower_blocks
        if self.tower_schedule == "enformer":
            base = math.exp(math.log(self.dim / start) / (n - 1)) if n > 1 else 1.0
            return [start] + [int(round(start * base ** i / self.channel_divisor) * self.channel_divisor)
                              for i in range(n)]
        growth = (self.dim / start) ** (1 / n) if n else 1.0
        chans = [start] + [int(round(start * growth ** (i + 1) / self.channel_divisor) * self.channel_divisor)
                           for i in range(n)]
        chans[-1] = self.dim
        return chans

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS: dict[str, dict] = {
    # unit and workflow tests: seconds on a CPU
    "tiny": dict(dim=32, num_transformer_layers=1, num_heads=2, crop_bins=16, channel_divisor=4,
                 attention_dropout=0.0),
    # the embedded demo: minutes on a laptop CPU. No attention dropout: on CPU it forces the
    # unfused attention path and its random mask alone cost ~14% of a training step. No dropout at all:
    # with the exp output and batch-1 training, the model learned to predict CAGE-like peaks through
    # dropout noise, and without it (evaluation) predicted them 2-6x too high (README: training recipe).
    # LayerNorm before the heads: BatchNorm there, in training mode on batch-1 windows, scaled each window's
    # TSS features by that window's own statistics, and 2 seeds of 5 never learned the enhancers (README).
    # ALiBi's distance bias on the attention logits: in-silico perturbation auPRC 0.53-0.57 on seeds 1, 2, 5
    # (without: 0.31-0.52), effects on the right side for 47-52 of 52 regulated pairs, ~20% more per CPU step.
    # Four transformer layers, not two or three: perturbation auPRC above ABC-like on every seed of 1-5 (mean
    # 0.631 with the CAGE-like soft clip at 384 then; three layers 0.611 with two seeds below ABC-like; two
    # 0.560), ~6% more per CPU step than three (README: training recipe).
    # No position signal but ALiBi's distance bias (positional none, as ALiBi's paper): perturbation auPRC
    # 0.749-0.788 on seeds 1-5 at 7 epochs (absolute sinusoidal 0.760-0.784, rotary 0.725-0.763; the demo's 6
    # epochs: 0.744-0.780), 0.817-0.821 on bench/configs/boundary.yaml seeds 1-3 (sinusoidal 0.785-0.801);
    # effects reach 2-3x farther at 20-50 kb than with rotary, and unlike sinusoidal a bin's prediction does
    # not depend on its place in the window (no seams where predicted windows meet: bench/shift_dependence.py);
    # same step cost (README: results).
    "demo": dict(dim=64, num_transformer_layers=4, num_heads=4, crop_bins=64, attention_dropout=0.0, dropout=0.0,
                 final_dropout=0.0, pointwise_norm="layer", alibi=True, positional="none"),
    # a real but modest model for a single GPU
    "small": dict(dim=384, num_transformer_layers=4, num_heads=8, crop_bins=64, channel_divisor=32),
    # the published Enformer (Avsec et al. 2021): 196,608 bp in, 896 bins out, human + mouse heads;
    # 251,221,292 parameters, the same function as enformer-pytorch given the same weights
    "enformer": dict(dim=1536, num_transformer_layers=11, num_heads=8, key_dim=64, crop_bins=320,
                     channel_divisor=128, tower_schedule="enformer", positional="enformer", dropout=0.4,
                     attention_dropout=0.05, positional_dropout=0.01, final_dropout=0.05, num_tracks=5313,
                     head_name="human", extra_heads={"mouse": 1643}, output_activation="softplus"),
}


def model_config_from(preset: str, overrides: dict | None = None, **fixed) -> ModelConfig:
    """Build a config from a preset name, user overrides and values fixed by the data (e.g. num_tracks)."""
    if preset not in PRESETS:
        raise ConfigError("model.preset", f"unknown preset '{preset}'", f"use one of {sorted(PRESETS)}")
    known = {f.name for f in fields(ModelConfig)}
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError("model.overrides", f"unknown keys {unknown}", f"use keys of ModelConfig: {sorted(known)}")
    return replace(ModelConfig(), **{**PRESETS[preset], **overrides, **fixed})
