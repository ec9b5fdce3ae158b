"""Enformer's relative positional attention (Avsec et al. 2021, after Transformer-XL).

Each head scores key j from query i with content (q_i + u) . k_j plus position (q_i + v) . r(j - i),
where r(d) is a learned projection of fixed basis functions of the signed distance d: exponential
decays, central masks and gamma densities (feature_size / 6 each), doubled with sign(d) * features.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

_N_COMPONENTS = 6  # three basis families, each plain and multiplied by sign(distance)


def _exponential(dist: torch.Tensor, n: int, seq_len: int, min_half_life: float = 3.0) -> torch.Tensor:
    max_range = math.log(seq_len) / math.log(2.0)
    half_life = 2 ** torch.linspace(min_half_life, max_range, n, device=dist.device)
    return torch.exp(-math.log(2.0) / half_life[None] * dist.abs()[..., None])


def _central_mask(dist: torch.Tensor, n: int, seq_len: int) -> torch.Tensor:
    widths = 2 ** torch.arange(1, n + 1, device=dist.device).float() - 1
    return (widths[None] > dist.abs()[..., None]).float()


def _gamma(dist: torch.Tensor, n: int, seq_len: int, eps: float = 1e-8) -> torch.Tensor:
    stddev = seq_len / (2 * n)
    mean = torch.linspace(seq_len / n, seq_len, n, device=dist.device)[None]
    concentration, rate = (mean / stddev) ** 2, mean / stddev ** 2
    x = dist.float().abs()[..., None]
    log_pdf = torch.xlogy(concentration - 1.0, x) - rate * x - (torch.lgamma(concentration)
                                                               - concentration * torch.log(rate))
    prob = torch.exp(log_pdf) + eps
    return prob / prob.amax(dim=-1, keepdim=True)


def relative_position_features(seq_len: int, feature_size: int, device=None) -> torch.Tensor:
    """Basis features (2 * seq_len - 1, feature_size) for distances -(seq_len - 1) ... seq_len - 1."""
    if feature_size % _N_COMPONENTS:
        raise ValueError(f"feature_size {feature_size} must be divisible by {_N_COMPONENTS}")
    dist = torch.arange(-seq_len + 1, seq_len, device=device)
    per = feature_size // _N_COMPONENTS
    feats = torch.cat([fn(dist, per, seq_len) for fn in (_exponential, _central_mask, _gamma)], dim=-1)
    return torch.cat([feats, torch.sign(dist)[..., None] * feats], dim=-1)


def relative_shift(x: torch.Tensor) -> torch.Tensor:
    """(..., N, 2N - 1) logits per distance -> (..., N, N) with out[i, j] = x[i, j - i + N - 1]."""
    *lead, n, m = x.shape
    x = torch.cat([torch.zeros_like(x[..., :1]), x], dim=-1)  # (..., N, 2N)
    x = x.reshape(*lead, m + 1, n)[..., 1:, :].reshape(*lead, n, m)
    return x[..., :(m + 1) // 2]


class RelativeMultiHeadAttention(nn.Module):
    """Multi-head attention with Enformer's relative positions; parameter shapes as in Enformer.

    q and k have ``key_dim`` per head, v ``dim / heads``. The forward passes content-with-bias
    queries and the relative logits as an additive bias to ``scaled_dot_product_attention``.
    """

    def __init__(self, dim: int, heads: int, key_dim: int, attention_dropout: float,
                 positional_dropout: float, rel_features: int = 0) -> None:
        super().__init__()
        self.heads, self.key_dim, self.attention_dropout = heads, key_dim, attention_dropout
        self.num_rel_features = rel_features or dim // heads   # Enformer: dim // heads
        self.to_q = nn.Linear(dim, key_dim * heads, bias=False)
        self.to_k = nn.Linear(dim, key_dim * heads, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        nn.init.zeros_(self.to_out.weight)
        nn.init.zeros_(self.to_out.bias)
        self.to_rel_k = nn.Linear(self.num_rel_features, key_dim * heads, bias=False)
        self.rel_content_bias = nn.Parameter(torch.randn(1, heads, 1, key_dim))
        self.rel_pos_bias = nn.Parameter(torch.randn(1, heads, 1, key_dim))
        self.pos_dropout = nn.Dropout(positional_dropout)
        self._features: dict[tuple, torch.Tensor] = {}

    def _rel_k(self, n: int, device, dtype) -> torch.Tensor:
        key = (n, device)
        if key not in self._features:  # fixed basis: depends only on the length
            self._features[key] = relative_position_features(n, self.num_rel_features, device)
        feats = self.pos_dropout(self._features[key].to(dtype))
        return rearrange(self.to_rel_k(feats), "m (h d) -> h m d", h=self.heads)  # (H, 2N - 1, Dk)

    def _project(self, x: torch.Tensor):
        q = rearrange(self.to_q(x), "b n (h d) -> b h n d", h=self.heads) * self.key_dim ** -0.5
        k = rearrange(self.to_k(x), "b n (h d) -> b h n d", h=self.heads)
        v = rearrange(self.to_v(x), "b n (h d) -> b h n d", h=self.heads)
        return q, k, v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self._project(x)
        rel_k = self._rel_k(x.shape[1], x.device, q.dtype)
        rel = relative_shift(torch.einsum("bhid,hmd->bhim", q + self.rel_pos_bias, rel_k))
        drop = self.attention_dropout if self.training else 0.0
        out = F.scaled_dot_product_attention(q + self.rel_content_bias, k, v, attn_mask=rel, dropout_p=drop,
                                             scale=1.0)
        return self.to_out(rearrange(out, "b h n d -> b n (h d)"))

    def forward_rows(self, x: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        """``forward``'s output (B, Q, D) at the chosen query positions only (in eval mode: no dropout)."""
        q, k, v = self._project(x)
        probs = self._row_probs(q, k, query_index)
        return self.to_out(rearrange(probs @ v, "b h n d -> b n (h d)"))

    def attention_probs(self, x: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        """Softmax attention rows (B, H, Q, N) for the chosen query positions only."""
        q, k, _ = self._project(x)
        return self._row_probs(q, k, query_index)

    def _row_probs(self, q: torch.Tensor, k: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        n = k.shape[2]
        q = q[:, :, query_index]
        rel_k = self._rel_k(n, k.device, q.dtype)
        # distance index of key j from query i: (j - i) + n - 1
        idx = torch.arange(n, device=k.device)[None, :] - query_index.to(k.device)[:, None] + n - 1  # (Q, N)
        rel_rows = torch.einsum("bhqd,hqkd->bhqk", q + self.rel_pos_bias, rel_k[:, idx])
        content = torch.einsum("bhqd,bhkd->bhqk", q + self.rel_content_bias, k)
        return (content + rel_rows).softmax(dim=-1)
