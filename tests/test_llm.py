"""Contract test for the LangChain ``DNAHLM`` LLM (there is no standard suite for plain LLMs)."""

from __future__ import annotations

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.prompts import PromptTemplate

from dnahlm.llm import DNAHLM
from dnahlm.prompts import format_instruction


class Tokens(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: str, **kwargs) -> None:
        self.tokens.append(token)


def make(sft_loaded, **kw) -> DNAHLM:
    kw.setdefault("max_new_tokens", 16)
    return DNAHLM.from_loaded(sft_loaded, **kw)


def test_identity_and_params(sft_loaded):
    llm = make(sft_loaded)
    assert llm._llm_type == "dnahlm"
    assert llm._identifying_params["max_new_tokens"] == 16
    assert llm.model_path == str(sft_loaded.path)


def test_from_pretrained_loads_a_folder(sft_checkpoint_session):
    llm = DNAHLM.from_pretrained(sft_checkpoint_session, device="cpu", max_new_tokens=4)
    assert isinstance(llm.invoke("ACGT"), str)


def test_invoke_batch_stream_agree(sft_loaded):
    llm = make(sft_loaded)
    prompts = [
        format_instruction("Is this sequence GC-rich or AT-rich?", s) for s in ("ACGTTATAAAGC", "GGGGCCCC")
    ]
    single = [llm.invoke(p) for p in prompts]
    assert llm.batch(prompts) == single
    cb = Tokens()
    streamed = list(llm.stream(prompts[0], config={"callbacks": [cb]}))
    assert "".join(streamed) == single[0]
    assert cb.tokens == streamed


def test_the_tuned_model_answers_with_a_label_and_stops(sft_loaded, motif_task):
    """The original SFT masked EOS so its model never stopped; ours must end right after the label."""
    llm = make(sft_loaded, max_new_tokens=32)
    from dnahlm.prompts import format_prompt

    answers = llm.batch([format_prompt(motif_task, s) for s in ("ACGTTATAAAGCAT" * 2, "GGGGCCCCAGAG" * 2)])
    assert all(a in motif_task.label_names for a in answers), answers


def test_stop_sequences_are_respected(sft_loaded):
    llm = make(sft_loaded, max_new_tokens=24, temperature=1.0, seed=0)
    out = llm.invoke("ACGTACGTACGT", stop=["A"])
    assert "A" not in out
    assert "### Instruction:" not in llm.invoke("### Response:\nx", max_new_tokens=24)


def test_composes_in_lcel(sft_loaded):
    chain = PromptTemplate.from_template(format_instruction("{q}", "{seq}")) | make(sft_loaded)
    assert isinstance(chain.invoke({"q": "Is this sequence GC-rich or AT-rich?", "seq": "ACGT"}), str)
