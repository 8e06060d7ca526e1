"""The relevance test a passage passes before an answer quotes it."""

from __future__ import annotations

import pytest

from dnahlm.retrieval.relevance import about, subject_phrase, subjects


def test_subjects_are_the_named_things_else_the_content_words():
    assert subjects("What do papers say about NF-kB in T cells?") == (["NF-kB"], [])
    assert subjects("What is known about the TATA box and TBP?")[0] == ["TATA", "TBP"]
    assert subjects("p53, E-box and IL-2: any link?")[0] == ["p53", "E-box", "IL-2"]
    assert subjects("How does DNA PCR work?") == ([], [])  # lab words are no subject
    assert subjects("role of glucocorticoid signalling in apoptosis")[1] == ["glucoco", "signall", "apoptos"]


@pytest.mark.parametrize(
    ("question", "title", "text", "expected"),
    [
        ("What do papers say about NF-kB?", None, "NF-kappaB binds the IL-2 enhancer.", True),
        ("What do papers say about NF-kB?", None, "Nuclear NF-\u03baB was measured.", True),
        ("What do papers say about NF-kB?", None, "STAT3 is phosphorylated by JAK2.", False),
        ("Where does CTCF bind?", "CTCF", "Zinc finger protein; insulator.", True),  # the title counts
        (
            "What is the Tm of this primer?",
            "Banp",
            "TF classification inferred by sequence similarity.",
            False,
        ),
        (
            "glucocorticoid signalling and apoptosis",
            None,
            "Glucocorticoids induce apoptosis of thymocytes.",
            True,
        ),
        ("glucocorticoid signalling and apoptosis", None, "Apoptosis was measured in HeLa cells.", False),
        ("What do papers say about CRISPR off-targets?", None, "Cas9 cuts DNA.", False),
    ],
)
def test_a_passage_is_about_the_question_when_it_names_its_subject(question, title, text, expected):
    assert about(question, title, text) is expected


def test_the_missing_literature_is_named_in_the_questions_words():
    assert subject_phrase("What do papers say about NF-kB and AP-1?") == "NF-kB and AP-1"
    assert subject_phrase("anything on glucocorticoid signalling?") == "glucocorticoid and signalling"


def test_the_agent_quotes_no_passage_that_is_not_about_the_question():
    """Without an index the agent searches JASPAR's annotations; none is about CRISPR, so none is quoted."""
    from dnahlm.agents.graph import build_agent

    answer = build_agent(None).invoke(
        {"question": "What do papers say about CRISPR off-targets of zinc finger nucleases?", "sequences": []}
    )["answer"]
    assert [c.tool for c in answer.tool_calls] == ["search_papers"]
    assert answer.tool_calls[0].result.retrieved > 0 and not answer.tool_calls[0].result.passages
    assert not [c for c in answer.citations if c.kind == "passage"]
    assert "nothing on CRISPR" in answer.text
