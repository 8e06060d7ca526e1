"""``dnahlm predict``: labels, probabilities and evidence from a pool CSV or an index, and its user errors."""

from __future__ import annotations

import json

import pytest

from dnahlm.cli.main import main

from .conftest import motif_examples, write_csv

LABELS = "0=at-rich,1=gc-rich"
GC = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"
AT = "ATATTAAATATTTAATATAAATTTATATATAATTAAATAT"


@pytest.fixture
def pool(tmp_path):
    return write_csv(tmp_path / "motif.csv", motif_examples(120, 4))


def test_predicts_fasta_records_as_json_lines(tmp_path, pool, sft_checkpoint_session, capsys):
    fasta = tmp_path / "q.fa"
    fasta.write_text(f">gc_one\n{GC}\n>at_one\n{AT[:20]}\n{AT[20:]}\n")
    code = main(
        [
            *("predict", "--fasta", str(fasta), "--pool", str(pool), "--labels", LABELS, "--task", "motif"),
            *("--kind", "generic", "--model", str(sft_checkpoint_session), "--method", "fused", "--json"),
        ]
    )
    assert code == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["query"] for r in rows] == ["gc_one", "at_one"]
    assert [r["label_name"] for r in rows] == ["gc-rich", "at-rich"]
    for r in rows:
        assert r["method"] == "fused" and r["length"] == 40 and r["task"] == "motif"
        assert sum(r["probs"].values()) == pytest.approx(1.0)
        assert len(r["evidence"]) == 3 and all(e["id"].startswith("motif:motif:") for e in r["evidence"])


def test_prints_label_probabilities_and_evidence(pool, capsys):
    code = main(
        ["predict", GC, "--pool", str(pool), "--labels", LABELS, "--method", "knn", "--evidence", "2"]
    )
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("query (40 bp): gc-rich  [knn: at-rich=")
    assert len(out) == 4 and all(
        "evidence motif:motif:" in line and "label=gc-rich" in line for line in out[1:3]
    )
    # knn's measured record on this pool: every one of the 120 rows voted on by its neighbours (a task
    # the k-mer vote separates perfectly)
    assert out[3] == (
        "reliability: knn on this pool of 120: leave-one-out MCC 1.00, accuracy 1.00 "
        "(n = 120 pool rows, each voted on by the others)"
    )


def test_a_query_outside_the_pool_is_no_call_with_the_reason(pool, capsys):
    code = main(["predict", "A" * 40, "--pool", str(pool), "--labels", LABELS, "--method", "knn"])
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("query (40 bp): no call (best guess at-rich)  [knn:")
    assert out[1].startswith("    caveat: This 40 bp sequence is unlike the at-rich / gc-rich examples")
    assert "low complexity: mostly a homopolymer" in out[1] and out[1].endswith("; no call.")


def test_fused_trains_the_motif_cnn_on_a_large_pool_unless_told_not_to(tmp_path, setting_env, capsys):
    setting_env("DNAHLM_HOME", str(tmp_path / "home"))  # the fit cache goes to this test's own home
    big = write_csv(tmp_path / "big.csv", motif_examples(1100, 6))  # calibration: half; 550 left for the CNN
    inputs = []
    for extra in ([], ["--no-cnn"]):
        assert main(["predict", GC, "--pool", str(big), "--labels", LABELS, "--json", *extra]) == 0
        assert json.loads(capsys.readouterr().out)["label_name"] == "gc-rich"
        fits = {f: json.loads(f.read_text()) for f in (tmp_path / "home" / "fits").glob("fused-*.json")}
        inputs.append(next(d["inputs"] for f, d in fits.items() if d["inputs"] not in inputs))
    assert "cnn" in inputs[0] and "cnn" not in inputs[1]
    assert main(["predict", GC, "--pool", str(big), "--labels", LABELS]) == 0  # the cached fit, as text
    assert f"fused combines: {', '.join(inputs[0])}" in capsys.readouterr().err


def test_inputs_auto_compares_the_input_sets_on_the_calibration_rows(pool, tmp_path, setting_env, capsys):
    setting_env("DNAHLM_HOME", str(tmp_path / "home"))
    fits = {}
    for extra in ([], ["--inputs", "auto"]):
        assert main(["predict", GC, "--pool", str(pool), "--labels", LABELS, *extra]) == 0
        assert capsys.readouterr().out.startswith("query (40 bp): gc-rich  [fused: ")
        new = [f for f in (tmp_path / "home" / "fits").glob("fused-*.json") if f not in fits]
        fits[new[0]] = json.loads(new[0].read_text())["input_losses"]
    plain, selected = fits.values()
    assert plain is None and set(selected) == {"all", "pool only"}


def test_pool_from_an_index(tmp_path, pool, capsys):
    assert (
        main(["index", "add", str(tmp_path / "idx"), str(pool), "--labels", LABELS, "--task", "motif"]) == 0
    )
    capsys.readouterr()
    code = main(
        [
            *("predict", AT, "--index", str(tmp_path / "idx"), "--task", "motif"),
            *("--method", "knn", "--json"),
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["label_name"] == "at-rich"
    # the index remembers the task's label names: --labels describe a --pool CSV only
    assert main(["predict", GC, "--index", str(tmp_path / "idx"), "--task", "motif", "--method", "knn"]) == 0
    assert capsys.readouterr().out.startswith("query (40 bp): gc-rich")
    assert main(["predict", GC, "--index", str(tmp_path / "idx"), "--task", "tf_9", "--method", "knn"]) == 2
    assert "no labelled pool for task 'tf_9' in the index (tasks: motif)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ACGTNACGXA"], "position 9"),
        ([], "give one query"),
        (["ACGT", "--fasta", "q.fa"], "give one query"),
        (["ACGT", "--fasta-missing"], None),
        (["ACGT", "--labels", LABELS], "--labels and --tasks-json describe a --pool CSV"),
        (["ACGT"], "name the task"),
        (["ACGT", "--pool", "missing.csv", "--labels", LABELS], "missing.csv: cannot open"),
        (["ACGT", "--pool", "POOL"], "give the label names"),
    ],
)
def test_user_errors_exit_2_with_one_line(argv, message, pool, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [str(pool) if a == "POOL" else a for a in argv]
    if message is None:  # argparse's own error
        with pytest.raises(SystemExit) as exc:
            main(["predict", *argv])
        assert exc.value.code == 2
        return
    if "--pool" not in argv and "--labels" not in argv and argv and argv[0] != "ACGT":
        argv += ["--pool", str(pool), "--labels", LABELS]
    assert main(["predict", *argv, "--method", "knn"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err
