"""The one prediction road (:mod:`dnahlm.retrieval.service`): ``ask``, ``predict``, ``eval`` and the UI give
the same answer for the same sequence; tasks by name or kind; windows; the tuned-head fallback; fits made
at index time and never inside a question."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dnahlm.cli.main import main
from dnahlm.retrieval.service import PredictionService, windows
from dnahlm.tasks import Task, read_pool

from .conftest import motif_examples, write_csv

LABELS = "0=background,1=gc-rich"  # the positive label of a windowed answer is gc-rich
GC = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"
AT = "ATATTAAATATTTAATATAAATTTATATATAATTAAATAT"


@pytest.fixture
def indexed(tmp_path, setting_env):
    """An index holding a 120-row labelled pool of a tf-binding task, added without a fit."""
    setting_env("DNAHLM_HOME", str(tmp_path / "home"))
    pool = write_csv(tmp_path / "motif.csv", motif_examples(120, 4))
    argv = ["index", "add", str(tmp_path / "idx"), str(pool), "--labels", LABELS, "--task", "tf_motif"]
    assert main([*argv, "--no-fit", "--quiet"]) == 0  # the kind, tf-binding, is read from the name
    return tmp_path / "idx", pool


def test_an_unfitted_index_pool_is_answered_fast_with_knn_and_says_so_until_index_fit(indexed, capsys):
    idx, _ = indexed
    capsys.readouterr()
    service = PredictionService(idx)
    before = service.predict("tf_motif", [GC])[0]
    assert before.method == "knn" and "not fitted" in before.note and "dnahlm index fit" in before.note
    assert not list((idx.parent / "home" / "fits").glob("fused-*.json"))  # no fit inside the question
    assert main(["index", "fit", str(idx), "--quiet"]) == 0
    assert "task tf_motif: 'fused' fitted for its pool of 120 rows" in capsys.readouterr().out
    after = PredictionService(idx).predict("tf_motif", [GC])[0]  # a new process would read the kept fit
    assert after.method == "fused" and after.note is None and after.label_name == "gc-rich"


def test_ask_predict_and_the_ui_give_identical_probabilities_for_an_index_task(indexed, capsys):
    from dnahlm.agents.tools import Toolbox
    from dnahlm.ui.predicting import TaskChoice, predict_one

    idx, _ = indexed
    assert main(["index", "fit", str(idx), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", GC, "--index", str(idx), "--task", "tf_motif", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    agent = Toolbox(idx).specs["predict"].func(sequence=GC, task="tf_motif")
    ui = predict_one(TaskChoice("index", "tf_motif", "", service=PredictionService(idx)), GC)
    assert cli["method"] == agent.method == ui.method == "fused"
    assert cli["probs"] == agent.probs == ui.probs
    assert [e["id"] for e in cli["evidence"]] == [e.id for e in agent.evidence] == [e.id for e in ui.evidence]


def test_predict_eval_and_the_ui_agree_on_a_pool_csv(tmp_path, setting_env, capsys):
    from dnahlm.ui.predicting import TaskChoice, predict_one

    setting_env("DNAHLM_HOME", str(tmp_path / "home"))
    pool = write_csv(tmp_path / "motif.csv", motif_examples(120, 4))
    test_rows = motif_examples(8, 99)
    test = write_csv(tmp_path / "test.csv", test_rows)
    labels = []
    for e in test_rows:
        assert (
            main(["predict", e.sequence, "--pool", str(pool), "--labels", LABELS, "--task", "m", "--json"])
            == 0
        )
        labels.append(json.loads(capsys.readouterr().out)["label"])
    argv = ["eval", "--train", str(pool), "--test", str(test), "--labels", LABELS, "--task", "m"]
    assert main([*argv, "--method", "fused", "--json", "-", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    expected = np.mean([p == e.label for p, e in zip(labels, test_rows, strict=True)])
    assert result["n"] == 8 and result["accuracy"] == pytest.approx(expected)
    task = Task("m", "generic", {0: "background", 1: "gc-rich"})
    examples = read_pool(pool, task)
    ui = predict_one(TaskChoice("pool", task, "fused", service=PredictionService(), pool=examples), GC)
    assert main(["predict", GC, "--pool", str(pool), "--labels", LABELS, "--task", "m", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["probs"] == ui.probs


def test_a_kind_in_everyday_words_finds_the_index_task_of_that_kind(indexed):
    idx, _ = indexed
    service = PredictionService(idx)
    assert service.resolve("tf_motif") == service.resolve("TF binding") == "tf_motif"
    assert service.task("tf binding").labels == {0: "background", 1: "gc-rich"}
    assert service.resolve("splice site") == "splice"  # no pool of that kind: the checkpoint's tuned task
    with pytest.raises(
        ValueError, match=r"no labelled pool for task 'tf_9' in the index \(tasks: tf_motif\)"
    ):
        service.resolve("tf_9")


def test_without_an_index_a_tuned_task_is_scored_by_its_head_with_a_note():
    service = PredictionService()
    tuned = service.task("splice site")  # the embedded checkpoint was tuned on GUE splice
    assert tuned.name == "splice" and tuned.labels == {
        0: "acceptor site",
        1: "donor site",
        2: "non-splice site",
    }
    p = service.predict("splice site", ["ACGT" * 100])[0]
    assert p.method == "classifier" and p.task == "splice" and "no labelled pool" in p.note
    assert (
        set(p.probs) == {"acceptor site", "donor site", "non-splice site"}
        and p.window is None
        and p.windows == 1
    )


def test_a_long_query_is_scored_in_windows_and_the_most_positive_window_is_reported(indexed):
    idx, _ = indexed
    service = PredictionService(idx)
    # 40 bp examples: 20 windows of 40 over 2,000 bp of AT with one GC-rich stretch at 1,000..1,040
    query = AT * 25 + GC + AT * 24
    p = service.predict("tf_motif", [query], method="knn")[0]
    spans = windows(len(query), 40)
    assert p.windows == len(spans) == 64 and p.window in spans
    assert p.label_name == "gc-rich" and p.window[0] <= 1000 + 20 and p.window[1] >= 1000 + 20
    whole = service.predict("tf_motif", [query], method="knn", window=False)[0]
    assert whole.window is None and whole.label_name == "background"


def test_windows_are_evenly_spread_and_cover_both_ends():
    assert windows(50, 40) == [(0, 50)]  # up to 1.5 x the width: one window
    spans = windows(1000, 100)
    assert spans[0] == (0, 100) and spans[-1] == (900, 1000) and len(spans) == 19
    assert all(b - a == 100 for a, b in spans)


def test_predict_mutagenesis_matches_predictions_of_the_variants_themselves(indexed, capsys):
    idx, _ = indexed
    base = ["predict", "--index", str(idx), "--task", "tf_motif", "--method", "knn", "--json"]
    assert main(["predict", GC, *base[1:], "--mutagenesis", "--label", "gc-rich"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["label"] == "gc-rich" and len(m["deltas"]) == len(GC) and m["method"] == "knn"
    assert main(["predict", GC, *base[1:]]) == 0
    assert m["reference"] == pytest.approx(json.loads(capsys.readouterr().out)["probs"]["gc-rich"])
    for pos, alt in ((0, "A"), (19, "T")):  # each delta is the variant's own prediction minus the reference
        variant = GC[:pos] + alt + GC[pos + 1 :]
        assert main(["predict", variant, *base[1:]]) == 0
        p = json.loads(capsys.readouterr().out)["probs"]["gc-rich"]
        assert m["deltas"][pos]["ACGT".index(alt)] == pytest.approx(p - m["reference"])
        assert m["deltas"][pos]["ACGT".index(GC[pos])] is None
    assert main(["predict", GC, *base[1:], "--label", "gc-rich"]) == 2  # --label belongs to --mutagenesis
    assert "--label and --plot go with --mutagenesis" in capsys.readouterr().err
