from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from dnahlm.errors import ModelNotFoundError
from dnahlm.metrics import classification_report
from dnahlm.scoring import predict_labels
from dnahlm.train.classify import classify_probs, list_heads, load_classifier
from dnahlm.train.common import load_training_state, lr_at, make_optimizer, save_training_state
from dnahlm.train.sft import IGNORE, BalancedSampler, TaskData, build_instruction_example, collate

from .conftest import motif_examples


def test_lr_schedule_warms_up_then_decays():
    kw = dict(lr=1.0, min_lr=0.1, warmup_steps=10, max_steps=110)
    assert lr_at(0, **kw) == pytest.approx(0.1)
    assert lr_at(9, **kw) == pytest.approx(1.0)
    assert lr_at(60, **kw) == pytest.approx(0.55)
    assert lr_at(110, **kw) == pytest.approx(0.1)


def test_optimizer_state_round_trips_without_pickle(tmp_path, tiny_loaded):
    model = torch.nn.Linear(3, 2)
    opt = make_optimizer(model, 0.1, 0.1, (0.9, 0.95))
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    save_training_state(tmp_path, opt, {"step": 7})
    assert not list(tmp_path.glob("*.pt")) and not list(tmp_path.glob("*.bin"))
    opt2 = make_optimizer(model, 0.1, 0.1, (0.9, 0.95))
    assert load_training_state(tmp_path, opt2) == {"step": 7}
    a, b = opt.state_dict(), opt2.state_dict()
    for pid in a["state"]:
        assert torch.equal(a["state"][pid]["exp_avg"], b["state"][pid]["exp_avg"])
    assert a["param_groups"] == b["param_groups"]


def test_sft_example_masks_prompt_and_learns_label_and_eos(tiny_tokenizer, motif_task):
    ex = motif_examples(2, 0)[1]
    ids, labels = build_instruction_example(tiny_tokenizer, motif_task, ex, 512)
    n_prompt = labels.count(IGNORE)
    assert labels[:n_prompt] == [IGNORE] * n_prompt and IGNORE not in labels[n_prompt:]
    assert labels[-1] == tiny_tokenizer.eos_token_id  # the end-of-text token is learned, not masked
    assert tiny_tokenizer.decode(labels[n_prompt:-1]) == "gc-rich"
    assert ids[n_prompt:] == labels[n_prompt:]
    batch = collate([(ids, labels), (ids[:5], labels[:5])], tiny_tokenizer.pad_token_id)
    assert batch["attention_mask"][1].sum() == 5 and (batch["labels"][1, 5:] == IGNORE).all()


def test_sampler_is_class_balanced_across_tasks(motif_task):
    skewed = [e for e in motif_examples(200, 0) if e.label == 0] + motif_examples(20, 1)[1::2]
    other = TaskData(
        motif_task.__class__("other", "generic", {0: "x", 1: "y"}), motif_examples(50, 3, "other")
    )
    sampler = BalancedSampler([TaskData(motif_task, skewed), other], seed=0)
    draws = [d for s in range(200) for d in sampler.batch(s, 8)]
    tasks = [t.name for t, _ in draws]
    assert 0.45 < tasks.count("motif") / len(tasks) < 0.55
    motif_labels = [e.label for t, e in draws if t.name == "motif"]
    assert 0.42 < np.mean(motif_labels) < 0.58  # 1 in 11 examples is positive, drawn half the time
    assert sampler.batch(5, 8) == sampler.batch(5, 8)


def test_sft_model_learns_the_task(sft_loaded, sft_checkpoint_session, motif_task):
    val = motif_examples(60, 9)
    preds = predict_labels(sft_loaded.model, sft_loaded.tokenizer, motif_task, [e.sequence for e in val])
    rep = classification_report([e.label for e in val], [p.label for p in preds], motif_task.labels)
    assert rep["accuracy"] > 0.7, rep
    assert all(abs(sum(p.probs.values()) - 1) < 1e-6 for p in preds)
    meta = json.loads((sft_checkpoint_session / "dnahlm.json").read_text())
    assert meta["sft"]["tasks"]["motif"]["train"] == 400 and meta["preset"] == "tiny-test"


def test_classification_head_is_small_and_reloads(sft_checkpoint_session, motif_task):
    head = sft_checkpoint_session / "heads" / "motif"
    names = set(load_file(str(head / "head.safetensors")))
    assert "score.weight" in names and "transformer.h.1.mlp.c_fc.weight" in names
    assert not any(n.startswith("transformer.h.0.") or n.startswith("transformer.wte") for n in names)
    assert list_heads(sft_checkpoint_session) == ["motif"]
    model, tok, task = load_classifier(sft_checkpoint_session, "motif", device="cpu")
    assert task.labels == motif_task.labels
    val = motif_examples(60, 9)
    probs = classify_probs(model, tok, [e.sequence for e in val])
    assert probs.shape == (60, 2) and np.allclose(probs.sum(1), 1)
    acc = float(np.mean(probs.argmax(1) == np.array([e.label for e in val])))
    assert acc > 0.65
    info = json.loads((head / "head.json").read_text())
    assert info["val"]["n"] == 40
    with pytest.raises(ModelNotFoundError, match="heads: motif"):
        load_classifier(sft_checkpoint_session, "splice")


def test_head_refuses_other_base_weights(sft_checkpoint_session, tmp_path):
    import shutil

    from dnahlm.model import load_model, save_checkpoint

    sft_loaded = load_model(sft_checkpoint_session, runtime="transformers")  # a model that can be saved

    copy = tmp_path / "copy"
    shutil.copytree(sft_checkpoint_session, copy)
    weight = sft_loaded.model.transformer.h[0].mlp.c_fc.weight
    original = weight.detach().clone()
    with torch.no_grad():
        weight.add_(0.01)
    try:
        save_checkpoint(sft_loaded.model, sft_loaded.tokenizer, copy)  # new base weights, heads kept
    finally:
        with torch.no_grad():
            weight.copy_(original)
    assert list_heads(copy) == ["motif"]
    with pytest.raises(ModelNotFoundError, match="other base weights"):
        load_classifier(copy, "motif")


def test_head_reads_end_of_text_when_padding_is_end_of_text(sft_checkpoint_session, motif_task):
    """Published GPT-2 tokenizers pad with end-of-text; the head must still read the end-of-text token."""
    model, tok, _ = load_classifier(sft_checkpoint_session, "motif", device="cpu")
    seqs = [e.sequence for e in motif_examples(6, 4)] + ["ACGT"]
    ours = classify_probs(model, tok, seqs)
    tok.pad_token = tok.eos_token
    alone = np.stack([classify_probs(model, tok, [s])[0] for s in seqs])
    np.testing.assert_allclose(classify_probs(model, tok, seqs), alone, atol=1e-5)
    np.testing.assert_allclose(ours, alone, atol=1e-5)
