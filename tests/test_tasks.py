from __future__ import annotations

from collections import Counter

import pytest

from dnahlm.errors import ConfigError, DataFormatError, InvalidSequenceError
from dnahlm.prompts import format_prompt, format_response, instruction_for
from dnahlm.tasks import (
    Example,
    Task,
    get_task,
    infer_kind,
    load_tasks_json,
    parse_labels,
    read_pool,
    split_pool,
)

from .conftest import SHARED_DATA, needs_shared_data

PROMOTER = Task("prom", "promoter", {0: "non-promoter", 1: "promoter"})


def test_parse_labels():
    assert parse_labels("0=non-promoter, 1=promoter") == {0: "non-promoter", 1: "promoter"}
    with pytest.raises(ConfigError, match="ID=NAME"):
        parse_labels("0:a,1:b")
    with pytest.raises(ConfigError):
        parse_labels("0=a")


def test_task_validates_kind_and_labels():
    with pytest.raises(ConfigError, match="unknown task kind"):
        Task("x", "enhancer", {0: "a", 1: "b"})
    with pytest.raises(ConfigError, match="distinct"):
        Task("x", "generic", {0: "a", 1: "a"})


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("core promoter detection (human), 70 bp around the TSS", "core-promoter"),
        ("promoter detection (human), 300 bp", "promoter"),
        ("transcription factor binding site prediction", "tf-binding"),
        ("splice site prediction (human)", "splice"),
        ("enhancer activity", "generic"),
    ],
)
def test_infer_kind(text, kind):
    assert infer_kind(text) == kind


def test_read_pool_accepts_ids_and_names(tmp_path):
    p = tmp_path / "pool.csv"
    p.write_text("sequence,label\nacgt,0\nTTTT,promoter\n")
    pool = read_pool(p, PROMOTER)
    assert [(e.sequence, e.label) for e in pool] == [("ACGT", 0), ("TTTT", 1)]
    assert pool[0].id == "prom:pool:2"


def test_read_pool_errors_name_the_line(tmp_path):
    p = tmp_path / "pool.csv"
    p.write_text("sequence,label\nACGT,0\nACGT,7\n")
    with pytest.raises(DataFormatError, match=r"line 3: unknown label '7'"):
        read_pool(p, PROMOTER)
    p.write_text("sequence,label\nACGT,0\nACXT,1\n")
    with pytest.raises(InvalidSequenceError, match=r"pool.csv line 3 at position 3"):
        read_pool(p, PROMOTER)
    p.write_text("seq,y\nACGT,0\n")
    with pytest.raises(DataFormatError, match="sequence,label"):
        read_pool(p, PROMOTER)
    with pytest.raises(DataFormatError, match="cannot open"):
        read_pool(tmp_path / "missing.csv", PROMOTER)


def test_split_pool_is_stratified_seeded_and_disjoint():
    pool = [Example(f"e{i}", "ACGT", i % 4 == 0, "t") for i in range(400)]
    train, val = split_pool(pool, val_fraction=0.2, seed=1)
    assert len(val) == 80 and len(train) == 320
    assert not {e.id for e in train} & {e.id for e in val}
    assert Counter(e.label for e in val) == {0: 60, 1: 20}
    assert split_pool(pool, val_fraction=0.2, seed=1) == (train, val)
    assert split_pool(pool, val_fraction=0.2, seed=2)[1] != val


def test_prompt_is_alpaca_and_names_the_labels():
    prompt = format_prompt(PROMOTER, "ACGT")
    assert prompt.startswith("Below is an instruction")
    assert "### Instruction:\n" in prompt and "### Input:\nACGT\n\n### Response:\n" in prompt
    assert "non-promoter, promoter" in instruction_for(PROMOTER)
    assert format_response(PROMOTER, 1) == "promoter"
    shots = [Example("a", "GGGG", 1, "prom")]
    assert "GGGG -> promoter" in format_prompt(PROMOTER, "ACGT", shots)
    custom = Task("x", "generic", {0: "a", 1: "b"}, instruction="Is it a or b?")
    assert "### Instruction:\nIs it a or b?\n" in format_prompt(custom, "ACGT")


@needs_shared_data()
def test_gue_tasks_json_splice_mapping_is_the_true_one():
    tasks = load_tasks_json(SHARED_DATA / "gue" / "tasks.json")
    assert set(tasks) == {"prom_core_all", "prom_300_all", "tf_0", "tf_1", "tf_2", "splice"}
    assert tasks["splice"].labels == {0: "acceptor site", 1: "donor site", 2: "non-splice site"}
    assert tasks["prom_core_all"].kind == "core-promoter" and tasks["tf_1"].kind == "tf-binding"
    with pytest.raises(ConfigError, match="known tasks"):
        get_task(SHARED_DATA / "gue" / "tasks.json", "enhancers")
    # the acceptor rows really carry the intron-end AG just before the centre
    pool = read_pool(SHARED_DATA / "gue" / "splice" / "dev.csv", tasks["splice"], limit=300)
    acceptors = [e for e in pool if e.label == 0]
    assert sum(e.sequence[198:200] == "AG" for e in acceptors) / len(acceptors) > 0.95
