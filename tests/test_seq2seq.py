"""The encoder-decoder: causal masking, padding, greedy decoding, the shared attention, the data, learning."""

import gzip

import numpy as np
import pytest
import torch

from seq2track.errors import InputFileError
from seq2track.model.layers import MultiHeadAttention
from seq2track.seq2seq.code import CODON_USAGE, DEGENERACY, GENETIC_CODE, translate
from seq2track.seq2seq.data import BOS, DNA, EOS, PAD, PROTEIN, batch, make_pairs, read_cds_fasta
from seq2track.seq2seq.model import Seq2SeqConfig, Seq2SeqTransformer
from seq2track.seq2seq.train import TranslateConfig, _datasets, decode_all, score, train_translator


@pytest.fixture(params=["hybrid", "sinusoidal", "learned", "rotary"])
def model(request) -> Seq2SeqTransformer:
    torch.manual_seed(0)
    return Seq2SeqTransformer(Seq2SeqConfig(DNA.size, PROTEIN.size, dim=32, heads=2,
                                            positional=request.param)).eval()


def test_genetic_code_and_generator():
    assert len(GENETIC_CODE) == 64 and set(CODON_USAGE) == set(GENETIC_CODE)
    assert sorted(c for c, a in GENETIC_CODE.items() if a == "*") == ["TAA", "TAG", "TGA"]
    assert DEGENERACY["L"] == DEGENERACY["S"] == DEGENERACY["R"] == 6 and DEGENERACY["M"] == DEGENERACY["W"] == 1
    assert translate("ATGTTTTGGTGAAAA") == "MFW"
    pairs = make_pairs(200, (30, 40), seed=3)
    assert pairs == make_pairs(200, (30, 40), seed=3)  # seeded
    for cds, protein in pairs:
        assert cds.startswith("ATG") and GENETIC_CODE[cds[-3:]] == "*" and 30 <= len(cds) // 3 <= 40
        assert len(protein) == len(cds) // 3 - 1 and "*" not in protein
    train, test, _ = _datasets(TranslateConfig(train_sequences=300, test_sequences=50, train_codons=(5, 8),
                                               test_codons=(5, 8), long_test_sequences=0))
    assert not {c for c, _ in test} & {c for c, _ in train}  # held out


def test_cds_fasta_keeps_complete_cds_only(tmp_path):
    path = tmp_path / "cds.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(">ok\nATGGCC\nTGGTAA\n>internal_stop\nATGTAAGCCTAA\n>frame\nATGGCCT\n>no_start\nGCCTAA\n")
    assert read_cds_fasta(path, max_codons=10) == [("ATGGCCTGGTAA", "MAW")]
    (tmp_path / "bad.fa").write_text(">x\nNNNN\n")
    with pytest.raises(InputFileError, match="no complete CDS"):
        read_cds_fasta(tmp_path / "bad.fa", 10)


def test_cross_attention_is_the_shared_module_with_masks():
    torch.manual_seed(1)
    attn = MultiHeadAttention(16, 2, 0.0, rotary=False)
    x, ctx = torch.randn(2, 5, 16), torch.randn(2, 7, 16)
    mask = torch.ones(2, 1, 1, 7, dtype=torch.bool)
    mask[1, ..., 4:] = False
    with torch.no_grad():
        w = attn.attention_weights(x, context=ctx, mask=mask)
        q = attn.to_qkv(x)[..., :16].view(2, 5, 2, 8).transpose(1, 2)
        v = attn.to_qkv(ctx)[..., 32:].view(2, 7, 2, 8).transpose(1, 2)
        manual = attn.to_out((w @ v).transpose(1, 2).reshape(2, 5, 16))
        assert torch.allclose(attn(x, context=ctx, mask=mask), manual, atol=1e-5)
    assert torch.allclose(w.sum(-1), torch.ones(2, 2, 5)) and float(w[1, ..., 4:].abs().max()) == 0.0
    assert q.shape == (2, 2, 5, 8)


def test_changing_future_tokens_leaves_earlier_outputs_unchanged(model):
    src, t_in, _ = batch(make_pairs(3, (8, 12), seed=1))
    ref = model(src, t_in)
    changed = t_in.clone()
    changed[:, 5:] = torch.randint(4, PROTEIN.size, changed[:, 5:].shape)
    out = model(src, changed)
    assert torch.allclose(out[:, :5], ref[:, :5], atol=1e-5)
    assert not torch.allclose(out[:, 5:], ref[:, 5:], atol=1e-3)


def test_padding_does_not_change_results(model):
    short, long = make_pairs(1, (6, 6), seed=2) + make_pairs(1, (15, 15), seed=4)
    alone = model(*batch([short])[:2])
    src, t_in, _ = batch([short, long])
    together = model(src, t_in)[:1, :alone.shape[1]]
    assert torch.allclose(alone, together, atol=1e-5)
    assert torch.equal(model.greedy_decode(batch([short])[0], 10)[0, :3], model.greedy_decode(src, 10)[0, :3])


def test_greedy_decoding_equals_step_by_step_argmax(model):
    src, _, _ = batch(make_pairs(2, (5, 9), seed=5))
    got = model.greedy_decode(src, max_len=6)
    for b in range(2):
        prefix = [BOS]
        for _ in range(got.shape[1]):
            logits = model(src[b:b + 1], torch.tensor([prefix]))
            prefix.append(int(logits[0, -1].argmax()))
            if prefix[-1] == EOS:
                break
        expect = prefix[1:] + [PAD] * (got.shape[1] - len(prefix) + 1)
        assert got[b].tolist() == expect


@pytest.mark.slow
def test_a_tiny_model_learns_to_translate_short_cds():
    cfg = TranslateConfig(train_sequences=3000, train_codons=(4, 10), test_sequences=100, test_codons=(4, 10),
                          long_test_sequences=0, steps=500, curriculum_steps=0, warmup_steps=100)
    model, history = train_translator(cfg, log=lambda _: None)
    _, test, _ = _datasets(cfg)
    metrics = score([p for _, p in test], decode_all(model, test))
    assert history[-1]["loss"] < history[0]["loss"]
    assert metrics["residue_accuracy"] > 0.95, metrics
    assert np.isclose(sum(metrics["accuracy_by_degeneracy"].values()) / 5, 1.0, atol=0.1)


def test_translate_defaults_agree_with_schema_and_config():
    import yaml
    from dataclasses import asdict

    from conftest import REPO

    defaults = asdict(TranslateConfig())
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    props = schema["properties"]["translate"]["properties"]
    assert set(props) == set(defaults)
    assert {k: v["default"] for k, v in props.items() if "default" in v} == {
        k: defaults[k] for k, v in props.items() if "default" in v}
    section = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["translate"]
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()} == defaults
