"""The plain-PyTorch runtime computes what transformers computes, on the same checkpoint folders."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from dnahlm import runtime as plain
from dnahlm.errors import ConfigError
from dnahlm.examples import GLUT5_PROMOTER_300
from dnahlm.generate import SamplingConfig, generate
from dnahlm.heads import classify_probs, load_classifier
from dnahlm.model import load_model
from dnahlm.scoring import left_pad, score_candidates
from dnahlm.settings import EMBEDDED_CHECKPOINTS

TINY = EMBEDDED_CHECKPOINTS / "dnahlm-tiny"


@pytest.fixture(scope="module")
def both():
    return load_model(TINY, runtime="torch"), load_model(TINY, runtime="transformers")


def test_logits_and_hidden_states_match_transformers_with_left_padding(both):
    a, b = both
    assert isinstance(a.model, plain.GPT2LM) and type(b.model).__name__ == "GPT2LMHeadModel"
    tok = a.tokenizer
    rows = [tok(GLUT5_PROMOTER_300[:150])["input_ids"], tok("Is this a promoter?")["input_ids"]]
    ids, mask, pos = left_pad(rows, tok.pad_token_id)
    out = a.model(input_ids=ids, attention_mask=mask, position_ids=pos, output_hidden_states=True)
    with torch.no_grad():
        ref = b.model(input_ids=ids, attention_mask=mask, position_ids=pos, output_hidden_states=True)
    real = mask.bool()
    assert out.logits.shape == ref.logits.shape
    torch.testing.assert_close(out.logits[real], ref.logits[real], atol=1e-4, rtol=1e-4)
    assert len(out.hidden_states) == len(ref.hidden_states) == b.model.config.n_layer + 1
    for h, r in zip(out.hidden_states, ref.hidden_states, strict=True):
        torch.testing.assert_close(h[real], r[real], atol=1e-4, rtol=1e-4)


def test_label_scores_with_the_shared_prefix_cache_match(both):
    a, b = both
    prompts = [f"Is this a promoter? {GLUT5_PROMOTER_300[:n]}" for n in (60, 140, 300)]
    labels = ["promoter", "non-promoter"]
    np.testing.assert_allclose(
        score_candidates(a.model, a.tokenizer, prompts, labels),
        score_candidates(b.model, b.tokenizer, prompts, labels),
        atol=1e-4,
    )


def test_cached_greedy_generation_matches(both):
    a, b = both
    cfg = SamplingConfig(max_new_tokens=12, temperature=0.0)
    prompts = ["The promoter of a gene", "ACGTTGCAAT"]
    assert generate(a.model, a.tokenizer, prompts, config=cfg) == generate(
        b.model, b.tokenizer, prompts, config=cfg
    )


def test_classification_heads_match():
    seqs = [GLUT5_PROMOTER_300, "ACGT" * 20, GLUT5_PROMOTER_300[:101]]
    ours, tok, _ = load_classifier(TINY, "prom_300_all", runtime="torch")
    ref, _, _ = load_classifier(TINY, "prom_300_all", runtime="transformers")
    assert isinstance(ours, plain.GPT2Classifier)
    np.testing.assert_allclose(classify_probs(ours, tok, seqs), classify_probs(ref, tok, seqs), atol=1e-5)


def test_unsupported_configs_fall_back_to_transformers(tmp_path, both):
    folder = tmp_path / "relu"
    folder.mkdir()
    for f in TINY.iterdir():
        if f.is_file():
            (folder / f.name).write_bytes(f.read_bytes())
    config = json.loads((TINY / "config.json").read_text())
    assert plain.supports(TINY / "config.json")
    (folder / "config.json").write_text(json.dumps({**config, "activation_function": "relu"}))
    assert not plain.supports(folder / "config.json")
    assert type(load_model(folder, runtime="torch").model).__name__ == "GPT2LMHeadModel"
    with pytest.raises(ConfigError, match="runtime"):
        load_model(TINY, runtime="onnx")


def test_loading_for_inference_does_not_import_transformers():
    """The point of the runtime: a cold start without transformers (its import alone costs seconds)."""
    code = (
        "import sys; from dnahlm.model import load_model; from dnahlm.heads import load_classifier; "
        "m = load_model(); load_classifier(m.path, 'prom_300_all'); "
        "print(sorted(k for k in sys.modules if k.startswith(('transformers', 'torch._dynamo'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


TEXTS = [
    GLUT5_PROMOTER_300,
    "Is this sequence a promoter? Answer: non-promoter",
    "naïve café, 5' UTR → exon 2\n\ttabs and  spaces",
    "<|endoftext|>ACGT<|pad|>",
    "",
]


def test_light_tokenizer_matches_transformers(tmp_path):
    from dnahlm.tokenizer import LightTokenizer, load_tokenizer

    light, full = load_tokenizer(TINY, light=True), load_tokenizer(TINY)
    assert isinstance(light, LightTokenizer) and type(full).__name__ != "LightTokenizer"
    assert light(TEXTS)["input_ids"] == full(TEXTS, add_special_tokens=False)["input_ids"]
    assert light(TEXTS[1])["input_ids"] == full(TEXTS[1])["input_ids"]
    for attr in ("eos_token", "bos_token", "pad_token", "eos_token_id", "bos_token_id", "pad_token_id"):
        assert getattr(light, attr) == getattr(full, attr), attr
    assert len(light) == len(full)
    for text in TEXTS:
        ids = light(text)["input_ids"]
        for skip in (False, True):
            assert light.decode(ids, skip_special_tokens=skip) == full.decode(
                ids, skip_special_tokens=skip, clean_up_tokenization_spaces=False
            )
    assert torch.equal(light("ACGT promoter", return_tensors="pt")["input_ids"],
                       full("ACGT promoter", return_tensors="pt")["input_ids"])  # fmt: skip
    light.save_pretrained(tmp_path)
    assert load_tokenizer(tmp_path, light=True)(TEXTS)["input_ids"] == light(TEXTS)["input_ids"]
