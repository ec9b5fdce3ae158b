"""Typed model configuration with presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from seq2track.errors import ConfigError

POSITIONAL_MODES = ("rotary", "sinusoidal")


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
    positional: str = "rotary"         # rotary | sinusoidal

    def __post_init__(self) -> None:
        if self.positional not in POSITIONAL_MODES:
            raise ConfigError("model.positional", f"'{self.positional}' is not one of {POSITIONAL_MODES}",
                              "pick a supported positional mode")
        if self.dim % self.num_heads or (self.dim // self.num_heads) % 2:
            raise ConfigError("model.dim", f"dim {self.dim} must split into {self.num_heads} heads of even size",
                              "change dim or num_heads")

    @property
    def bin_size_bp(self) -> int:
        return 2 ** (1 + self.num_tower_blocks)

    @property
    def head_dim(self) -> int:
        return self.dim // self.num_heads

    def tower_channels(self) -> list[int]:
        """Channels of the stem and after each tower block, growing geometrically to ``dim``."""
        start, n = self.dim // 2, self.num_tower_blocks
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
    # unfused attention path and its random mask alone cost ~14% of a training step.
    "demo": dict(dim=64, num_transformer_layers=2, num_heads=4, crop_bins=64, attention_dropout=0.0),
    # a real but modest model for a single GPU
    "small": dict(dim=384, num_transformer_layers=4, num_heads=8, crop_bins=64, channel_divisor=32),
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
