"""The literature that ships with pyjaspar: JASPAR profile annotations as cited passages, and their use by
the agent when no papers are indexed."""

from __future__ import annotations

import re

import pytest

from dnahlm.agents.graph import ToolCall, build_agent, with_found_factors
from dnahlm.agents.knowledge_tools import KnowledgeTools
from dnahlm.agents.literature import SOURCE_LABEL, jaspar_references, reference_retriever
from dnahlm.agents.motif_tool import scan_result
from dnahlm.bio.jaspar import load_profiles
from dnahlm.bio.motifs import MotifScanner
from dnahlm.errors import ConfigError
from dnahlm.examples import GLUT5_PROMOTER_300


def test_one_passage_per_profile_the_scanner_uses():
    docs = jaspar_references()
    assert [d.metadata["motif_id"] for d in docs] == sorted(p.motif_id for p in load_profiles())
    assert len({d.id for d in docs}) == len(docs) > 1000
    assert sum("pmid" in d.metadata for d in docs) > 0.95 * len(docs)


@pytest.mark.parametrize("matrix_id", ["MA0105.4", "MA0154.5", "MA0108.3", "MA0139.2"])
def test_passages_state_what_jaspar_records(matrix_id):
    """Facts read back through pyjaspar's own Biopython motif objects, not through our SQL."""
    from pyjaspar import jaspardb

    db = jaspardb()
    motif = db.fetch_motif_by_id(matrix_id)
    db.conn.close()
    doc = next(d for d in jaspar_references() if d.metadata["motif_id"] == matrix_id)
    text = doc.page_content
    assert doc.metadata["tf"] == motif.name and text.startswith(f"{motif.name} (JASPAR {matrix_id})")
    pmid = str(motif.medline).split(",")[0].strip()
    assert doc.metadata["pmid"] == pmid and f"PubMed {pmid}" in text
    for family in motif.tf_family or []:
        assert family in text
    for data_type in [motif.data_type] if motif.data_type else []:
        assert data_type in text
    # every sentence names the factor, so a quoted sentence stands alone
    assert all(motif.name in s for s in re.split(r"(?<=\.)\s+(?=[A-Z])", text))


def test_filters_and_bad_release():
    tbp = jaspar_references(names=["tbp"])
    assert [d.metadata["tf"] for d in tbp] == ["TBP"] and "TATA box binding protein" in tbp[0].page_content
    plants = jaspar_references(tax_group="plants")
    assert plants and not {d.metadata["motif_id"] for d in plants} & {p.motif_id for p in load_profiles()}
    with pytest.raises(ConfigError, match="unknown JASPAR release"):
        jaspar_references(release="JASPAR1999")


def test_bm25_finds_factors_by_name_alias_and_family():
    r = reference_retriever()
    assert {d.metadata["tf"] for d in r.invoke("NF-kappaB")} & {"NFKB1", "NFKB2", "RELA", "REL", "RELB"}
    assert r.invoke("TFIID", k=1)[0].metadata["tf"] == "TBP"  # an alias only
    assert r.invoke("CTCF insulator", k=1)[0].metadata["tf"] == "CTCF"
    assert r.invoke("zzzz-no-such-word") == []


def test_paper_search_without_an_index_uses_the_annotations():
    result = KnowledgeTools(None).papers("What do papers say about NF-kappaB?")
    assert result.source == SOURCE_LABEL
    assert result.passages and all(p.citation.startswith("PMID:") for p in result.passages)
    assert any("NF-kappaB" in p.text for p in result.passages)


def test_a_question_about_them_searches_for_the_factors_found():
    scan = scan_result(MotifScanner.from_jaspar(), GLUT5_PROMOTER_300, top=5)
    call = ToolCall(tool="scan_motifs", args={}, result=scan)
    query = with_found_factors("what do papers say about them?", [call])
    found = list(dict.fromkeys(h.name for h in scan.hits))
    assert query == "what do papers say about them? " + " ".join(found[:5])
    assert with_found_factors("what do papers say about NF-kB?", [call]) == "what do papers say about NF-kB?"
    assert with_found_factors("what about them?", []) == "what about them?"


def test_demo_question_without_an_index_cites_the_papers_behind_the_motifs():
    q = "Which transcription factors could bind it, and what do papers say about them?"
    answer = build_agent(None).invoke({"question": q, "sequences": [GLUT5_PROMOTER_300]})["answer"]
    assert [c.tool for c in answer.tool_calls] == ["scan_motifs", "search_papers"]
    scan = answer.tool_calls[0].result
    passages = answer.tool_calls[1].result.passages
    found = {h.name for h in scan.hits}
    # the passages are about factors the scan found, and each cited PMID is that profile's own
    pmids = {d.metadata["tf"]: d.metadata.get("pmid") for d in jaspar_references()}
    assert passages and {p.title.split()[-1] for p in passages} <= found
    for p in passages:
        assert p.citation == f"PMID:{pmids[p.title.split()[-1]]}"
    assert f"From the {SOURCE_LABEL}" in answer.text
    cited = {c.id for c in answer.citations if c.kind == "passage"}
    assert cited and cited <= {p.citation for p in passages}
