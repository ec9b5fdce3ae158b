"""Model shapes, attention capture against the explicit softmax, checkpoints."""

import math
from dataclasses import replace

import pytest
import numpy as np
import torch
from einops import rearrange

from seq2track.errors import ConfigError
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.checkpoint import load_checkpoint, save_checkpoint
from seq2track.model.layers import (GELU, AttentionPool, ChannelLayerNorm, PointwiseConv1d, apply_rotary,
                                     rotary_tables)
from seq2track.model.relative import RelativeMultiHeadAttention, relative_position_features, relative_shift


def _input(batch: int, length: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (batch, length), generator=g)
    return torch.nn.functional.one_hot(idx, 4).float()


def _tiny(positional: str, **more) -> dict:
    """Overrides for the tiny preset; 'enformer' needs a head size divisible by 6 (48 / 2 heads)."""
    return {"positional": positional, **({"dim": 48} if positional == "enformer" else {}), **more}


@pytest.mark.parametrize("positional", ["rotary", "sinusoidal", "enformer"])
def test_forward_shapes(positional, device):
    cfg = model_config_from("tiny", _tiny(positional), num_tracks=3, crop_bins=4)
    model = Seq2Track(cfg).to(device).eval()
    y = model(_input(2, 4096).to(device))
    assert cfg.bin_size_bp == 128
    assert y.shape == (2, 32 - 8, 3) and (y >= 0).all()
    assert model.embed(_input(1, 4096).to(device)).shape == (1, 24, 2 * cfg.dim)


@pytest.mark.parametrize("bias", [True, False])
def test_pointwise_conv_is_a_kernel_one_conv1d(bias):
    """Same parameters, outputs and gradients as nn.Conv1d(c_in, c_out, 1), batched; loads its state dict."""
    torch.manual_seed(0)
    conv = torch.nn.Conv1d(6, 5, 1, bias=bias).double()
    pointwise = PointwiseConv1d(6, 5, bias=bias).double()
    pointwise.load_state_dict(conv.state_dict())
    x = torch.randn(3, 6, 50, dtype=torch.float64, requires_grad=True)
    y_ref, y = conv(x), pointwise(x)
    torch.testing.assert_close(y, y_ref, rtol=1e-12, atol=1e-12)
    g = torch.randn_like(y)
    grads_ref = torch.autograd.grad(y_ref, [x, *conv.parameters()], g)
    grads = torch.autograd.grad(y, [x, *pointwise.parameters()], g)
    for a, b in zip(grads, grads_ref):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_gelu_matches_definition_and_its_autograd_gradient():
    x = torch.randn(3, 5, 40, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(GELU(), (x,))
    x32 = (torch.randn(2, 7, 300) * 4).requires_grad_()
    g = torch.randn(2, 7, 300)
    (GELU()(x32) * g).sum().backward()
    ours = x32.grad.clone()
    x32.grad = None
    reference = torch.sigmoid(1.702 * x32) * x32
    torch.testing.assert_close(GELU()(x32), reference)
    (reference * g).sum().backward()
    torch.testing.assert_close(ours, x32.grad)


def test_attention_pool_equals_softmax_pooling():
    pool = AttentionPool(8)
    torch.nn.init.normal_(pool.to_logits.weight)
    x = torch.randn(2, 8, 10)
    logits = rearrange(pool.to_logits(x), "b c (n p) -> b c n p", p=2)
    expected = (rearrange(x, "b c (n p) -> b c n p", p=2) * logits.softmax(-1)).sum(-1)
    torch.testing.assert_close(pool(x), expected)


def test_attention_pool_gradients_equal_softmax_pooling():
    """The logits conv runs on pair differences; gradients must still be those of the definition."""
    pool = AttentionPool(6).double()
    torch.nn.init.normal_(pool.to_logits.weight)
    x = torch.randn(2, 6, 12, dtype=torch.float64, requires_grad=True)
    g = torch.randn(2, 6, 6, dtype=torch.float64)
    (pool(x) * g).sum().backward()
    ours = (x.grad.clone(), pool.to_logits.weight.grad.clone())
    x.grad, pool.to_logits.weight.grad = None, None
    logits = rearrange(pool.to_logits(x), "b c (n p) -> b c n p", p=2)
    ((rearrange(x, "b c (n p) -> b c n p", p=2) * logits.softmax(-1)).sum(-1) * g).sum().backward()
    torch.testing.assert_close(ours[0], x.grad)
    torch.testing.assert_close(ours[1], pool.to_logits.weight.grad)


def _explicit_relative_attention(attn, x):
    """Enformer's softmax matrix by the definition: (q_i + u).k_j + (q_i + v).r(j - i), no shift trick."""
    n = x.shape[1]
    q = rearrange(attn.to_q(x), "b n (h d) -> b h n d", h=attn.heads) / math.sqrt(attn.key_dim)
    k = rearrange(attn.to_k(x), "b n (h d) -> b h n d", h=attn.heads)
    r = rearrange(attn.to_rel_k(relative_position_features(n, attn.num_rel_features)), "m (h d) -> h m d",
                  h=attn.heads)
    logits = torch.einsum("bhid,bhjd->bhij", q + attn.rel_content_bias, k)
    for i in range(n):
        for j in range(n):
            logits[:, :, i, j] += ((q[:, :, i] + attn.rel_pos_bias[:, :, 0]) * r[:, j - i + n - 1]).sum(-1)
    return logits.softmax(-1)


def _explicit_attention(block, h):
    """The full softmax matrix (B, H, N, N), computed the textbook way (the sink's column, if any, left out)."""
    attn = block.attn
    if isinstance(attn, RelativeMultiHeadAttention):
        return _explicit_relative_attention(attn, block.norm_attn(h))
    q, k, _ = rearrange(attn.to_qkv(block.norm_attn(h)), "b n (three h d) -> three b h n d", three=3, h=attn.heads)
    if attn.rotary:
        cos, sin = rotary_tables(h.shape[1], q.shape[-1])
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
    logits = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    n = h.shape[1]
    if attn.alibi:  # ALiBi: head h of H subtracts 2 ** (-m h / H) per position of distance (m = 8 by default)
        for head in range(attn.heads):
            slope = 2.0 ** (-attn.alibi_max_exponent * (head + 1) / attn.heads)
            for i in range(n):
                for j in range(n):
                    logits[:, head, i, j] -= slope * abs(i - j)
    if attn.to_boundary is not None:  # insulation: gain_h x (boundary scores strictly between i and j + half of each)
        score = torch.nn.functional.softplus(attn.to_boundary(block.norm_attn(h)))[..., 0]       # (B, N)
        gain = torch.nn.functional.softplus(attn.boundary_gain)
        for i in range(n):
            for j in range(n):
                lo, hi = min(i, j), max(i, j)
                between = score[:, lo + 1:hi].sum(-1) + 0.5 * (score[:, i] + score[:, j]) if i != j else 0 * score[:, i]
                logits[:, :, i, j] -= gain[None, :] * between[:, None]
    if attn.sink_key is not None:  # one more logit per query: q . sink key, no position, zero value
        sink = torch.einsum("bhqd,hd->bhq", q, attn.sink_key[0, :, 0]) / math.sqrt(q.shape[-1])
        return torch.cat([logits, sink[..., None]], dim=-1).softmax(-1)[..., :n]
    return logits.softmax(-1)


ATTENTION_VARIANTS = [("rotary", {}), ("sinusoidal", {}), ("enformer", {}), ("rotary", {"alibi": True}),
                      ("sinusoidal", {"alibi": True}), ("rotary", {"attention_sink": True}),
                      ("rotary", {"alibi": True, "attention_sink": True}), ("sinusoidal", {"boundary_bias": True}),
                      ("rotary", {"alibi": True, "boundary_bias": True, "attention_sink": True}),
                      ("none", {"alibi": True})]


@pytest.mark.parametrize("positional,extra", ATTENTION_VARIANTS)
def test_attention_rows_equal_explicit_softmax(positional, extra):
    torch.manual_seed(0)
    cfg = model_config_from("tiny", _tiny(positional, num_transformer_layers=2, **extra), num_tracks=2, crop_bins=4)
    model = Seq2Track(cfg).eval()
    for block in model.transformer:  # Enformer zero-initialises the output projection: make it count
        torch.nn.init.normal_(block.attn.to_out.weight, std=0.2)
        if getattr(block.attn, "sink_key", None) is not None:   # and the sink starts at zero: make it count
            torch.nn.init.normal_(block.attn.sink_key, std=2.0)
        if getattr(block.attn, "boundary_gain", None) is not None:   # the gain starts near zero: make it count
            torch.nn.init.normal_(block.attn.boundary_gain, std=1.0)
    x = _input(2, 4096)
    query = torch.tensor([0, 7, 31])
    rows = model.attention_rows(x, query)
    assert rows.shape == (2, 2, cfg.num_heads, 3, 32)
    if cfg.attention_sink:   # the sink takes a share: rows sum to less than 1
        assert (rows.sum(-1) < 0.99).any() and (rows.sum(-1) <= 1 + 1e-6).all()
    h = model._grid(x)
    for layer, block in enumerate(model.transformer):
        full = _explicit_attention(block, h)
        torch.testing.assert_close(rows[:, layer], full[:, :, query], atol=1e-5, rtol=1e-5)
        if positional != "enformer":
            torch.testing.assert_close(block.attn.attention_weights(block.norm_attn(h)), full, atol=1e-5, rtol=1e-5)
        h = block(h)
    # the explicit rows, run through values, reproduce the fused forward of the first block
    block = model.transformer[0]
    h0 = model._grid(x)
    full = _explicit_attention(block, h0)
    if positional == "enformer":
        v = rearrange(block.attn.to_v(block.norm_attn(h0)), "b n (h d) -> b h n d", h=cfg.num_heads)
    else:
        v = rearrange(block.attn.to_qkv(block.norm_attn(h0)), "b n (three h d) -> three b h n d", three=3,
                      h=cfg.num_heads)[2]
    out = block.attn.to_out(rearrange(full @ v, "b h n d -> b n (h d)"))
    torch.testing.assert_close(out, block.attn(block.norm_attn(h0)), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("positional,extra", ATTENTION_VARIANTS + [("rotary", {"num_transformer_layers": 0}),
                                                              ("rotary", {"pointwise_norm": "batch"})])
def test_forward_from_tower_at_a_few_bins_equals_the_full_forward_there(positional, extra):
    torch.manual_seed(1)
    cfg = model_config_from("tiny", _tiny(positional, **{"num_transformer_layers": 2, **extra}), num_tracks=2,
                            crop_bins=4)
    model = Seq2Track(cfg).double()
    for module in model.modules():   # trained-looking statistics and projections, so that every part counts
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.normal_(0, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    for block in model.transformer:
        torch.nn.init.normal_(block.attn.to_out.weight, std=0.2)
        if getattr(block.attn, "sink_key", None) is not None:
            torch.nn.init.normal_(block.attn.sink_key, std=2.0)
    x = _input(3, 4096, seed=2).double()
    bins = [0, 5, 6, 23, 5]   # any order, repeats allowed (RC averaging asks for mirrored bins)
    with pytest.raises(ValueError, match="eval mode"):
        model.forward_from_tower(model.tower_features(x), bins)
    model.eval()
    with torch.no_grad():
        full = model(x)
        got = model.forward_from_tower(model.tower_features(x), bins)
    assert got.shape == (3, len(bins), 2)
    torch.testing.assert_close(got, full[:, bins], rtol=1e-10, atol=1e-12)


def test_checkpoint_round_trip(tmp_path):
    cfg = model_config_from("tiny", num_tracks=2, crop_bins=4)
    model = Seq2Track(cfg).eval()
    save_checkpoint(tmp_path / "m.ckpt", model, {"run": "x", "nested": {"a": [1, 2]}}, epoch=3)
    loaded, payload = load_checkpoint(tmp_path / "m.ckpt")
    assert loaded.cfg == cfg and payload["epoch"] == 3 and payload["run_config"]["nested"] == {"a": [1, 2]}
    x = _input(1, 4096)
    torch.testing.assert_close(loaded(x), model(x))


def test_relative_shift_indexes_by_distance():
    n = 5
    x = torch.arange(n * (2 * n - 1), dtype=torch.float32).reshape(n, 2 * n - 1)
    shifted = relative_shift(x)
    for i in range(n):
        for j in range(n):
            assert shifted[i, j] == x[i, j - i + n - 1]


def test_activation_checkpointing_gives_same_gradients():
    torch.manual_seed(0)
    cfg = model_config_from("tiny", {"num_transformer_layers": 2, "dropout": 0.0, "final_dropout": 0.0}, num_tracks=2,
                            crop_bins=4)
    plain = Seq2Track(cfg).train()
    ckpt = Seq2Track(replace(cfg, activation_checkpointing=True)).train()
    ckpt.load_state_dict(plain.state_dict())
    x = _input(2, 4096)
    grads = []
    for model in (plain, ckpt):
        model(x).sum().backward()
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    torch.testing.assert_close(grads[0], grads[1])


def test_config_errors():
    with pytest.raises(ConfigError, match="model.preset"):
        model_config_from("huge")
    with pytest.raises(ConfigError, match=r"unknown keys \['colour'\]"):
        model_config_from("tiny", {"colour": 1})
    with pytest.raises(ConfigError, match="model.positional"):
        model_config_from("tiny", {"positional": "alibi"})
    with pytest.raises(ConfigError, match="model.positional.*set alibi: true"):
        model_config_from("tiny", {"positional": "none"})
    with pytest.raises(ConfigError, match=r"model.dim: .*multiple of 6 relative features \(got 16\)"):
        model_config_from("tiny", {"positional": "enformer"})
    with pytest.raises(ConfigError, match=r"model.relative_features: .*\(got 10\)"):
        model_config_from("tiny", {"positional": "enformer", "relative_features": 10})
    with pytest.raises(ConfigError, match="model.alibi"):
        model_config_from("tiny", {"positional": "enformer", "dim": 48, "alibi": True})
    with pytest.raises(ConfigError, match="model.attention_sink"):
        model_config_from("tiny", {"positional": "enformer", "dim": 48, "attention_sink": True})


def test_relative_features_decouple_enformer_basis_from_head_size():
    """``relative_features`` sets the basis size of Enformer's relative positions at any head size (the
    demo's 64 / 4 = 16 is no multiple of 6); 0 keeps Enformer's dim // num_heads."""
    torch.manual_seed(0)
    cfg = model_config_from("tiny", {"positional": "enformer", "relative_features": 24}, num_tracks=3, crop_bins=4)
    model = Seq2Track(cfg).eval()
    attention = model.transformer[0].attn
    assert cfg.head_dim == 16 and attention.num_rel_features == 24 and attention.to_rel_k.in_features == 24
    assert attention._rel_k(10, torch.device("cpu"), torch.float32).shape == (2, 19, 16)
    assert model(_input(2, 4096)).shape == (2, 24, 3)
    enformer = Seq2Track(model_config_from("tiny", _tiny("enformer"))).transformer[0].attn
    assert enformer.num_rel_features == 48 // 2


@pytest.mark.parametrize("positional", ["none", "rotary", "sinusoidal"])
def test_attention_logits_shift_with_the_features_unless_positions_are_absolute(positional):
    """With ``positional: none`` (ALiBi only) the attention logits of a query over its keys depend on content
    and distance alone: shifting the features by 5 bins shifts every log-ratio of weights with them. So do
    rotary's (relative: a rotation by i - j); sinusoidal encodings are absolute, so the shift changes them."""
    torch.manual_seed(0)
    cfg = model_config_from("tiny", {"positional": positional, "alibi": True}, num_tracks=2, crop_bins=4)
    model = Seq2Track(cfg).eval()
    block = model.transformer[0]
    features = torch.randn(1, cfg.dim, 24)
    shifted = torch.cat([torch.randn(1, cfg.dim, 5), features], dim=2)
    with torch.no_grad():
        w = block.attn.attention_weights(block.norm_attn(model._transformer_input(features)))[0].log()
        w5 = block.attn.attention_weights(block.norm_attn(model._transformer_input(shifted)))[0, :, 5:, 5:].log()
    ratios, ratios5 = w - w[..., :1], w5 - w5[..., :1]
    if positional != "sinusoidal":
        torch.testing.assert_close(ratios5, ratios, atol=1e-4, rtol=1e-4)
    else:
        assert (ratios5 - ratios).abs().max() > 0.01


@pytest.mark.parametrize("max_exponent, slopes", [(None, (2.0 ** -4, 2.0 ** -8)), (12.0, (2.0 ** -6, 2.0 ** -12))])
def test_alibi_alone_weights_keys_by_exp_of_minus_slope_times_distance(max_exponent, slopes):
    """With queries and keys zeroed (no content), an ALiBi head's attention from position i is
    exp(-slope |i - j|) normalised over j: the distance-decay prior, and nothing else; the slopes are
    2 ** (-m h / heads), m = ``alibi_max_exponent`` (8 unless set)."""
    torch.manual_seed(0)
    overrides = {"alibi": True, "positional": "sinusoidal"}
    if max_exponent is not None:
        overrides["alibi_max_exponent"] = max_exponent
    cfg = model_config_from("tiny", overrides, num_tracks=2, crop_bins=4)
    attn = Seq2Track(cfg).transformer[0].attn
    with torch.no_grad():
        attn.to_qkv.weight[: 2 * cfg.dim].zero_()
    w = attn.attention_weights(torch.randn(1, 32, cfg.dim))
    d = torch.arange(32.0)
    for head, slope in enumerate(slopes):      # tiny: 2 heads
        prior = torch.exp(-slope * (d - 10).abs())
        torch.testing.assert_close(w[0, head, 10], prior / prior.sum())


def test_boundary_bias_cuts_attention_across_a_scored_position():
    """boundary_bias with no content in queries and keys: a position whose boundary score is 10 (gain 1)
    divides the weight of every key beyond it by e ** 10 and leaves the keys on the query's side equal."""
    torch.manual_seed(0)
    cfg = model_config_from("tiny", {"boundary_bias": True, "positional": "sinusoidal"}, num_tracks=2, crop_bins=4)
    attn = Seq2Track(cfg).transformer[0].attn
    with torch.no_grad():
        attn.to_qkv.weight[: 2 * cfg.dim].zero_()
        attn.to_boundary.weight.zero_()
        attn.to_boundary.weight[0, 0] = 1.0
        attn.to_boundary.bias.fill_(-30.0)                               # score ~0 where channel 0 is 0
        attn.boundary_gain.fill_(math.log(math.e - 1.0))                 # softplus: gain 1
    x = torch.zeros(1, 32, cfg.dim)
    x[0, 15, 0] = 30.0 + math.log(math.exp(10.0) - 1.0)                  # softplus(...) = 10 at position 15
    w = attn.attention_weights(x)[0, :, 10]                              # (heads, keys) from query 10
    torch.testing.assert_close(w[:, :15], w[:, :1].expand(-1, 15))       # the query's side: no penalty
    torch.testing.assert_close(w[:, 15], w[:, 0] * math.exp(-5.0))       # the boundary itself: half its score
    torch.testing.assert_close(w[:, 16:], w[:, :1].expand(-1, 16) * math.exp(-10.0))


def test_model_takes_uint8_codes_as_its_one_hot():
    from seq2track.data.encoding import one_hot
    from seq2track.model.network import one_hot_codes

    codes = np.random.default_rng(0).integers(0, 5, (2, 2048)).astype(np.uint8)   # N included
    assert torch.equal(one_hot_codes(torch.from_numpy(codes)), torch.from_numpy(one_hot(codes)))
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=2)).eval()
    with torch.no_grad():
        assert torch.equal(model(torch.from_numpy(codes)), model(torch.from_numpy(one_hot(codes))))


def test_layer_norm_conv_blocks_use_no_statistics_across_positions_or_windows():
    """norm 'layer': a training-mode forward of a window is the same alone, in a batch, and with the far
    part of its own input changed outside its receptive field; 'batch' (Enformer's) depends on both."""
    torch.manual_seed(0)
    cfg = model_config_from("tiny", {"norm": "layer", "num_transformer_layers": 0, "final_dropout": 0.0},
                            num_tracks=2, crop_bins=0)
    model = Seq2Track(cfg).train()
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in model.modules())
    a, b = _input(1, 4096, seed=1), _input(1, 4096, seed=2)
    with torch.no_grad():
        alone, batched = model(a), model(torch.cat([a, b]))[:1]
        far = a.clone()
        far[:, 3072:] = b[:, 3072:]                       # last quarter replaced
        changed = model(far)
    torch.testing.assert_close(alone, batched)
    torch.testing.assert_close(alone[:, :8], changed[:, :8])   # first 8 of 32 bins: far beyond the tower's reach
    bn = Seq2Track(replace(cfg, norm="batch")).train()
    with torch.no_grad():
        assert not torch.allclose(bn(a), bn(torch.cat([a, b]))[:1])
        assert not torch.allclose(bn(a)[:, :8], bn(far)[:, :8])
    mixed = Seq2Track(replace(cfg, norm="batch", pointwise_norm="layer"))
    assert isinstance(mixed.pointwise[0][0], ChannelLayerNorm) and isinstance(mixed.tower[0][0][0],
                                                                              torch.nn.BatchNorm1d)
    with pytest.raises(ConfigError, match="model.norm"):
        model_config_from("tiny", {"norm": "group"})
    with pytest.raises(ConfigError, match="model.pointwise_norm"):
        model_config_from("tiny", {"pointwise_norm": "instance"})


def test_output_head_runs_in_fp32_under_bf16_autocast():
    """Under bf16 autocast the trunk runs in bf16 but the head and its exp do not: fp32 rates, equal to the head
    applied in fp32 to the (bf16) embeddings; a bf16 head would round log-rates of ~5 by up to ~0.02."""
    torch.manual_seed(0)
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=2)).eval()
    x = torch.from_numpy(np.random.default_rng(1).integers(0, 4, (1, 2048)).astype(np.uint8))
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        rates, embedding = model(x), model.embed(x)
        bf16_head = torch.exp(model.head(embedding))
    assert embedding.dtype == torch.bfloat16 and bf16_head.dtype == torch.bfloat16 and rates.dtype == torch.float32
    assert torch.equal(rates, torch.exp(model.head(embedding.float())))
