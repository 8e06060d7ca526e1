"""Contract test for the LangChain ``DNAHLM`` LLM (there is no standard suite for plain LLMs).

Every generated text is checked against a reference computed here, independently of :mod:`dnahlm.generate`:
a plain greedy loop that runs the whole sequence through the model at every step (no key/value cache, no
padding, no batching), takes the argmax, stops at end-of-text, and cuts the decoded text at the first stop
string. The untuned tiny model suits that well: it never emits end-of-text, so its continuations are as
long as the token budget allows, and they mix several tokens (``CCCC...gigi``), which gives stop strings
something to cut.
"""

from __future__ import annotations

import pytest
import torch
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.prompts import PromptTemplate

from dnahlm.llm import DEFAULT_STOP, DNAHLM
from dnahlm.prompts import format_instruction, format_prompt

PROMPTS = [  # different lengths in tokens, so a batch of them is left-padded
    "GGGGCCCC",
    "The quick brown fox jumps over the lazy dog. The quick",
    "TATAAA GGGCGG CCAAT",
    "Splice sites mark the",  # its continuation ends in bytes that are no whole UTF-8 character
]
LONG = 40
"""Tokens enough for the continuations above to change token (``GGGGCCCC``: 27 C, then ``gigi...``)."""


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs) -> None:
        self.tokens.append(token)


@torch.no_grad()
def greedy_ids(loaded, prompt: str, max_new: int) -> list[int]:
    """Token ids of the greedy continuation, by full recomputation at each step (end-of-text not included)."""
    tok, model = loaded.tokenizer, loaded.model
    ids = tok(prompt, add_special_tokens=False)["input_ids"]
    new: list[int] = []
    for _ in range(max_new):
        logits = model(input_ids=torch.tensor([ids + new])).logits  # (1, T, V)
        token = int(logits[0, -1].argmax())
        if token == tok.eos_token_id:
            break
        new.append(token)
    return new


def reference(loaded, prompt: str, max_new: int, stops=DEFAULT_STOP) -> str:
    """The expected greedy text: decoded, then cut at the earliest stop string."""
    text = loaded.tokenizer.decode(greedy_ids(loaded, prompt, max_new), clean_up_tokenization_spaces=False)
    cuts = [text.find(s) for s in stops if s in text]
    return text[: min(cuts)] if cuts else text


@pytest.fixture(scope="module", params=["torch", "transformers"])
def untuned(request, tiny_checkpoint_session):
    """The untuned 2-layer model, under each inference runtime."""
    from dnahlm.model import load_model

    return load_model(tiny_checkpoint_session, device="cpu", runtime=request.param)


def make(loaded, **kw) -> DNAHLM:
    kw.setdefault("max_new_tokens", 16)
    return DNAHLM.from_loaded(loaded, **kw)


def test_identity_and_params(sft_loaded):
    llm = make(sft_loaded)
    assert llm._llm_type == "dnahlm"
    assert llm._identifying_params["max_new_tokens"] == 16
    assert llm.model_path == str(sft_loaded.path)
    assert llm.stop_sequences == ["### Instruction:", "### Input:", "### Response:"]


def test_greedy_invoke_equals_an_independent_argmax_loop(untuned):
    llm = make(untuned)
    for prompt in PROMPTS:
        expected = reference(untuned, prompt, 16)
        assert len(greedy_ids(untuned, prompt, 16)) == 16  # the model did not stop early: a real check
        assert llm.invoke(prompt) == expected, prompt


def test_from_pretrained_loads_a_folder(tiny_checkpoint_session, untuned):
    llm = DNAHLM.from_pretrained(tiny_checkpoint_session, device="cpu", max_new_tokens=6)
    assert llm.model_path == str(tiny_checkpoint_session)
    assert llm.invoke(PROMPTS[0]) == reference(untuned, PROMPTS[0], 6)


def test_max_new_tokens_is_the_token_budget(untuned):
    llm = make(untuned)
    tok = untuned.tokenizer
    for prompt in PROMPTS[:2]:
        ids = greedy_ids(untuned, prompt, 12)
        outs = []
        for n in (1, 3, 12):
            out = llm.invoke(prompt, max_new_tokens=n)
            assert out == tok.decode(ids[:n], clean_up_tokenization_spaces=False), (prompt, n)
            outs.append(out)
        assert len(outs[0]) < len(outs[1]) < len(outs[2])  # each extra token adds text


def test_stop_sequences_cut_the_text(untuned):
    llm = make(untuned, max_new_tokens=LONG)
    full = reference(untuned, PROMPTS[0], LONG)
    assert "gi" in full and not full.startswith("gi")  # 'CCC...Cgigi...'
    cut = full[: full.find("gi")]
    assert llm.invoke(PROMPTS[0], stop=["gi"]) == cut
    assert llm.invoke(PROMPTS[0], stop=["Cg"]) == full[: full.find("Cg")]  # a stop across two tokens
    assert llm.invoke(PROMPTS[0], stop=["TTTT"]) == full  # a stop that never occurs cuts nothing
    # stops given to the class apply to every call, together with those passed per call
    always = make(untuned, max_new_tokens=LONG, stop_sequences=["gi"])
    assert always.invoke(PROMPTS[0]) == cut
    assert always.invoke(PROMPTS[0], stop=["CC"]) == full[: full.find("CC")]  # the earlier of the two
    other = reference(untuned, PROMPTS[1], LONG)
    at = other.index("m")
    assert 0 < at < len(other) - 1
    assert llm.batch(PROMPTS[:2], stop=["gi", "m"]) == [cut, other[:at]]


def test_batch_equals_per_item_invoke(untuned):
    llm = make(untuned, batch_size=3)  # four prompts: a batch of three and one of one
    expected = [reference(untuned, p, 16) for p in PROMPTS]
    assert [llm.invoke(p) for p in PROMPTS] == expected
    assert llm.batch(PROMPTS) == expected
    assert make(untuned, batch_size=8).batch(PROMPTS[::-1]) == expected[::-1]


def test_stream_chunks_join_to_the_invoke_text(untuned):
    llm = make(untuned, max_new_tokens=LONG)
    for prompt, stop in ((PROMPTS[0], None), (PROMPTS[0], ["Cgi"]), (PROMPTS[1], ["km"]), (PROMPTS[3], None)):
        expected = reference(untuned, prompt, LONG, (*DEFAULT_STOP, *(stop or [])))
        cb = Tokens()
        streamed = list(llm.stream(prompt, stop=stop, config={"callbacks": [cb]}))
        assert "".join(streamed) == expected == llm.invoke(prompt, stop=stop), (prompt, stop)
        assert len(streamed) > 1  # it streams, piece by piece
        assert cb.tokens == streamed
    assert "\ufffd" in reference(untuned, PROMPTS[3], LONG)  # the case of bytes that end no character


def test_sampling_with_top_k_1_is_greedy_and_seeds_repeat(untuned):
    expected = reference(untuned, PROMPTS[1], 16)
    assert make(untuned, temperature=1.5, top_k=1, seed=3).invoke(PROMPTS[1]) == expected
    sampled = make(untuned, temperature=1.5, seed=3)
    first = sampled.invoke(PROMPTS[1])
    assert sampled.invoke(PROMPTS[1]) == first
    # untuned, the model's distribution is near uniform: 16 tokens drawn at temperature 1.5 are not the
    # greedy ones for every seed
    assert any(make(untuned, temperature=1.5, seed=s).invoke(PROMPTS[1]) != expected for s in range(3))


def test_the_tuned_model_answers_with_the_right_label_and_stops(sft_loaded, motif_task):
    """The original SFT masked EOS so its model never stopped; ours must end right after the label."""
    llm = make(sft_loaded, max_new_tokens=32)
    seqs = ("ACGTTATAAAGCAT" * 2, "GGGGCCCCAGAG" * 2)
    gc = [sum(b in "GC" for b in s) / len(s) for s in seqs]
    assert gc[0] < 0.4 and gc[1] > 0.6  # the first is AT-rich, the second GC-rich
    prompts = [format_prompt(motif_task, s) for s in seqs]
    assert llm.batch(prompts) == ["at-rich", "gc-rich"]
    assert [reference(sft_loaded, p, 32) for p in prompts] == ["at-rich", "gc-rich"]
    assert len(greedy_ids(sft_loaded, prompts[0], 32)) < 32  # it ended with end-of-text, not the budget


def test_composes_in_lcel(untuned):
    template = format_instruction("{q}", "{seq}")
    llm = make(untuned)
    chain = PromptTemplate.from_template(template) | llm
    prompt = template.format(q="Is this sequence GC-rich or AT-rich?", seq="ACGT")
    assert chain.invoke({"q": "Is this sequence GC-rich or AT-rich?", "seq": "ACGT"}) == reference(
        untuned, prompt, 16
    )
