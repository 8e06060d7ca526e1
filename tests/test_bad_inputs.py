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


def _genbank() -> str:
    """A 3,000 bp GenBank record with features, written by Biopython (so the damage is to a real file)."""
    import io

    from Bio import SeqIO
    from Bio.Seq import Seq
    from Bio.SeqFeature import FeatureLocation, SeqFeature
    from Bio.SeqRecord import SeqRecord

    rec = SeqRecord(Seq(SEQ * 10), id="NC_005816.1", name="TEST", description="a test record")
    rec.annotations["molecule_type"] = "DNA"
    for n, start in enumerate(range(0, 2700, 300)):
        rec.features.append(
            SeqFeature(
                FeatureLocation(start, start + 240, 1), type="misc_feature", qualifiers={"note": [f"f{n}"]}
            )
        )
    out = io.StringIO()
    SeqIO.write(rec, out, "genbank")
    return out.getvalue()


def _files(root):
    """Bad (and one good) input files, each damaged in one way."""
    gb = _genbank()
    feats, origin = gb.index("FEATURES"), gb.index("ORIGIN")
    text = {
        "x.csv": f"sequence,label\n{SEQ[:40]},0\nACGTXACGT,1\n",
        "emptyseq.csv": f"sequence,label\n{SEQ[:40]},0\n,1\n",
        "label2.csv": f"sequence,label\n{SEQ[:40]},0\n{SEQ[40:80]},2\n",
        "empty.csv": "",
        "ok.csv": "sequence,label\n" + "".join(f"{SEQ[i : i + 100]},{i % 2}\n" for i in range(0, 200, 20)),
        "tasks-bad.json": "{oops",
        "tasks-list.json": "[]",
        "tasks.json": json.dumps(
            {"t": {"kind": "promoter", "labels": {"0": "non-promoter", "1": "promoter"}}}
        ),
        "nohdr.fa": SEQ + "\n",
        "empty.fa": "",
        "emptyrec.fa": f">a\n>b\n{SEQ}\n",
        "x.fa": f">x1 bad\n{SEQ[:50]}XZ{SEQ[50:90]}\n",
        "cut-features.gb": gb[: feats + (origin - feats) // 2],
        "cut-origin.gb": gb[: origin + (len(gb) - origin) // 2],
        "cut-locus.gb": gb[:200],
        "badline.jsonl": json.dumps({"id": "p1", "title": "T", "abstract": "TBP binds TATA."}) + "\n{oops\n",
        "empty.jsonl": "",
        "notext.jsonl": json.dumps({"id": "p1"}) + "\n",
        "file.xyz": "hello\n",
        "g.gff3": "##gff-version 3\nchr1\tsrc\tgene\t1\t50\t.\t+\t.\tID=g1\n",
    }
    for name, body in text.items():
        (root / name).write_text(body)
    (root / "junk.fa").write_bytes(bytes(RNG.randrange(256) for _ in range(500)))
    (root / "corrupt.fa.gz").write_bytes(gzip.compress(f">a\n{SEQ}\n".encode())[:30])
    (root / "latin1.jsonl").write_bytes(b'{"id": "p1", "title": "T", "abstract": "caf\xe9"}\n')
    (root / "junk.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    (root / "adir.csv").mkdir()


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
    _files(root)
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


L = "0=a,1=b"
POOL = ["--pool", "{root}/ok.csv", "--labels", L]
ADD = ["index", "add", "{root}/ix"]

CASES = [
    # (argv with {root}, what the one error line must contain, {root} filled in)
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
    # eval: files
    (["eval", "--test", "{root}/nope.csv", "--labels", L], "nope.csv: cannot open (No such file"),
    (["eval", "--test", "{root}/empty.csv", "--labels", L], "empty.csv: expected a header with columns"),
    (["eval", "--test", "{root}/adir.csv", "--labels", L], "adir.csv: cannot open (Is a directory)"),
    (
        ["eval", "--test", "{root}/x.csv", "--labels", L],
        "invalid DNA letter 'X' in x.csv line 3 at position 5",
    ),
    (["eval", "--test", "{root}/emptyseq.csv", "--labels", L], "emptyseq.csv, line 3: empty sequence"),
    (["eval", "--test", "{root}/label2.csv", "--labels", L], "label2.csv, line 3: unknown label '2'"),
    (
        [
            "eval",
            "--test",
            "{root}/label2.csv",
            "--labels",
            L,
            "--train",
            "{root}/random.csv",
            "--method",
            "knn",
        ],
        "label2.csv, line 3: unknown label '2'",
    ),
    # eval: options
    (["eval", "--test", "{root}/x.csv", "--labels", "0=a,1"], "bad --labels entry '1': expected ID=NAME"),
    (["eval", "--test", "{root}/x.csv", "--labels", "0=a,0=b"], "label id 0 is given twice"),
    (["eval", "--test", "{root}/x.csv", "--labels", "zero=a"], "bad --labels entry 'zero=a'"),
    (
        ["eval", "--test", "{root}/x.csv", "--tasks-json", "{root}/tasks-bad.json", "--task", "t"],
        "tasks-bad.json: not JSON",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--tasks-json", "{root}/tasks-list.json", "--task", "t"],
        "tasks-list.json: not a tasks.json: expected",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--tasks-json", "{root}/tasks.json", "--task", "nosuch"],
        "no task 'nosuch'; known tasks: t",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--tasks-json", "{root}/nope.json", "--task", "t"],
        "nope.json: cannot read tasks file",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--labels", L, "--method", "magic"],
        "argument --method: invalid choice: 'magic'",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--labels", L, "--kind", "magic"],
        "argument --kind: invalid choice: 'magic'",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--labels", L, "--seed", "x"],
        "argument --seed: invalid int value: 'x'",
    ),
    (
        ["eval", "--test", "{root}/x.csv", "--labels", L, "--shots", "1000"],
        "argument --shots: 1,000 is out of range",
    ),
    (
        ["eval", "--test", "{root}/ok.csv", "--labels", L, "--model", "{root}/no-model"],
        "model folder {root}/no-model not found",
    ),
    (["eval", "--labels", L], "the following arguments are required: --test"),
    # predict: the query
    (
        ["predict", "--pool", "{root}/ok.csv", "--labels", L],
        "give one query: a SEQUENCE argument or --fasta FILE",
    ),
    (["predict", SEQ, "--fasta", "{root}/ok.fa", "--pool", "{root}/ok.csv", "--labels", L], "give one query"),
    (
        ["predict", "ACGTXACGT", "--pool", "{root}/ok.csv", "--labels", L],
        "'X' in the query sequence at position 5",
    ),
    (
        ["predict", "ACGU", "--pool", "{root}/ok.csv", "--labels", L],
        "'U' in the query sequence at position 4",
    ),
    (["predict", "  ", "--pool", "{root}/ok.csv", "--labels", L], "the query sequence is empty"),
    (["predict", "--fasta", "{root}/nope.fa", *POOL], "nope.fa: cannot open (No such file"),
    (
        ["predict", "--fasta", "{root}/nohdr.fa", *POOL],
        "nohdr.fa: not readable as fasta (text before the first '>'",
    ),
    (["predict", "--fasta", "{root}/empty.fa", *POOL], "empty.fa: no sequence records"),
    (["predict", "--fasta", "{root}/emptyrec.fa", *POOL], "emptyrec.fa: record a has an empty sequence"),
    (["predict", "--fasta", "{root}/x.fa", *POOL], "invalid DNA letter 'X' in x.fa:x1 at position 51"),
    (["predict", "--fasta", "{root}/junk.fa", *POOL], "junk.fa: not readable as fasta"),
    (
        ["predict", "--fasta", "{root}/corrupt.fa.gz", *POOL],
        "corrupt.fa.gz: not readable as fasta (Compressed file ended",
    ),
    (["predict", "--fasta", "{root}/cut-features.gb", *POOL], "cut-features.gb: not readable as genbank"),
    (["predict", "--fasta", "{root}/cut-origin.gb", *POOL], "cut-origin.gb: record NC_005816.1 is truncated"),
    (["predict", "--fasta", "{root}/cut-locus.gb", *POOL], "cut-locus.gb: not readable as genbank"),
    (
        ["predict", "--fasta", "{root}/file.xyz", *POOL],
        "file.xyz: cannot tell the sequence format from the name",
    ),
    # predict: the pool, task and model
    (["predict", SEQ, "--pool", "{root}/nope.csv", "--labels", L], "nope.csv: cannot open"),
    (["predict", SEQ, "--pool", "{root}/label2.csv", "--labels", L], "label2.csv, line 3: unknown label '2'"),
    (["predict", SEQ, "--pool", "{root}/x.csv", "--labels", L], "'X' in x.csv line 3 at position 5"),
    (["predict", SEQ, "--pool", "{root}/gzip.csv", "--labels", L], "gzip.csv: not a UTF-8 CSV"),
    (["predict", SEQ, "--labels", L], "--labels and --tasks-json describe a --pool CSV"),
    (
        ["predict", SEQ, "--index", "{root}/ix", "--labels", L],
        "--labels and --tasks-json describe a --pool CSV",
    ),
    (["predict", SEQ, "--index", "{root}/ix"], "name the task: --task NAME"),
    (
        ["predict", SEQ, "--index", "{root}/ix", "--task", "nosuch"],
        "no labelled pool for task 'nosuch' in the index",
    ),
    (["predict", SEQ, "--index", "{root}/no-such-index", "--task", "t"], "no-such-index: no index here"),
    (
        ["predict", SEQ, "--index", "{root}/ix-list", "--task", "t"],
        "ix-list/manifest.json: not an index manifest",
    ),
    (["predict", SEQ, *POOL, "--method", "magic"], "argument --method: invalid choice: 'magic'"),
    (["predict", SEQ[:100], *POOL, "--model", "{root}/no-model"], "model folder {root}/no-model not found"),
    (["predict", SEQ[:100], *POOL, "--model", "{root}/ok.fa"], "model folder {root}/ok.fa not found"),
    (
        ["predict", SEQ[:100], *POOL, "--model", "{root}/ix"],
        "{root}/ix: not a model folder (config.json missing)",
    ),
    (["predict", SEQ, "--pool", "{root}/ok.csv", "--labels", "garbage"], "bad --labels entry 'garbage'"),
    (["predict", SEQ, *POOL, "--shots", "65"], "argument --shots: 65 is out of range"),
    # ask
    (["ask", "GC content?", "--seq", "ACGTXACGT"], "invalid DNA letter 'X' in --seq at position 5"),
    (["ask", "GC content?", "--seq", ""], "--seq is empty"),
    (
        ["ask", "GC content?", "--seq", SEQ, "--seq", "ACGTJ"],
        "invalid DNA letter 'J' in --seq 2 at position 5",
    ),
    (["ask", "GC content?", "--fasta", "{root}/nope.fa"], "nope.fa: cannot open"),
    (
        ["ask", "GC content?", "--fasta", "{root}/nohdr.fa"],
        "nohdr.fa: not readable as fasta (text before the first '>'",
    ),
    (
        ["ask", "GC content?", "--fasta", "{root}/cut-origin.gb"],
        "cut-origin.gb: record NC_005816.1 is truncated",
    ),
    (["ask", "GC content?", "--fasta", "{root}/cut-features.gb"], "cut-features.gb: not readable as genbank"),
    (["ask", "GC content?", "--fasta", "{root}/junk.fa"], "junk.fa: not readable as fasta"),
    (
        ["ask", "GC content?", "--fasta", "{root}/emptyrec.fa"],
        "emptyrec.fa: no sequence (or an empty record)",
    ),
    (["ask", "GC content?", "--fasta", "{root}/x.fa"], "invalid DNA letter 'X' in x.fa:x1 at position 51"),
    (
        ["ask", "GC content?", "--seq", SEQ, "--model", "{root}/no-model"],
        "model folder {root}/no-model not found",
    ),
    (["ask", "GC content?", "--seq", SEQ, "--model", "{root}/ix"], "{root}/ix: not a model folder"),
    (
        ["ask", "GC content?", "--seq", SEQ, "--index", "{root}/ix-nogen"],
        "ix-nogen/manifest.json: missing or bad entry",
    ),
    (
        ["ask", "GC content?", "--seq", SEQ, "--index", "{root}/ix-nofile"],
        "collection 'sequences' names no vector file",
    ),
    (["ask", "GC content?", "--seq", SEQ, "--index", "{root}/ok.fa"], "ok.fa: no index here"),
    # index add: files
    ([*ADD, "{root}/nope.fa", "--quiet"], "nope.fa: cannot read (No such file"),
    ([*ADD, "{root}/file.xyz", "--quiet"], "file.xyz: cannot tell what kind of file this is"),
    ([*ADD, "{root}/x.fa", "--quiet"], "invalid DNA letter 'X' in x.fa:x1 at position 51"),
    ([*ADD, "{root}/empty.fa", "--quiet"], "empty.fa: no records found"),
    ([*ADD, "{root}/nohdr.fa", "--quiet"], "nohdr.fa: not readable as fasta (text before the first '>'"),
    ([*ADD, "{root}/junk.fa", "--quiet"], "junk.fa: not readable as fasta"),
    ([*ADD, "{root}/corrupt.fa.gz", "--quiet"], "corrupt.fa.gz: not readable as fasta"),
    ([*ADD, "{root}/cut-features.gb", "--quiet"], "cut-features.gb: not readable as genbank"),
    ([*ADD, "{root}/cut-origin.gb", "--quiet"], "cut-origin.gb: record NC_005816.1 is truncated"),
    ([*ADD, "{root}/cut-locus.gb", "--quiet"], "cut-locus.gb: not readable as genbank"),
    ([*ADD, "{root}/badline.jsonl", "--quiet"], "badline.jsonl:2: not a JSON object"),
    ([*ADD, "{root}/latin1.jsonl", "--quiet"], "latin1.jsonl:1: not UTF-8 text"),
    ([*ADD, "{root}/empty.jsonl", "--quiet"], "empty.jsonl: no records found"),
    (
        [*ADD, "{root}/notext.jsonl", "--quiet"],
        "notext.jsonl:1: no text (need a 'title', 'abstract' or 'text' field)",
    ),
    ([*ADD, "{root}/junk.pdf", "--quiet"], "junk.pdf: cannot read PDF"),
    ([*ADD, "{root}/g.gff3", "--quiet"], "g.gff3: no ##FASTA section; pass the genome FASTA (--fasta FILE"),
    (
        [*ADD, "{root}/x.csv", "--labels", L, "--task", "t", "--quiet"],
        "invalid DNA letter 'X' in x.csv line 3",
    ),
    (
        [*ADD, "{root}/label2.csv", "--labels", L, "--task", "t", "--quiet"],
        "label2.csv, line 3: unknown label '2'",
    ),
    (
        [*ADD, "{root}/quote.csv", "--labels", L, "--task", "t", "--quiet"],
        "quote.csv, line 2: not a readable CSV",
    ),
    (
        [*ADD, "{root}/emptyseq.csv", "--labels", L, "--task", "t", "--quiet"],
        "emptyseq.csv, line 3: empty sequence",
    ),
    # index add: options and targets
    ([*ADD, "{root}/ok.fa", "--stride", "0", "--quiet"], "argument --stride: 0 is out of range"),
    ([*ADD, "{root}/ok.fa", "--k", "0", "--quiet"], "argument --k: 0 is out of range"),
    ([*ADD, "{root}/ok.fa", "--k", "13", "--quiet"], "argument --k: 13 is out of range"),
    (
        [*ADD, "{root}/ok.fa", "--embedder", "text", "--k", "5", "--quiet"],
        "--k is only used with --embedder kmer",
    ),
    (
        [*ADD, "{root}/ok.fa", "--model", "{root}/no-model", "--quiet"],
        "--model is only used with --embedder dnahlm",
    ),
    (
        [*ADD, "{root}/ok.fa", "--embedder", "magic", "--quiet"],
        "argument --embedder: invalid choice: 'magic'",
    ),
    (
        [*ADD, "{root}/ok.fa", "--index-type", "magic", "--quiet"],
        "argument --index-type: invalid choice: 'magic'",
    ),
    ([*ADD, "{root}/ok.fa", "--collection", "papers", "--quiet"], "(--collection NAME --embedder kmer)"),
    (
        [*ADD, "{root}/ok.fa", "--embedder", "dnahlm", "--model", "{root}/no-model", "--quiet"],
        "model folder {root}/no-model not found",
    ),
    (
        ["index", "add", "{root}/ix-list", "{root}/ok.fa", "--quiet"],
        "ix-list/manifest.json: not an index manifest",
    ),
    (
        ["index", "add", "{root}/ix-nogen", "{root}/ok.fa", "--quiet"],
        "ix-nogen/manifest.json: missing or bad entry",
    ),
    (
        ["index", "add", "{root}/ok.fa", "{root}/ok.fa", "--quiet"],
        "ok.fa: not a folder, so it cannot hold an index",
    ),
    # index search, stats, remove, repair
    (["index", "search", "{root}/no-such-index", SEQ], "no-such-index: no index here"),
    (["index", "search", "{root}/ix", SEQ, "--filter", "novalue"], "--filter 'novalue': expected KEY=VALUE"),
    (
        ["index", "search", "{root}/ix", SEQ, "--collection", "nosuch"],
        "no collection 'nosuch' (collections: sequences)",
    ),
    (
        ["index", "search", "{root}/ix", "what binds TATA?"],
        "no collection holds text vectors for this text query",
    ),
    (["index", "search", "{root}/ix", SEQ, "--k", "-1"], "argument --k: -1 is out of range"),
    (["index", "search", "{root}/ix-list", SEQ], "ix-list/manifest.json: not an index manifest"),
    (["index", "search", "{root}/ix-nogen", SEQ], "ix-nogen/manifest.json: missing or bad entry"),
    (["index", "search", "{root}/ok.fa", SEQ], "ok.fa: no index here"),
    (["index", "stats", "{root}/no-such-index"], "no-such-index: no index here"),
    (
        ["index", "stats", "{root}/ix-nofile"],
        "ix-nofile/manifest.json: collection 'sequences' names no vector file",
    ),
    (["index", "stats", "{root}/ok.fa"], "ok.fa: no index here"),
    (["index", "remove", "{root}/ix", "--source", "{root}/x.fa"], "no records from {root}/x.fa"),
    (
        ["index", "remove", "{root}/ix", "--source", "{root}/ok.fa", "--collection", "nosuch"],
        "no collection 'nosuch'",
    ),
    (["index", "remove", "{root}/no-such-index", "--source", "{root}/ok.fa"], "no-such-index: no index here"),
    (
        ["index", "remove", "{root}/ix-list", "--source", "{root}/ok.fa"],
        "ix-list/manifest.json: not an index manifest",
    ),
    (["index", "remove", "{root}/ix"], "the following arguments are required: --source"),
    (
        ["index", "repair", "{root}/no-such-index"],
        "no-such-index: no such folder, so there is no index to repair",
    ),
    (["index", "repair", "{root}/adir.csv"], "adir.csv: no complete index generation to restore"),
    (["index", "magic", "{root}/ix"], "argument ACTION: invalid choice: 'magic'"),
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
    assert len(err) == 1 and says.replace("{root}", str(world)) in err[0], err
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


def _gz(data: bytes) -> bytes:
    return gzip.compress(data)


BOMB = _gz(b">big\n" + b"A" * (3 * 2**20) + b"\n")  # 3 MB of sequence in a few kB of gzip


def _pool_upload(name: str, data: bytes, labels: str = "0=a,1=b"):
    """What the Predict page does with an uploaded pool CSV (before any model is loaded)."""
    from dnahlm.ui import resources

    return resources.uploaded_pool.__wrapped__("digest", labels, "generic", "", data, name)


UPLOADS = [
    # (what the UI calls, what the one-line error must say)
    (lambda: _check("big.fa", 3 * 2**20, max_mb=2), "big.fa: 3.0 MB is more than the 2 MB an upload may be"),
    (lambda: _check("empty.fa", 0), "empty.fa: the file is empty"),
    (lambda: _check("notes.docx", 10), "notes.docx: .docx is not a format this page takes"),
    (lambda: _check("noext", 10), "noext: no suffix is not a format this page takes"),
    (
        lambda: _check("bomb.fa.gz", len(BOMB), data=BOMB, max_mb=2),
        "bomb.fa.gz: decompresses to more than the 2 MB",
    ),
    (lambda: _check("bad.fa.gz", 20, data=b"not gzip at all....."), "bad.fa.gz: not readable as gzip"),
    (lambda: _read("q.fa", b"ACGT\n"), "q.fa: not readable as fasta (text before the first '>'"),
    (lambda: _read("q.fa", b">a\nACGTXACGT\n"), "invalid DNA letter 'X' in q.fa:a at position 5"),
    (lambda: _read("q.fa", b">a\n>b\nACGT\n"), "q.fa: record a has an empty sequence"),
    (lambda: _read("q.fa", b""), "q.fa: no fasta records found"),
    (lambda: _read("q.fa", bytes(range(128, 256))), "q.fa: not readable as UTF-8 text"),
    (lambda: _read("q.fa.gz", b"\x1f\x8b\x08junk"), "q.fa.gz: not readable as gzip"),
    (lambda: _read("q.fa.gz", BOMB, max_mb=2), "q.fa.gz: decompresses to more than the 2 MB"),
    (lambda: _read("q.txt", b">a\nACGT\n"), "q.txt: not a sequence file"),
    (
        lambda: _read("cut.gb", (g := _genbank())[: g.index("FEATURES") + 200].encode()),
        "cut.gb: not readable as genbank",
    ),
    (
        lambda: _read("cut.gb", (g := _genbank())[: g.index("ORIGIN") + 400].encode()),
        "cut.gb: record NC_005816.1 is truncated",
    ),
    (lambda: _pasted("   "), "paste a DNA sequence (or FASTA records) first"),
    (lambda: _pasted("ACGT ACGT 123"), "invalid DNA letter '1' in the pasted sequence at position 9"),
    (lambda: _pasted(">a\nACGTJ\n"), "invalid DNA letter 'J' in pasted.fa:a at position 5"),
    (lambda: _pool_upload("pool.csv", b"\xff\xfe\x00s\x00e"), "pool.csv: not a UTF-8 CSV file"),
    (lambda: _pool_upload("pool.csv", b"sequence\nACGT\n"), "pool.csv: expected a header with columns"),
    (lambda: _pool_upload("pool.csv", b"sequence,label\nACGT,7\n"), "pool.csv, line 2: unknown label '7'"),
    (
        lambda: _pool_upload("pool.csv", b"sequence,label\nACGTX,0\n"),
        "invalid DNA letter 'X' in pool.csv line 2",
    ),
    (lambda: _pool_upload("pool.csv", b"sequence,label\nACGT,0\n", labels="0=a"), "need at least two labels"),
]


def _check(name, size, *, data=None, max_mb=50):
    from dnahlm.ui.uploads import SEQUENCE_SUFFIXES, check_upload

    check_upload(name, size, SEQUENCE_SUFFIXES, max_mb, data)


def _read(name, data, *, max_mb=None):
    from dnahlm.ui.uploads import read_sequences

    return read_sequences(name, data, max_mb=max_mb)


def _pasted(text):
    from dnahlm.ui.uploads import parse_pasted

    return parse_pasted(text)


@pytest.mark.parametrize(("call", "says"), UPLOADS, ids=[s[:40] for _, s in UPLOADS])
def test_a_bad_upload_is_one_user_error_line(call, says):
    """The UI's upload functions raise one user error (the page shows it in one box), never a traceback."""
    from dnahlm.errors import UserInputError

    with pytest.raises(UserInputError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and says in message, message


def test_iupac_codes_are_read_everywhere_and_seen_as_n_by_models(tmp_path, capsys):
    """One policy: ``index add``, ``predict`` and the UI accept ambiguity codes; a model's prompt holds N
    for each; a calculation that needs exact bases refuses them and says why."""
    from dnahlm.bio.melting import check_oligo
    from dnahlm.errors import InvalidSequenceError
    from dnahlm.prompts import format_prompt
    from dnahlm.tasks import Task
    from dnahlm.ui.uploads import parse_pasted

    ambiguous = SEQ[:60] + "RYKM" + SEQ[60:100]
    (tmp_path / "iupac.fa").write_text(f">amb\n{ambiguous}\n")
    (tmp_path / "pool.csv").write_text(
        "sequence,label\n" + "".join(f"{SEQ[i : i + 100]},{i % 2}\n" for i in range(0, 200, 20))
    )
    assert main(["index", "add", str(tmp_path / "ix"), str(tmp_path / "iupac.fa"), "--quiet"]) == 0
    assert (
        main(
            [
                "predict",
                ambiguous,
                "--pool",
                str(tmp_path / "pool.csv"),
                "--labels",
                "0=a,1=b",
                "--method",
                "knn",
            ]
        )
        == 0
    )
    assert "query (104 bp)" in capsys.readouterr().out
    assert parse_pasted(ambiguous) == [("query", ambiguous)]
    prompt = format_prompt(Task("t", "generic", {0: "a", 1: "b"}), ambiguous)
    assert SEQ[:60] + "NNNN" + SEQ[60:100] in prompt and "RYKM" not in prompt
    with pytest.raises(
        InvalidSequenceError,
        match=r"'R' in primer at position 5 \(an IUPAC ambiguity code; this calculation needs exact bases",
    ):
        check_oligo("ACGTRACGTACGTACGT", "primer")


def _pdf(text: str, xref_offset: int | None = None) -> bytes:
    """A one-page PDF whose text layer says ``text``; ``xref_offset`` writes a wrong ``startxref``."""
    content = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    start = xref if xref_offset is None else xref_offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def test_a_pdf_pypdf_repairs_is_read_without_its_notes_on_stderr(tmp_path, caplog):
    """pypdf logs each repair ("incorrect startxref pointer") as a warning; they stay out of the output."""
    import logging

    from dnahlm.index.papers import parse_pdf

    path = tmp_path / "repaired.pdf"
    path.write_bytes(_pdf("The TATA box binds TBP.", xref_offset=99999))
    with caplog.at_level(logging.WARNING):
        passages = list(parse_pdf(path))
    assert "The TATA box binds TBP." in passages[0].text
    assert not [r for r in caplog.records if r.name.startswith("pypdf")], caplog.records


def test_predict_scores_a_query_far_longer_than_the_pool_examples_in_windows(world, capsys):
    long_query = SEQ * 10  # 3,000 bp against 100 bp examples: windows of 100 bp, 50 bp apart, at most 64
    argv = ["predict", long_query, "--pool", str(world / "ok.csv"), "--labels", L, "--method", "knn"]
    assert main([*argv, "--json"]) == 0
    p = json.loads(capsys.readouterr().out)
    assert p["windows"] == 59 and p["window"][1] - p["window"][0] == 100  # (3000 - 100) // 50 + 1
    assert main([*argv, "--whole"]) == 0
    assert capsys.readouterr().out.startswith("query (3000 bp): ")
