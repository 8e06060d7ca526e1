"""Bad input through the command line, table-driven: every case exits 2 with one stderr line naming what
and where, prints no traceback, and leaves the index folder byte-identical."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from dnahlm.cli.main import main

RNG = random.Random(5)
SEQ = "".join(RNG.choice("ACGT") for _ in range(300))


def _csv_files(root):
    files = {
        "random.csv": bytes(RNG.randrange(256) for _ in range(400)),
        "utf16.csv": "sequence,label\nACGTACGT,0\n".encode("utf-16"),
        "gzip.csv": gzip.compress(b"sequence,label\nACGTACGT,0\n"),
        "quote.csv": b'sequence,label\nACGTACGT,0\n"ACGTAC,1\nACGT,0\n',
        "nolabel.csv": b"sequence\nACGTACGT\n",
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    return files


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    _csv_files(root)
    (root / "ok.fa").write_text(f">ok\n{SEQ}\n")
    assert main(["index", "add", str(root / "ix"), str(root / "ok.fa"), "--quiet"]) == 0
    for name, manifest in {
        "ix-list": [],
        "ix-nogen": "drop generation",
        "ix-nofile": "drop file",
    }.items():
        import shutil

        shutil.copytree(root / "ix", root / name)
        path = root / name / "manifest.json"
        data = json.loads(path.read_text())
        if manifest == []:
            data = []
        elif manifest == "drop generation":
            del data["generation"]
        else:
            for c in data["collections"].values():
                c.pop("file")
        path.write_text(json.dumps(data))
    return root


CASES = [
    # (argv with {root}, what the one error line must contain)
    (["eval", "--test", "{root}/random.csv", "--labels", "0=a,1=b"], "random.csv: not a UTF-8 CSV file"),
    (["eval", "--test", "{root}/utf16.csv", "--labels", "0=a,1=b"], "utf16.csv: not a UTF-8 CSV file"),
    (["eval", "--test", "{root}/gzip.csv", "--labels", "0=a,1=b"], "gzip.csv: not a UTF-8 CSV file"),
    (["eval", "--test", "{root}/quote.csv", "--labels", "0=a,1=b"], "quote.csv, line 2: not a readable CSV"),
    (["eval", "--test", "{root}/nolabel.csv", "--labels", "0=a,1=b"], "expected a header with columns"),
    (["predict", SEQ, "--pool", "{root}/random.csv", "--labels", "0=a,1=b"], "random.csv: not a UTF-8 CSV"),
    (["predict", SEQ, "--pool", "{root}/utf16.csv", "--labels", "0=a,1=b"], "utf16.csv: not a UTF-8 CSV"),
    (
        ["index", "add", "{root}/ix", "{root}/random.csv", "--labels", "0=a,1=b", "--task", "t", "--quiet"],
        "not a UTF-8 CSV",
    ),
    (
        ["index", "add", "{root}/ix", "{root}/gzip.csv", "--labels", "0=a,1=b", "--task", "t", "--quiet"],
        "not a UTF-8 CSV",
    ),
    (["eval", "--test", "{root}/nolabel.csv", "--limit", "-3"], "argument --limit: -3 is out of range"),
    (["eval", "--test", "{root}/nolabel.csv", "--k", "0"], "argument --k: 0 is out of range"),
    (["predict", SEQ, "--shots", "-1"], "argument --shots: -1 is out of range"),
    (["predict", SEQ, "--evidence", "-1"], "argument --evidence: -1 is out of range"),
    (["predict", SEQ, "--k", "-5"], "argument --k: -5 is out of range"),
    (["index", "search", "{root}/ix", SEQ, "--k", "1e10"], "argument --k: '1e10' is not a whole number"),
    (["index", "search", "{root}/ix", SEQ, "--k", "50000000"], "argument --k: 50,000,000 is out of range"),
    (["index", "search", "{root}/ix", SEQ, "--k", "0"], "argument --k: 0 is out of range"),
    (["index", "search", "{root}/ix", "   "], "the search query is empty"),
    (["index", "add", "{root}/ix", "{root}/ok.fa", "--window", "2"], "argument --window: 2 is out of range"),
    (["index", "stats", "{root}/ix-list"], "manifest.json: not an index manifest (a JSON list)"),
    (["index", "stats", "{root}/ix-nogen"], "manifest.json: missing or bad entry (KeyError: 'generation')"),
    (["index", "search", "{root}/ix-nofile", SEQ], "collection 'sequences' names no vector file"),
    (["ask", "GC content?", "--seq", SEQ, "--index", "{root}/no-such-index"], "no-such-index: no index here"),
    (["ask", "GC content?", "--seq", SEQ, "--index", "{root}/ix-list"], "not an index manifest"),
    (["ui", "--port", "70000"], "argument --port: 70,000 is out of range"),
]


@pytest.mark.parametrize(
    ("argv", "says"), CASES, ids=[" ".join(a[:2]) + f" [{i}]" for i, (a, _) in enumerate(CASES)]
)
def test_bad_input_is_one_line_exit_2_and_changes_no_index(world, capsys, argv, says):
    folders = ("ix", "ix-list", "ix-nogen", "ix-nofile")
    before = {f: {p.name: p.read_bytes() for p in (world / f).iterdir()} for f in folders}
    args = [a.replace("{root}", str(world)) for a in argv]
    try:
        rc = main(args)
    except SystemExit as exc:  # argparse's errors
        rc = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2, err
    assert len(err) == 1 and says in err[0], err
    assert "Traceback" not in err[0]
    assert {f: {p.name: p.read_bytes() for p in (world / f).iterdir()} for f in folders} == before


def test_control_sequences_from_files_reach_the_terminal_escaped(tmp_path, capsys):
    from dnahlm.cli.output import terminal_safe

    assert terminal_safe("a\x1b[2Jb\x07c\u202ed\ne\tf") == "a\\x1b[2Jb\\x07c\\u202ed\ne\tf"
    hostile = "gene\x1b]0;pwned\x07\x1b[2J"
    (tmp_path / "h.fa").write_text(f">{hostile} evil\n{SEQ}\n")
    assert main(["index", "add", str(tmp_path / "ix"), str(tmp_path / "h.fa"), "--quiet"]) == 0
    assert main(["index", "search", str(tmp_path / "ix"), SEQ[:200]]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "gene\\x1b]0;pwned\\x07" in out
    (tmp_path / "bad.fa").write_text(f">{hostile}\nACGTXACGT\n")
    assert main(["index", "add", str(tmp_path / "ix"), str(tmp_path / "bad.fa"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and len(err.strip().splitlines()) == 1
