"""A user's chat model through the whole ask path, with a scripted tool-calling model (no service)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from dnahlm.agents.graph import build_agent
from dnahlm.cli.main import main

SEQ = "AAAGAATTCTTTTTTGGATCCAAAA" * 4  # EcoRI and BamHI once per 25 bp repeat: 8 cuts, 9 fragments


class Scripted(GenericFakeChatModel):
    """Replies in order; a reply that is an exception is raised instead. Records the tools offered."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> Scripted:
        self.__dict__["bound"] = [t.name for t in tools]
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        reply = next(self.messages)
        if isinstance(reply, Exception):
            raise reply
        self.messages = iter([reply, *self.messages])  # let the parent class emit it
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def digest_call() -> AIMessage:
    call = {"name": "digest", "args": {"sequence": "SEQUENCE", "enzymes": ["EcoRI", "BamHI"]}, "id": "c1"}
    return AIMessage(content="", tool_calls=[call])


def ask(llm: Any, question: str = "What does an EcoRI + BamHI digest give?") -> Any:
    return build_agent(None, llm=llm).invoke({"question": question, "sequences": [SEQ]})["answer"]


def test_the_chat_model_plans_and_writes_a_grounded_answer():
    written = "The EcoRI and BamHI double digest gives 9 fragments [1]."
    llm = Scripted(messages=iter([digest_call(), AIMessage(content="done"), AIMessage(content=written)]))
    answer = ask(llm)
    assert [c.tool for c in answer.tool_calls] == ["digest"] and answer.tool_calls[0].ok
    assert answer.text == written and answer.generated == written and answer.grounded
    assert "every sentence checked" in answer.note
    assert answer.call_for(0) is answer.tool_calls[0]  # [1] cites the digest
    assert {"digest", "melting_temperature", "predict", "search_papers"} <= set(llm.__dict__["bound"])


def test_an_ungrounded_written_sentence_falls_back_to_the_composed_answer():
    written = "The digest gives 9 fragments [1]. This plasmid is widely used in cancer therapy [1]."
    llm = Scripted(messages=iter([digest_call(), AIMessage(content="done"), AIMessage(content=written)]))
    answer = ask(llm)
    assert not answer.grounded and answer.generated == written  # kept for inspection, not answered
    assert "cancer" not in answer.text
    assert "9 fragments" in answer.text  # the composed answer, from the tool's result
    assert "composed answer kept: 1 of 2 written sentences not supported" in answer.note


def test_a_failing_chat_model_falls_back_to_the_offline_planner():
    llm = Scripted(messages=iter([ConnectionError("connection refused"), ConnectionError("still down")]))
    answer = ask(llm, "fragments from an EcoRI+BamHI double digest?")
    assert [c.tool for c in answer.tool_calls] == ["digest"] and "9 fragments" in answer.text
    assert not answer.grounded and answer.generated is None
    assert (
        "the chat model could not plan (ConnectionError: connection refused); planned offline" in answer.note
    )
    assert "composed answer kept: the chat model failed (ConnectionError: still down)" in answer.note


def test_a_chat_model_that_calls_no_tool_leaves_the_plan_to_the_offline_planner():
    llm = Scripted(messages=iter([AIMessage(content="I think it has some fragments."), ValueError("x")]))
    answer = ask(llm, "fragments from an EcoRI+BamHI double digest?")
    assert [c.tool for c in answer.tool_calls] == [
        "digest"
    ] and "called no tool; planned offline" in answer.note


def test_llm_specs_go_to_init_chat_model(monkeypatch):
    import langchain.chat_models

    from dnahlm.agents.chat import chat_model
    from dnahlm.errors import ConfigError

    seen = []
    monkeypatch.setattr(
        langchain.chat_models, "init_chat_model", lambda m, model_provider: seen.append((model_provider, m))
    )
    chat_model("ollama:qwen2.5:7b")
    chat_model("OpenAI:gpt-4o-mini")
    assert seen == [("ollama", "qwen2.5:7b"), ("openai", "gpt-4o-mini")]
    for bad in ("qwen2.5", ":gpt-4o", "ollama:"):
        with pytest.raises(ConfigError, match="expected PROVIDER:MODEL"):
            chat_model(bad)

    def missing(m, model_provider):
        raise ImportError("no module named langchain_ollama")

    monkeypatch.setattr(langchain.chat_models, "init_chat_model", missing)
    with pytest.raises(ConfigError, match="pip install langchain-ollama"):
        chat_model("ollama:llama3")


def test_cli_ask_llm(monkeypatch, capsys, setting_env):
    from dnahlm.agents import chat

    assert main(["ask", "GC?", "--seq", SEQ, "--llm", "qwen"]) == 2
    assert "expected PROVIDER:MODEL" in capsys.readouterr().err

    replies = [digest_call(), AIMessage(content="done"), AIMessage(content="It gives 9 fragments [1].")]
    monkeypatch.setattr(chat, "chat_model", lambda spec: Scripted(messages=iter(list(replies))))
    assert main(["ask", "EcoRI + BamHI digest?", "--seq", SEQ, "--llm", "ollama:qwen2.5:7b"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("It gives 9 fragments [1].") and "written by the chat model" in err
    setting_env("DNAHLM_LLM", "ollama:qwen2.5:7b")  # the setting does the same
    assert main(["ask", "EcoRI + BamHI digest?", "--seq", SEQ]) == 0
    assert capsys.readouterr().out.startswith("It gives 9 fragments [1].")
