"""Building blocks. Convolutional tensors are (B, C, L); transformer tensors are (B, N, D)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn
from torch.autograd.function import once_differentiable


class _SigmoidGELU(torch.autograd.Function):
    """sigmoid(1.702 x) * x with a hand-written backward: 3 passes over memory instead of autograd's 5.

    d/dx = s + 1.702 x s (1 - s) with s = sigmoid(1.702 x). The conv tower applies this to every
    position at full resolution, where these elementwise passes are a visible share of a CPU step.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        s = x.mul(1.702).sigmoid_()
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        x, s = ctx.saved_tensors
        t = torch.addcmul(x, s, x, value=-1.0)          # x (1 - s)
        torch.addcmul(s, t, s, value=1.702, out=t)      # s + 1.702 x s (1 - s)
        return t.mul_(grad)


class GELU(nn.Module):
    """Enformer's GELU approximation: sigmoid(1.702 x) * x."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SigmoidGELU.apply(x)


class Residual(nn.Module):
    def __init__(self, fn: nn.Module) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.fn(x)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of each position of (B, C, L): no statistics across positions or windows."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class PointwiseConv1d(nn.Conv1d):
    """``nn.Conv1d(c_in, c_out, 1)`` as a batched matrix product W x + b (same parameters, keys and function): oneDNN's
    convolution is slow at 32-48 channels x 10^4-10^5 positions; a demo CPU training step is 12-13% faster."""

    def __init__(self, c_in: int, c_out: int, bias: bool = True) -> None:
        super().__init__(c_in, c_out, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight[..., 0].expand(len(x), -1, -1)
        return torch.bmm(w, x) if self.bias is None else torch.baddbmm(self.bias[:, None], w, x)


def conv_block(c_in: int, c_out: int, kernel: int, norm: str = "batch") -> nn.Sequential:
    """Norm -> GELU -> Conv1d (same padding), as Enformer's conv block (``norm`` batch) or with a
    per-position LayerNorm over channels (``norm`` layer)."""
    first = nn.BatchNorm1d(c_in) if norm == "batch" else ChannelLayerNorm(c_in)
    conv = PointwiseConv1d(c_in, c_out) if kernel == 1 else nn.Conv1d(c_in, c_out, kernel, padding=kernel // 2)
    return nn.Sequential(first, GELU(), conv)


class AttentionPool(nn.Module):
    """Softmax-weighted pooling over non-overlapping pairs: (B, C, L) -> (B, C, L // 2).

    Logits come from a 1x1 conv W without bias, initialised to 2 * identity (Enformer). For a pool
    of two the softmax weight of the first element is sigmoid(l0 - l1), and since the conv is linear
    l0 - l1 = W (x0 - x1): the conv runs on the L / 2 differences instead of all L positions (half
    the cost of the pooling logits, same function), and the output is x1 + w0 * (x0 - x1).
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.to_logits = PointwiseConv1d(channels, channels, bias=False)
        nn.init.dirac_(self.to_logits.weight)
        with torch.no_grad():
            self.to_logits.weight.mul_(2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, n = x.shape
        # unbind of a (..., n/2, 2) view: its backward stacks the two gradients, where strided
        # slices would each zero-fill a full-size gradient
        x0, x1 = x.reshape(b, c, n // 2, 2).unbind(-1)
        d = x0 - x1
        return torch.addcmul(x1, torch.sigmoid(self.to_logits(d)), d)


def sinusoidal_embedding(n: int, dim: int, device=None) -> torch.Tensor:
    """Absolute sinusoidal position encodings (n, dim) of the original transformer."""
    pos = torch.arange(n, device=device, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim))
    emb = torch.zeros(n, dim, device=device)
    emb[:, 0::2] = torch.sin(pos * freq)
    emb[:, 1::2] = torch.cos(pos * freq)
    return emb


def rotary_tables(n: int, head_dim: int, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin tables (n, head_dim) for rotary embeddings (rotate-half convention)."""
    inv_freq = 1.0 / (10000 ** (torch.arange(0, head_dim, 2, device=device, dtype=torch.float32) / head_dim))
    angles = torch.arange(n, device=device, dtype=torch.float32)[:, None] * inv_freq  # (n, head_dim/2)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def alibi_bias(n: int, heads: int, device=None, max_exponent: float = 8.0) -> torch.Tensor:
    """ALiBi's distance penalty (heads, n, n): -slope_h * |i - j| added to the attention logits, slopes
    2 ** (-max_exponent h / heads) for h = 1..heads per position (Press et al. 2022: max_exponent 8; symmetric
    for an encoder). At 128 bp bins and 4 heads, the attention weight falls by e over 0.5, 2, 8 and 33 kb
    (max_exponent 8) or 0.7, 4, 23 and 131 kb (10): a fixed prior that contact decays with distance, which
    the query-key products can override."""
    exponents = max_exponent * torch.arange(1, heads + 1, device=device, dtype=torch.float32) / heads
    slopes = 2.0 ** -exponents
    pos = torch.arange(n, device=device, dtype=torch.float32)
    return -slopes[:, None, None] * (pos[None, :] - pos[:, None]).abs()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate (B, H, N, Dh) by position."""
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class MultiHeadAttention(nn.Module):
    """Multi-head attention; rotary positions optional; fused SDPA on the forward path.

    Self-attention by default; with ``context`` it is cross-attention (queries from ``x``, keys and values
    from ``context``; the same projections, so one module serves both). ``mask`` is a boolean tensor
    broadcastable to (B, H, Nq, Nk), True where a query may attend (padding and causal masks,
    ``seq2track.seq2seq.model``). Rotary positions, the ALiBi distance bias (``alibi``) and the attention sink
    (``sink``) apply to self-attention only.

    ``sink``: one more key per head, learned and without position, whose value is zero (softmax-off-by-one,
    Miller 2023; attention sinks, Xiao et al. 2024). Weight a query puts there is dropped, so the output can
    be a sum of what the attended positions carry rather than an average that a new key dilutes. Attention
    rows returned for figures leave the sink out (they sum to 1 minus the sink's share).

    ``boundary_bias``: a learned insulation prior. Each position gets a boundary score s >= 0 (a linear map of
    its features, softplus), and head h subtracts g_h * (the score summed between query and key, half of
    each end's own) from the logits, g_h >= 0 learned: contact that falls with the boundary elements crossed,
    not only with distance (TAD boundaries, CTCF: Rao et al. 2014; Akita, Fudenberg et al. 2020).
    """

    def __init__(self, dim: int, heads: int, attention_dropout: float, rotary: bool, alibi: bool = False,
                 sink: bool = False, alibi_max_exponent: float = 8.0, boundary_bias: bool = False) -> None:
        super().__init__()
        self.heads, self.rotary, self.alibi, self.attention_dropout = heads, rotary, alibi, attention_dropout
        self.alibi_max_exponent = alibi_max_exponent
        self.to_qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim)
        self.sink_key = nn.Parameter(torch.zeros(1, heads, 1, dim // heads)) if sink else None
        self.to_boundary = nn.Linear(dim, 1) if boundary_bias else None
        self.boundary_gain = nn.Parameter(torch.full((heads,), -4.0)) if boundary_bias else None  # softplus: 0.018
        if boundary_bias:   # scores ~0.13 per bin at first: x 0.018, an e-fold per ~55 kb, below ALiBi's slopes
            nn.init.constant_(self.to_boundary.bias, -2.0)
        self._tables: dict[tuple, tuple[torch.Tensor, torch.Tensor]] = {}
        self._biases: dict[tuple, torch.Tensor] = {}

    @property
    def biased(self) -> bool:
        return self.alibi or self.to_boundary is not None

    def boundary_logits(self, x: torch.Tensor) -> torch.Tensor:
        """The ``boundary_bias`` term (B, H, N, N): -g_h * |c_i - c_j|, c the running sum of the boundary
        scores less half the position's own, so the sum counts what lies between i and j (and half of each)."""
        score = F.softplus(self.to_boundary(x).float()).squeeze(-1)              # (B, N)
        centre = score.cumsum(-1) - 0.5 * score
        between = (centre[:, :, None] - centre[:, None, :]).abs()                  # (B, N, N)
        return -F.softplus(self.boundary_gain.float())[None, :, None, None] * between[:, None]

    def _logit_bias(self, n: int, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor | None:
        """What SDPA adds to the logits: the boolean ``mask`` alone, or the ALiBi and boundary biases with -inf
        where masked (and a zero column for the sink)."""
        if not self.biased:
            return mask
        sink = self.sink_key is not None
        if self.to_boundary is None:   # ALiBi alone: padded for the sink once, with the cached bias
            bias = self._alibi(n, x, pad=sink)
        else:
            bias = self.boundary_logits(x).to(x.dtype)
            if self.alibi:
                bias = bias + self._alibi(n, x, pad=False)
            if sink:
                bias = F.pad(bias, (0, 1))
        return bias if mask is None else bias.masked_fill(~mask, float("-inf"))

    def _alibi(self, n: int, x: torch.Tensor, pad: bool) -> torch.Tensor:
        """The ALiBi bias (1, H, n, n [+1 zero column for the sink]); depends only on length: computed once."""
        key = (n, x.device, x.dtype, pad)
        if key not in self._biases:   # 4-d: SDPA's CPU kernel ~1.6x faster
            bias = alibi_bias(n, self.heads, x.device, self.alibi_max_exponent).to(x.dtype)[None]
            self._biases[key] = F.pad(bias, (0, 1)) if pad else bias
        return self._biases[key]

    def _qkv(self, x: torch.Tensor, context: torch.Tensor | None = None
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if context is None:
            q, k, v = rearrange(self.to_qkv(x), "b n (three h d) -> three b h n d", three=3, h=self.heads)
        else:
            w_q, w_kv = self.to_qkv.weight.split([x.shape[-1], 2 * x.shape[-1]])
            q = rearrange(F.linear(x, w_q), "b n (h d) -> b h n d", h=self.heads)
            k, v = rearrange(F.linear(context, w_kv), "b n (two h d) -> two b h n d", two=2, h=self.heads)
        if self.rotary and context is None:
            key = (x.shape[1], q.shape[-1], x.device)
            if key not in self._tables:  # positions depend only on length: compute once
                self._tables[key] = rotary_tables(x.shape[1], q.shape[-1], x.device)
            cos, sin = self._tables[key]
            q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        if self.sink_key is not None and context is None:   # the sink: last key, zero value
            k = torch.cat([k, self.sink_key.to(k.dtype).expand(k.shape[0], -1, -1, -1)], dim=2)
            v = F.pad(v, (0, 0, 0, 1))
        return q, k, v

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        q, k, v = self._qkv(x, context)
        drop = self.attention_dropout if self.training else 0.0
        bias = mask if context is not None else self._logit_bias(x.shape[1], x, mask)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=drop)
        return self.to_out(rearrange(out, "b h n d -> b n (h d)"))

    def forward_rows(self, x: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        """``forward``'s output (B, Q, D) at the chosen query positions only (self-attention): every key still
        counts, but only Q query rows are computed."""
        q, k, v = self._qkv(x)
        bias = self._logit_bias(x.shape[1], x, None)
        out = F.scaled_dot_product_attention(q[:, :, query_index], k, v,
                                             attn_mask=None if bias is None else bias[:, :, query_index])
        return self.to_out(rearrange(out, "b h n d -> b n (h d)"))

    def attention_weights(self, x: torch.Tensor, context: torch.Tensor | None = None,
                          mask: torch.Tensor | None = None) -> torch.Tensor:
        """The full softmax attention (B, H, Nq, Nk) that ``forward`` applies (for figures and tests)."""
        q, k, _ = self._qkv(x, context)
        logits = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(q.shape[-1])
        if self.biased and context is None:
            logits = logits + self._logit_bias(x.shape[1], x, None)
        if mask is not None:
            logits = logits.masked_fill(~mask, float("-inf"))
        return logits.softmax(dim=-1)[..., :(x if context is None else context).shape[1]]   # the sink left out

    def attention_probs(self, x: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        """Softmax attention rows for the chosen query positions: (B, H, Q, N).

        Only the requested rows are computed, so capture costs O(Q * N) rather than O(N^2).
        """
        q, k, _ = self._qkv(x)
        q = q[:, :, query_index]                                      # (B, H, Q, Dh)
        logits = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(q.shape[-1])
        if self.biased:
            logits = logits + self._logit_bias(x.shape[1], x, None)[:, :, query_index]
        return logits.softmax(dim=-1)[..., :x.shape[1]]


class TransformerBlock(nn.Module):
    """Pre-LayerNorm attention and ReLU feed-forward (x2 width), each with dropout and a residual."""

    def __init__(self, dim: int, dropout: float, attn: nn.Module) -> None:
        super().__init__()
        self.norm_attn = nn.LayerNorm(dim)
        self.attn = attn
        self.drop_attn = nn.Dropout(dropout)
        self.ffn = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 2 * dim), nn.Dropout(dropout), nn.ReLU(),
                                 nn.Linear(2 * dim, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm_attn(x)
        x = x + self.drop_attn(self.attn(h) if mask is None else self.attn(h, mask=mask))
        return x + self.ffn(x)

    def forward_rows(self, x: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        """``forward``'s output (B, Q, D) at the chosen positions only (no mask): what a caller that reads a
        few output bins needs from the last block, for Q / N of its attention and feed-forward work."""
        x_rows = x[:, query_index] + self.drop_attn(self.attn.forward_rows(self.norm_attn(x), query_index))
        return x_rows + self.ffn(x_rows)

    def attention_probs(self, x: torch.Tensor, query_index: torch.Tensor) -> torch.Tensor:
        """Attention rows (B, H, Q, N) this block computes on input ``x``."""
        return self.attn.attention_probs(self.norm_attn(x), query_index)
