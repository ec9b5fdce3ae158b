"""Our positional mode 'enformer' computes enformer-pytorch's function given its weights (random, no download)."""

import pytest
import torch

enformer_pytorch = pytest.importorskip("enformer_pytorch")
from enformer_pytorch import Enformer  # noqa: E402

from seq2track.model import Seq2Track, model_config_from  # noqa: E402
from seq2track.model.convert import enformer_config, init_from_pretrained, load_enformer_pytorch  # noqa: E402

SMALL = dict(dim=96, depth=2, heads=2, attn_dim_key=16, output_heads={"human": 7, "mouse": 3}, target_length=32,
             num_downsamples=7, dim_divisible_by=8, dropout_rate=0.4, attn_dropout=0.05, pos_dropout=0.01)


def _randomise(model: torch.nn.Module, seed: int = 0) -> None:
    """Every parameter and BatchNorm statistic random, so no path hides behind a zero init."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("num_batches_tracked"):
                continue
            if name.endswith("running_var"):
                t.copy_(0.5 + torch.rand(t.shape, generator=gen))
            else:
                t.copy_(0.1 * torch.randn(t.shape, generator=gen))


def _rel_err(ours: torch.Tensor, ref: torch.Tensor) -> float:
    """max |ours - ref| / max |ref| (normwise; elementwise ratios are meaningless near zero)."""
    return float((ours - ref).abs().max() / ref.abs().max())


def _random_one_hot(batch: int, length: int, seed: int = 1) -> torch.Tensor:
    idx = torch.randint(0, 4, (batch, length), generator=torch.Generator().manual_seed(seed))
    return torch.nn.functional.one_hot(idx, 4).float()


def _compare(hparams: dict, sequence_bp: int, batch: int, tmp_path) -> None:
    theirs = Enformer.from_hparams(**hparams).eval()
    _randomise(theirs)
    theirs.save_pretrained(tmp_path / "enformer", safe_serialization=False)  # folder: config.json + .bin
    ours = load_enformer_pytorch(tmp_path / "enformer", sequence_bp=sequence_bp)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    x = _random_one_hot(batch, sequence_bp)
    with torch.no_grad():
        ref_heads, ref_emb = theirs(x, return_embeddings=True)
        emb = ours.embed(x)
        heads = ours.forward_heads(x)
    assert emb.shape == ref_emb.shape
    print("relative error embeddings", _rel_err(emb, ref_emb))
    assert _rel_err(emb, ref_emb) <= 1e-5
    assert set(heads) == set(ref_heads) == set(hparams["output_heads"])
    for name in heads:
        assert heads[name].shape == ref_heads[name].shape
        print("relative error head", name, _rel_err(heads[name], ref_heads[name]))
        assert _rel_err(heads[name], ref_heads[name]) <= 1e-5, name
    with torch.no_grad():
        assert torch.equal(ours(x), heads["human"])  # forward = the primary head


def test_parity_small_config(tmp_path):
    _compare(SMALL, sequence_bp=128 * 64, batch=2, tmp_path=tmp_path)


@pytest.mark.slow
def test_parity_full_published_config(tmp_path):
    hparams = dict(dim=1536, depth=11, heads=8, attn_dim_key=64, output_heads={"human": 5313, "mouse": 1643},
                   target_length=896, num_downsamples=7, dim_divisible_by=128)
    _compare(hparams, sequence_bp=196_608, batch=1, tmp_path=tmp_path)


def test_enformer_preset_parameter_count():
    cfg = model_config_from("enformer")
    assert cfg.tower_channels() == [768, 768, 896, 1024, 1152, 1280, 1536]
    with torch.device("meta"):  # shapes only: no 1 GB of random init
        model = Seq2Track(cfg)
    assert sum(p.numel() for p in model.parameters()) == 251_221_292
    assert enformer_config({}) == cfg  # enformer-pytorch's defaults are the preset


def test_init_from_enformer_trunk_with_new_heads_and_freezing(tmp_path):
    theirs = Enformer.from_hparams(**SMALL).eval()
    _randomise(theirs)
    torch.save(theirs.state_dict(), tmp_path / "enformer.pt")  # a bare state-dict file
    cfg = enformer_config(SMALL, sequence_bp=128 * 64)
    mine = Seq2Track(model_config_from("enformer", {**{k: getattr(cfg, k) for k in (
        "dim", "num_transformer_layers", "num_heads", "key_dim", "channel_divisor", "crop_bins")},
        "extra_heads": {}}, num_tracks=4))
    new = init_from_pretrained(mine, tmp_path / "enformer.pt", freeze_trunk=True)
    assert new == ["head.weight", "head.bias"]  # 4 user tracks: a fresh head on the pretrained trunk
    reference = load_enformer_pytorch(tmp_path / "enformer.pt", hparams=SMALL, sequence_bp=128 * 64)
    x = _random_one_hot(1, 128 * 64)
    with torch.no_grad():
        assert torch.allclose(mine.eval().embed(x), reference.embed(x), rtol=0, atol=1e-6)
    trainable = [n for n, p in mine.named_parameters() if p.requires_grad]
    assert trainable == ["head.weight", "head.bias"]
    mine.train()  # a frozen trunk stays in eval mode: pretrained BatchNorm statistics, no dropout
    assert mine.head.training and not mine.stem.training and not mine.transformer[0].attn.training
    with torch.no_grad():
        assert torch.allclose(mine.embed(x), reference.embed(x), rtol=0, atol=1e-6)
