"""``dnahlm index``: add, stats, search, remove, repair; user errors are one line and exit 2."""

from __future__ import annotations

import json
import random

import pytest

from dnahlm.cli.main import main

from .test_index_ingest import genbank, write_csv


@pytest.fixture
def index_with_sequences(tmp_path):
    seq = genbank(tmp_path / "t.gb")
    assert main(["index", "add", str(tmp_path / "ix"), str(tmp_path / "t.gb"), "--quiet"]) == 0
    return tmp_path / "ix", seq


def test_add_stats_search_remove(index_with_sequences, tmp_path, capsys):
    ix, seq = index_with_sequences
    assert main(["index", "add", str(ix), str(tmp_path / "t.gb"), "--quiet"]) == 0
    assert "already in sequences, skipped" in capsys.readouterr().out

    assert main(["index", "stats", str(ix), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)["collections"]["sequences"]
    assert stats["embedder"] == "kmer(canonical=True, k=5)" and stats["records"] > 0 and stats["sources"] == 1

    assert main(["index", "search", str(ix), seq[200:500], "--k", "2"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["#", "score", "collection"] and "gene alpha" in table[2]
    assert "TEST1.1:101..1300(+)" in table[2]

    assert main(["index", "search", str(ix), seq[200:500], "--json", "--filter", "name=beta"]) == 0
    assert {h["metadata"]["name"] for h in json.loads(capsys.readouterr().out)} == {"beta"}

    assert main(["index", "remove", str(ix), "--source", str(tmp_path / "t.gb")]) == 0
    assert "removed" in capsys.readouterr().out
    assert main(["index", "stats", str(ix), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["collections"]["sequences"]["records"] == 0


def test_examples_from_csv_with_labels(tmp_path, capsys):
    rng = random.Random(0)
    rows = [("".join(rng.choice("AT") for _ in range(40)), 0) for _ in range(5)]
    rows += [("".join(rng.choice("GC") for _ in range(40)), 1) for _ in range(5)]
    write_csv(tmp_path / "pool.csv", rows)
    args = [
        "index",
        "add",
        str(tmp_path / "ix"),
        str(tmp_path / "pool.csv"),
        "--labels",
        "0=at,1=gc",
        "--quiet",
    ]
    assert main([*args, "--task", "motif"]) == 0
    assert "10 records added to examples" in capsys.readouterr().out
    assert main(["index", "search", str(tmp_path / "ix"), "GGCCGCGCGGCGCCGC", "--json", "--k", "3"]) == 0
    assert [h["metadata"]["label"] for h in json.loads(capsys.readouterr().out)] == [1, 1, 1]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_user_errors_exit_2_with_one_line_and_keep_the_index(index_with_sequences, tmp_path, capsys):
    ix, _seq = index_with_sequences
    capsys.readouterr()
    bad = tmp_path / "bad.fa"
    bad.write_text(">r1\nACGTXACGT\n")
    assert main(["index", "add", str(ix), str(bad), "--quiet"]) == 2
    assert "invalid DNA letter 'X' in bad.fa:r1 at position 5" in one_error_line(capsys)

    assert main(["index", "add", str(ix), str(tmp_path / "missing.fa"), "--quiet"]) == 2
    assert "missing.fa: cannot read" in one_error_line(capsys)

    assert main(["index", "search", str(ix), "what is a promoter?"]) == 2
    assert "no collection holds text vectors" in one_error_line(capsys)

    assert main(["index", "search", str(tmp_path / "nowhere"), "ACGTACGTAC"]) == 2
    assert "no index here" in one_error_line(capsys)

    assert (
        main(["index", "add", str(ix), str(tmp_path / "t.gb"), "--collection", "sequences", "--k", "4"]) == 2
    )
    assert "was built with kmer(canonical=True, k=5)" in one_error_line(capsys)

    assert main(["index", "remove", str(ix), "--source", str(bad)]) == 2
    assert "no records from" in one_error_line(capsys)

    (ix / "manifest.json").unlink()
    assert main(["index", "stats", str(ix)]) == 2
    assert "dnahlm index repair" in one_error_line(capsys)
    assert main(["index", "repair", str(ix)]) == 0
    assert main(["index", "stats", str(ix), "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{") :])["collections"]["sequences"]["records"] == 8
