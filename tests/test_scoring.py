from __future__ import annotations

import numpy as np
import torch

from dnahlm.generate import SamplingConfig, _TextState, generate, stream
from dnahlm.scoring import fit_temperature, score_candidates, score_candidates_naive, softmax

PROMPTS = ["Is ACGTTATAAAGG a promoter?", "short", "A much longer prompt about a splice site " * 3 + "GTAAGT"]
CANDIDATES = ["promoter", "non-promoter", "splice donor site"]


def test_shared_prefix_scoring_equals_naive_loop(tiny_loaded):
    m = tiny_loaded
    fast = score_candidates(m.model, m.tokenizer, PROMPTS, CANDIDATES, batch_size=2)
    slow = score_candidates_naive(m.model, m.tokenizer, PROMPTS, CANDIDATES)
    assert fast.shape == (3, 3)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-3)
    again = score_candidates(m.model, m.tokenizer, PROMPTS, CANDIDATES, batch_size=32)
    np.testing.assert_allclose(fast, again, rtol=1e-4, atol=1e-3)


def test_scores_include_the_end_of_text_token(tiny_loaded):
    m = tiny_loaded
    # "promoter" + eos vs "promoter" + eos: identical; a longer candidate gets a strictly different score
    s = score_candidates(m.model, m.tokenizer, ["x"], ["promoter", "promoter"])
    assert s[0, 0] == s[0, 1]
    assert np.all(s < 0)


def test_temperature_fit_recovers_overconfidence():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 2, 5000)
    y = (rng.random(5000) < 1 / (1 + np.exp(-z))).astype(int)  # labels drawn from the logits: calibrated
    t = fit_temperature(np.stack([np.zeros_like(z), z], 1) * 5, y)  # scores 5x too sharp
    assert 4.0 < t < 6.5
    assert np.allclose(softmax(np.array([[0.0, 0.0]])), 0.5)


@torch.no_grad()
def naive_greedy(model, tokenizer, prompt, n):
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    out = []
    for _ in range(n):
        nxt = int(model(input_ids=torch.tensor([ids + out])).logits[0, -1].argmax())
        if nxt == tokenizer.eos_token_id:
            break
        out.append(nxt)
    return tokenizer.decode(out)


def test_cached_batched_generation_equals_uncached_loop(sft_loaded):
    m = sft_loaded
    prompts = ["### Instruction:\nIs this sequence GC-rich or AT-rich?", "ACGT" * 5]
    cfg = SamplingConfig(max_new_tokens=12)
    batched = generate(m.model, m.tokenizer, prompts, config=cfg)
    assert batched == [naive_greedy(m.model, m.tokenizer, p, 12) for p in prompts]
    assert "".join(stream(m.model, m.tokenizer, prompts[1], config=cfg)) == batched[1]


def test_sampling_is_seeded(sft_loaded):
    m = sft_loaded
    cfg = SamplingConfig(max_new_tokens=20, temperature=1.5, top_k=50, top_p=0.95, seed=3)
    a = generate(m.model, m.tokenizer, ["ACGT"], config=cfg)
    assert a == generate(m.model, m.tokenizer, ["ACGT"], config=cfg)


def test_stop_sequences_cut_and_are_never_streamed(tiny_tokenizer):
    text = "hello world ### Response: more"
    state = _TextState(tiny_tokenizer, ["### Resp"])
    pieces = [state.feed(t) for t in tiny_tokenizer(text, add_special_tokens=False)["input_ids"]]
    assert "".join(pieces) == "hello world " and state.done
    assert all("#" not in p for p in pieces)
    eos = _TextState(tiny_tokenizer, [])
    assert eos.feed(tiny_tokenizer.eos_token_id) == "" and eos.done


def test_shared_instruction_is_run_once_and_scores_are_unchanged(tiny_loaded, motif_task):
    from dnahlm.prompts import format_prompt
    from dnahlm.scoring import prompt_budget, split_shared_prefix

    m = tiny_loaded
    prompts = [format_prompt(motif_task, s) for s in ("ACGTTATAAAGG", "GG", "TTTTACGCGCGCATAT" * 4)]
    shared = split_shared_prefix(m.tokenizer, prompts, prompt_budget(m.model, m.tokenizer, CANDIDATES))
    assert shared is not None
    prefix, rests = shared
    assert m.tokenizer.decode(prefix).endswith("### Input:\n")
    assert [prefix + r for r in rests] == [
        m.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts
    ]
    fast = score_candidates(m.model, m.tokenizer, prompts, CANDIDATES, batch_size=2)
    np.testing.assert_allclose(
        fast, score_candidates_naive(m.model, m.tokenizer, prompts, CANDIDATES), atol=1e-3
    )
    assert split_shared_prefix(m.tokenizer, PROMPTS, 10_000) is None  # nothing shared up to a line break
