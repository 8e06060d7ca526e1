"""The ``scan_motifs`` LangChain tool (:mod:`dnahlm.agents.motif_tool`): typed result, errors as text, and
langchain-tests' standard tool suite."""

from __future__ import annotations

import pytest
from langchain_core.tools import BaseTool
from langchain_tests.unit_tests import ToolsUnitTests

from dnahlm.agents.motif_tool import MotifScanResult, scan_tool
from dnahlm.bio.jaspar import load_profiles
from dnahlm.bio.motifs import MotifScanner

from .test_bio_motifs import IDS, plant, random_dna


@pytest.fixture(scope="module")
def scanner():
    return MotifScanner(load_profiles(ids=IDS))


def test_the_tool_returns_a_typed_result(scanner):
    tool = scan_tool(scanner)
    seq = plant(random_dna(300, 9), "TATAAAA", 120)
    result = tool.invoke({"sequence": seq, "top": 5})
    assert isinstance(result, MotifScanResult)
    assert result.sequence_length == 300 and result.profiles_scanned == len(IDS)
    assert len(result.hits) <= 5 and result.total_hits == sum(result.counts.values())
    only = tool.invoke({"sequence": seq, "names": ["tbp"], "p_value": 1e-4})
    assert only.profiles_scanned == 1 and {h.name for h in only.hits} == {"TBP"}
    assert any(h.start == 120 and h.strand == 1 for h in only.hits)
    assert "position 3" in tool.invoke({"sequence": "ACX"})  # user errors come back as text for the agent
    assert "no motif profile named" in tool.invoke({"sequence": seq, "names": ["NOPE"]})
    with pytest.raises(Exception, match="less than or equal"):
        tool.invoke({"sequence": seq, "p_value": 0.5})
    assert "p-value" in tool.description and "strand" in tool.description


class TestScanToolStandard(ToolsUnitTests):
    @property
    def tool_constructor(self) -> BaseTool:
        return scan_tool(MotifScanner(load_profiles(ids=IDS[:2])))

    @property
    def tool_invoke_params_example(self) -> dict:
        return {"sequence": "GCGCTATAAAAGGCGC", "p_value": 1e-4, "top": 3, "names": ["TBP"]}
