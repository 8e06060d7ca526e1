"""SimilarSequenceSelector in LangChain prompts, and pools read back from a knowledge index."""

from __future__ import annotations

import pytest
from langchain_core.prompts import FewShotPromptTemplate, PromptTemplate

from dnahlm.errors import InvalidSequenceError, UserInputError
from dnahlm.retrieval.pool import ExamplePool, examples_from_store
from dnahlm.retrieval.selector import SimilarSequenceSelector
from tests.conftest import motif_examples, write_csv


@pytest.fixture
def pool(motif_task):
    return ExamplePool(motif_task, motif_examples(100, 3))


def test_selects_the_most_similar_examples_balanced_across_labels(pool):
    query = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"
    chosen = SimilarSequenceSelector(pool, k=4).select_examples({"sequence": query})
    assert [c["label"] for c in chosen].count("gc-rich") == 2
    assert [c["label"] for c in chosen].count("at-rich") == 2
    # least similar first, so the most similar example sits next to the query
    sims = [c["similarity"] for c in chosen]
    assert sims[-1] == max(sims)
    top = SimilarSequenceSelector(pool, k=4, balanced=False).select_examples({"sequence": query})
    assert {c["label"] for c in top} == {"gc-rich"}
    assert sorted(c["similarity"] for c in top) == [c["similarity"] for c in top]


def test_works_inside_a_few_shot_prompt_template(pool):
    prompt = FewShotPromptTemplate(
        example_selector=SimilarSequenceSelector(pool, k=2, balanced=False),
        example_prompt=PromptTemplate.from_template("{sequence} -> {label}"),
        prefix="Classify the last sequence.",
        suffix="{sequence} ->",
        input_variables=["sequence"],
    )
    text = prompt.format(sequence="ATATTAAATATTTAATATAAATTTATATATAATTAAATAT")
    lines = text.splitlines()
    assert lines[0] == "Classify the last sequence."
    assert sum(line.endswith("-> at-rich") for line in lines) == 2
    assert lines[-1].startswith("ATATTAAAT")


def test_token_budget_drops_the_least_similar_first(pool, tiny_tokenizer):
    query = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"
    full = SimilarSequenceSelector(pool, k=4, balanced=False).select_examples({"sequence": query})
    one = len(tiny_tokenizer(f"{full[-1]['sequence']} -> {full[-1]['label']}")["input_ids"])
    fitted = SimilarSequenceSelector(
        pool, k=4, balanced=False, tokenizer=tiny_tokenizer, max_tokens=one + 2
    ).select_examples({"sequence": query})
    assert [c["id"] for c in fitted] == [full[-1]["id"]]


def test_added_examples_are_selectable_and_checked(pool):
    selector = SimilarSequenceSelector(pool, k=1, balanced=False)
    new = "TTTTTTTTTTGGGGGGGGGGTTTTTTTTTTGGGGGGGGGG"
    selector.add_example({"sequence": new, "label": "gc-rich", "id": "mine"})
    assert selector.select_examples({"sequence": new})[0]["id"] == "mine"
    with pytest.raises(UserInputError, match="unknown label"):
        selector.add_example({"sequence": "ACGT", "label": "purple"})
    with pytest.raises(InvalidSequenceError, match="position 2"):
        selector.select_examples({"sequence": "AZGT"})
    with pytest.raises(UserInputError, match="'sequence'"):
        selector.select_examples({"dna": "ACGT"})


def test_pool_from_an_index_round_trips_the_labelled_csv(tmp_path, motif_task):
    from dnahlm.index.ingest import add_files
    from dnahlm.index.store import KnowledgeStore

    examples = motif_examples(30, 9)
    csv_path = write_csv(tmp_path / "motif.csv", examples)
    add_files(
        tmp_path / "idx", [csv_path], labels="0=at-rich,1=gc-rich", task=motif_task.name, progress=False
    )
    with KnowledgeStore(tmp_path / "idx") as store:
        got = examples_from_store(store, motif_task)
        with pytest.raises(UserInputError, match="no labelled examples of task other"):
            examples_from_store(store, motif_task.__class__("other", "generic", {0: "a", 1: "b"}))
    assert sorted((e.sequence, e.label) for e in got) == sorted((e.sequence, e.label) for e in examples)
