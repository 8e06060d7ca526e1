from __future__ import annotations

import json

import pytest

from dnahlm.cli.main import main

from .conftest import SHARED_DATA, motif_examples, needs_shared_data, write_csv

KEYS = {
    "task",
    "method",
    "model",
    "n",
    "accuracy",
    "macro_f1",
    "mcc",
    "lenient_accuracy",
    "seconds",
    "per_class",
}
LABELS = "0=at-rich,1=gc-rich"


@pytest.fixture
def pools(tmp_path):
    return write_csv(tmp_path / "pool.csv", motif_examples(40, 5)), write_csv(
        tmp_path / "test.csv", motif_examples(30, 6)
    )


@pytest.mark.parametrize("method", ["instruct", "classifier", "knn", "few-shot", "fused"])
def test_eval_writes_the_documented_json(method, pools, tmp_path, sft_checkpoint_session, capsys):
    pool, test = pools
    out = tmp_path / "r.json"
    code = main(
        [
            "eval",
            "--train",
            str(pool),
            "--test",
            str(test),
            "--labels",
            LABELS,
            "--task",
            "motif",
            "--kind",
            "generic",
            "--model",
            str(sft_checkpoint_session),
            "--method",
            method,
            "--limit",
            "20",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert set(result) == KEYS
    assert result["n"] == 20 and result["method"] == method and result["task"] == "motif"
    assert 0 <= result["accuracy"] <= 1 and -1 <= result["mcc"] <= 1 and 0 <= result["lenient_accuracy"] <= 1
    assert sum(c["support"] for c in result["per_class"].values()) == 20
    assert result["accuracy"] > 0.6  # the fixture model learned the motif
    assert f"motif {method}: n=20" in capsys.readouterr().out


def run_err(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    return code, err


def test_user_errors_are_one_line_and_exit_2(pools, tmp_path, sft_checkpoint_session, capsys):
    _, test = pools
    base = [
        "eval",
        "--test",
        str(test),
        "--labels",
        LABELS,
        "--model",
        str(sft_checkpoint_session),
        "--quiet",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("sequence,label\nACGT,0\nACGT,9\n")
    code, err = run_err([*base[:2], str(bad), *base[3:]], capsys)
    assert code == 2 and err.count("\n") == 0 and "line 3: unknown label '9'" in err
    bad.write_text("sequence,label\nACGT,0\nACGZ,1\n")
    code, err = run_err([*base[:2], str(bad), *base[3:]], capsys)
    assert code == 2 and "position 4" in err
    code, err = run_err([*base[:-3], "--model", str(tmp_path / "missing"), "--quiet"], capsys)
    assert code == 2 and "not found" in err
    code, err = run_err(["eval", "--test", str(test), "--labels", "0:a", "--quiet"], capsys)
    assert code == 2 and "ID=NAME" in err
    code, err = run_err([*base, "--method", "classifier", "--task", "other"], capsys)
    assert code == 2 and "no classification head" in err
    code, err = run_err([*base, "--method", "knn"], capsys)
    assert code == 2 and "needs a labelled pool" in err and "--train" in err


@needs_shared_data()
def test_eval_on_a_real_gue_pool(tmp_path, sft_checkpoint_session):
    """The harness runs on the shared GUE files via --tasks-json (a random tiny model: only the interface)."""
    gue = SHARED_DATA / "gue"
    out = tmp_path / "r.json"
    code = main(
        [
            "eval",
            "--train",
            str(gue / "splice" / "dev.csv"),
            "--test",
            str(gue / "splice" / "dev.csv"),
            "--tasks-json",
            str(gue / "tasks.json"),
            "--task",
            "splice",
            "--model",
            str(sft_checkpoint_session),
            "--limit",
            "12",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    result = json.loads(out.read_text())
    assert (
        set(result["per_class"]) == {"acceptor site", "donor site", "non-splice site"} and result["n"] == 12
    )
