"""The agent's sequence tools (:mod:`dnahlm.agents.sequence_tools`): schemas, JSON content, artifacts, and
errors that come back as text. The biology behind them is tested in ``tests/test_bio_*.py``.
"""

from __future__ import annotations

import doctest
import json

from dnahlm.agents import sequence_tools as st
from dnahlm.agents.sequence_tools import sequence_tools


def test_the_docstring_examples_run():
    result = doctest.testmod(st)
    assert result.attempted >= 1 and result.failed == 0


# ---------------------------------------------------------------- LangChain tools


def test_tools_have_schemas_json_content_and_artifacts():
    tools = {t.name: t for t in sequence_tools()}
    assert set(tools) == {
        "sequence_stats", "reverse_complement", "translate_frames", "find_orfs", "restriction_sites",
        "align_identity",
    }  # fmt: skip
    for tool in tools.values():
        assert tool.description and "Args:" not in tool.description and tool.args_schema is not None
    assert "0-based" in tools["find_orfs"].description and "0-based" in tools["restriction_sites"].description
    call = {
        "type": "tool_call",
        "id": "c1",
        "name": "find_orfs",
        "args": {"sequence": "ATG" + "GCT" * 40 + "TAA"},
    }
    message = tools["find_orfs"].invoke(call)
    assert message.status == "success"
    assert json.loads(message.content)[0]["length_aa"] == 41 and message.artifact[0].length_aa == 41
    stats = json.loads(tools["sequence_stats"].invoke({"sequence": "ACGCGT"}))
    assert stats["cpg_count"] == 2


def test_tool_errors_come_back_as_text():
    tools = {t.name: t for t in sequence_tools()}
    bad = {"type": "tool_call", "id": "c2", "name": "sequence_stats", "args": {"sequence": "ACGU"}}
    message = tools["sequence_stats"].invoke(bad)
    assert message.status == "error" and "'U'" in message.content and "position 4" in message.content
    enzyme = tools["restriction_sites"].invoke({"sequence": "ACGT", "enzymes": ["NotAnEnzyme"]})
    assert "NotAnEnzyme" in enzyme
    schema = tools["find_orfs"].invoke({"sequence": "ACGT", "min_protein_length": 0})
    assert isinstance(schema, str) and "error" in schema.lower()
