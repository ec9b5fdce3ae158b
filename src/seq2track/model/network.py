"""The Enformer-shaped model: stem -> conv tower -> transformer -> crop -> pointwise -> softplus head.

Contract: one-hot (B, L, 4) float -> (B, L / bin - 2 * crop, tracks) non-negative rates per bin.
Rates are exp(head) (the Poisson log link; tiny/demo/small) or softplus(head) (Enformer, ``enformer``):
under softplus a rate of 40 needs a logit of 40, which Adam reaches only after hundreds of steps, so
sparse high peaks (CAGE at a TSS) stayed flat for whole demo runs; under exp it needs a logit of 3.7.
The transformer runs on the uncropped grid of L / bin positions; output bin j is grid index j + crop.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn
from torch.utils.checkpoint import checkpoint

from seq2track.model.config import ModelConfig
from seq2track.model.layers import (GELU, AttentionPool, MultiHeadAttention, Residual, TransformerBlock, conv_block,
                                    sinusoidal_embedding)
from seq2track.model.relative import RelativeMultiHeadAttention

HEAD_MODULES = ("head", "extra_heads")  # the output heads; every other child module is the trunk
MAX_LOG_RATE = 30.0  # exp output: logits clamped here (e^30 ~ 1e13) so a bad step cannot overflow


def one_hot_codes(codes: torch.Tensor) -> torch.Tensor:
    """uint8 codes (..., L) (A C G T N = 0..4) -> float32 one-hot (..., L, 4) on the codes' device; N is
    all zeros. Loaders ship codes (1 byte per base, 16x less than one-hot to copy, pin and transfer)."""
    table = torch.eye(5, 4, dtype=torch.float32, device=codes.device)
    return table[codes.long()]


def is_head(name: str) -> bool:
    """True for a parameter, buffer or child name that belongs to an output head."""
    return name.split(".", 1)[0] in HEAD_MODULES


def _stem(cfg: ModelConfig, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv1d(4, c_out, cfg.stem_kernel_bp, padding=cfg.stem_kernel_bp // 2),
                         Residual(conv_block(c_out, c_out, 1, cfg.norm)), AttentionPool(c_out))


def _tower(cfg: ModelConfig, channels: list[int]) -> nn.Sequential:
    blocks = []
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        blocks.append(nn.Sequential(conv_block(c_in, c_out, cfg.tower_kernel, cfg.norm),
                                    Residual(conv_block(c_out, c_out, 1, cfg.norm)), AttentionPool(c_out)))
    return nn.Sequential(*blocks)


def _attention(cfg: ModelConfig) -> nn.Module:
    if cfg.positional == "enformer":
        return RelativeMultiHeadAttention(cfg.dim, cfg.num_heads, cfg.qk_dim, cfg.attention_dropout,
                                          cfg.positional_dropout, cfg.rel_features)
    if cfg.key_dim and cfg.key_dim != cfg.head_dim:
        raise ValueError("key_dim other than dim / num_heads is only supported with positional 'enformer'")
    return MultiHeadAttention(cfg.dim, cfg.num_heads, cfg.attention_dropout, cfg.positional == "rotary", cfg.alibi,
                              cfg.attention_sink, cfg.alibi_max_exponent, cfg.boundary_bias)


class Seq2Track(nn.Module):
    """Sequence -> binned tracks. Separate methods give embeddings and attention rows."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        channels = cfg.tower_channels()
        self.stem = _stem(cfg, channels[0])
        self.tower = _tower(cfg, channels)
        self.transformer = nn.ModuleList(TransformerBlock(cfg.dim, cfg.dropout, _attention(cfg))
                                         for _ in range(cfg.num_transformer_layers))
        self.pointwise = nn.Sequential(conv_block(cfg.dim, 2 * cfg.dim, 1, cfg.pointwise_norm or cfg.norm),
                                       nn.Dropout(cfg.final_dropout), GELU())
        self.head = nn.Linear(2 * cfg.dim, cfg.num_tracks)
        self.extra_heads = nn.ModuleDict({name: nn.Linear(2 * cfg.dim, n) for name, n in cfg.extra_heads.items()})
        self.trunk_frozen = False

    def _rates(self, head: nn.Linear, h: torch.Tensor) -> torch.Tensor:
        """An output head on embeddings ``h`` -> non-negative rates through ``cfg.output_activation``.

        The head runs in fp32 even under bf16 autocast: a bf16 logit carries ~3 significant digits, so at the
        demo's log-rates of ~5 the exp output would be off by up to ~2%, the size of a weak enhancer's effect."""
        with torch.autocast(h.device.type, enabled=False):
            logits = head(h.to(head.weight.dtype))
        if self.cfg.output_activation == "exp":
            return torch.exp(logits.clamp(max=MAX_LOG_RATE))
        return F.softplus(logits)

    @torch.no_grad()
    def init_head_bias(self, track_means: torch.Tensor) -> None:
        """Start the primary head at each track's mean rate: bias = activation^-1(mean), per track.

        Why (measured on the demo, see ``seq2track.train``): with a zero bias an untrained model predicts
        ~softplus(0) = 0.69 everywhere, and reaching targets that average 4-10 per bin took the optimiser
        ~100 steps of inflating trunk activations (Adam moves a bias by ~lr per step) before any sequence
        feature was learned.
        """
        means = torch.as_tensor(track_means, dtype=torch.float64).clamp_min(1e-4)
        if means.shape != self.head.bias.shape:
            raise ValueError(f"track means of shape {tuple(means.shape)} for a head of "
                             f"{tuple(self.head.bias.shape)} tracks")
        if self.cfg.output_activation == "exp":
            inverse = torch.log(means)
        else:
            inverse = means + torch.log(-torch.expm1(-means))   # log(exp(m) - 1), stable for large m
        self.head.bias.copy_(inverse.to(self.head.bias.dtype))

    def freeze_trunk(self) -> None:
        """Train only the heads: trunk weights get no gradients, and the trunk stays in eval mode
        (BatchNorm keeps the pretrained running statistics, no dropout) even under ``train()``."""
        self.trunk_frozen = True
        for name, param in self.named_parameters():
            param.requires_grad_(is_head(name))
        self.train(self.training)

    def train(self, mode: bool = True) -> "Seq2Track":
        super().train(mode)
        if self.trunk_frozen:
            for name, child in self.named_children():
                if not is_head(name):
                    child.eval()
        return self

    def tower_features(self, x: torch.Tensor) -> torch.Tensor:
        """One-hot (B, L, 4), or uint8 codes (B, L), -> convolutional features (B, D, L / bin). Each bin
        depends only on its own bases and ``cfg.tower_radius_bp`` on either side (no transformer yet)."""
        if x.dtype == torch.uint8:
            x = one_hot_codes(x)
        return self.tower(self.stem(rearrange(x, "b l c -> b c l")))

    def _grid(self, x: torch.Tensor) -> torch.Tensor:
        """One-hot (B, L, 4), or uint8 codes (B, L), -> transformer input (B, N, D) on the uncropped grid."""
        return self._transformer_input(self.tower_features(x))

    def _transformer_input(self, features: torch.Tensor) -> torch.Tensor:
        h = rearrange(features, "b d n -> b n d")
        if self.cfg.positional == "sinusoidal":
            h = h + sinusoidal_embedding(h.shape[1], h.shape[2], h.device).to(h.dtype)
        return h

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        """Transformer output (B, N, D) -> cropped embeddings (B, N - 2 crop, 2D)."""
        c = self.cfg.crop_bins
        return self._pointwise_bins(h[:, c:h.shape[1] - c])

    def _pointwise_bins(self, h: torch.Tensor) -> torch.Tensor:
        """(B, n, D) -> (B, n, 2D): the pointwise block before the heads, bin by bin (in eval mode)."""
        return rearrange(self.pointwise(rearrange(h, "b n d -> b d n")), "b d n -> b n d")

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """Per-bin embeddings (B, out_bins, 2 * dim)."""
        return self._embed_grid(self._grid(x))

    def _embed_grid(self, h: torch.Tensor) -> torch.Tensor:
        recompute = self.cfg.activation_checkpointing and self.training and torch.is_grad_enabled()
        for block in self.transformer:
            h = checkpoint(block, h, use_reentrant=False) if recompute else block(h)
        return self._head(h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One-hot (B, L, 4) or uint8 codes (B, L) -> predicted rates of the primary head (B, out_bins, tracks)."""
        return self._rates(self.head, self.embed(x))

    def forward_from_tower(self, features: torch.Tensor, out_bins: list[int] | None = None) -> torch.Tensor:
        """``forward`` from ``tower_features`` (B, D, N): the transformer and heads only (in-silico
        perturbation reruns the tower only around the changed bases, ``interpret.perturbation``).

        With ``out_bins`` (output-bin indices; eval mode), only those bins (B, len(out_bins), tracks): after the
        last attention nothing mixes bins, so the last block computes only their queries and feed-forward, and
        the pointwise head only their bins. The same numbers as ``forward(...)[:, out_bins]``."""
        h = self._transformer_input(features)
        if out_bins is None:
            return self._rates(self.head, self._embed_grid(h))
        if self.training:
            raise ValueError("forward_from_tower(out_bins=...) is for eval mode (batch statistics mix bins)")
        rows = torch.as_tensor(out_bins, device=h.device) + self.cfg.crop_bins
        for block in self.transformer[:-1]:
            h = block(h)
        h = self.transformer[-1].forward_rows(h, rows) if len(self.transformer) else h[:, rows]
        return self._rates(self.head, self._pointwise_bins(h))

    def forward_heads(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Rates of every head {name: (B, out_bins, tracks)} from one trunk pass (e.g. human and mouse)."""
        e = self.embed(x)
        heads = {self.cfg.head_name: self.head, **self.extra_heads}
        return {name: self._rates(head, e) for name, head in heads.items()}

    def attention_rows(self, x: torch.Tensor, query_bins: torch.Tensor) -> torch.Tensor:
        """Attention of the given grid positions over all keys: (B, layers, heads, Q, N).

        ``query_bins`` index the uncropped grid (output bin j is grid index j + crop_bins).
        Rows are recomputed explicitly, so the ordinary forward keeps its fused kernel.
        """
        h = self._grid(x)
        rows = []
        for block in self.transformer:
            rows.append(block.attention_probs(h, query_bins))
            h = block(h)
        return torch.stack(rows, dim=1)
