"""Hostile inputs to every reader: FIFOs, devices, folders, huge lines and records, deep JSON, bad pools.

Each CLI case runs ``dnahlm`` in a real process with a timeout and expects exit status 2 within seconds,
exactly one stderr line that names the file and the problem, and no traceback. The record and label
limits are made small in the child (``dnahlm.reading`` defaults and ``DNAHLM_MAX_*``) so the files stay
small; the expected messages and sizes are written out here, not taken from the code under test.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dnahlm.errors import ConfigError, DataFormatError, ModelNotFoundError

SEQ = "ACGTTGCAAGCTTACG" * 8  # 128 bp
LABELS = "0=neg,1=pos"

# the child reads the limits from the environment (DNAHLM_MAX_RECORD_MB, DNAHLM_MAX_LABELS) and reports its peak RSS
BOOT = (
    "import os, resource, sys\n"
    "from dnahlm.cli.main import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "finally:\n"
    "    if os.environ.get('RSS_OUT'):\n"
    "        with open(os.environ['RSS_OUT'], 'w') as f:\n"
    "            f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def dnahlm(*args, cwd: Path, record_mb: int = 1, labels: int = 1000, timeout: float = 20, rss=None):
    """Run the CLI in a child process; its CompletedProcess (a hang fails the test at ``timeout``)."""
    env = {
        **os.environ,
        "DNAHLM_MAX_RECORD_MB": str(record_mb),
        "DNAHLM_MAX_LABELS": str(labels),
        "HF_HUB_OFFLINE": "1",
        "COLUMNS": "120",
    }
    if rss is not None:
        env["RSS_OUT"] = str(rss)
    return subprocess.run(
        [sys.executable, "-c", BOOT, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_error(proc, *needles: str) -> str:
    """Exit 2, one stderr line holding every needle, no traceback; the line."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def snapshot(folder: Path) -> dict[str, str] | None:
    """SHA-256 of every file under ``folder`` by relative path (None when the folder is missing)."""
    if not folder.exists():
        return None
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder with a good FASTA and an index built from it."""
    (tmp_path / "good.fa").write_text(f">g1\n{SEQ}\n>g2\n{SEQ[::-1]}\n")
    proc = dnahlm("index", "add", "idx", "good.fa", "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path


def fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


# --------------------------------------------------------------------------- not regular files

READERS = [  # every command that reads a sequence file ({f}: the file)
    ["index", "add", "idx", "{f}", "--quiet"],
    ["predict", "--fasta", "{f}", "--pool", "pool.csv", "--labels", LABELS],
    ["ask", "What is the GC content?", "--fasta", "{f}"],
]


@pytest.mark.parametrize("argv", READERS, ids=["index-add", "predict", "ask"])
def test_a_fifo_is_refused_at_once_even_while_a_writer_sends_a_whole_fasta(root, argv):
    q = fifo(root, "q.fa")
    (root / "data.fa").write_text(f">w\n{SEQ}\n")
    writer = subprocess.Popen(["sh", "-c", "cat data.fa > q.fa"], cwd=root)
    before = snapshot(root / "idx")
    try:
        proc = dnahlm(*[a.format(f=q.name) for a in argv], cwd=root)
    finally:
        writer.kill()
        writer.wait()
    one_error(proc, "q.fa", "not a regular file (a FIFO)")
    assert snapshot(root / "idx") == before


@pytest.mark.parametrize("argv", READERS, ids=["index-add", "predict", "ask"])
def test_a_link_to_dev_zero_is_refused(root, argv):
    (root / "zero.fa").symlink_to("/dev/zero")
    before = snapshot(root / "idx")
    proc = dnahlm(*[a.format(f="zero.fa") for a in argv], cwd=root)
    one_error(proc, "zero.fa", "not a regular file (a character device)")
    assert snapshot(root / "idx") == before


def test_a_folder_is_refused_and_a_link_to_a_regular_file_is_fine(root):
    (root / "dir.fa").mkdir()
    (root / "link.fa").symlink_to(root / "good.fa")
    one_error(dnahlm("index", "add", "idx", "dir.fa", "--quiet", cwd=root), "dir.fa", "not a regular file")
    proc = dnahlm("index", "add", "new", "link.fa", "--quiet", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "2 records added" in proc.stdout


def test_a_fifo_after_a_good_file_adds_nothing_and_creates_no_folder(root):
    fifo(root, "q.fa")
    (root / "other.fa").write_text(f">o1\n{SEQ[:100]}\n")
    before = snapshot(root / "idx")
    one_error(dnahlm("index", "add", "idx", "other.fa", "q.fa", "--quiet", cwd=root), "q.fa", "FIFO")
    assert snapshot(root / "idx") == before
    one_error(dnahlm("index", "add", "fresh", "q.fa", "--quiet", cwd=root), "q.fa", "FIFO")
    assert not (root / "fresh").exists()


def _in_thread(fn, seconds: float = 10.0):
    """``fn()``'s exception (or None), failing the test when it has not returned in ``seconds``."""
    out: list[BaseException | None] = []

    def call() -> None:
        try:
            fn()
            out.append(None)
        except BaseException as exc:  # handed back to the test
            out.append(exc)

    t = threading.Thread(target=call, daemon=True)
    t.start()
    t.join(seconds)
    assert out, f"{fn} still reading after {seconds} s"
    return out[0]


def _readers(path: Path):
    from dnahlm.checkfiles import read_json, safetensors_header
    from dnahlm.index.annotated import parse_annotated
    from dnahlm.index.ingest import file_sha256
    from dnahlm.index.papers import parse_papers
    from dnahlm.sequences import parse, read
    from dnahlm.tasks import Task, load_tasks_json, read_pool

    task = Task("t", "generic", {0: "a", 1: "b"})
    return {
        "fasta": lambda: list(parse(path, "fasta")),
        "read": lambda: read(path, "fasta"),
        "genbank": lambda: list(parse_annotated(path.with_name(path.name + ".gb"))),
        "gff": lambda: list(parse_annotated(path.with_name(path.name + ".gff3"))),
        "jsonl": lambda: list(parse_papers(path.with_name(path.name + ".jsonl"))),
        "text": lambda: list(parse_papers(path.with_name(path.name + ".txt"))),
        "pdf": lambda: list(parse_papers(path.with_name(path.name + ".pdf"))),
        "csv": lambda: read_pool(path, task),
        "tasks.json": lambda: load_tasks_json(path),
        "config.json": lambda: read_json(path),
        "safetensors": lambda: safetensors_header(path),
        "hash": lambda: file_sha256(path),
    }


@pytest.mark.parametrize("reader", sorted(_readers(Path("x"))))
@pytest.mark.parametrize("kind", ["fifo", "zero", "folder"])
def test_every_reader_refuses_what_is_not_a_regular_file(tmp_path, reader, kind):
    base = tmp_path / "in"
    for path in (base, *(base.with_name(base.name + s) for s in (".gb", ".gff3", ".jsonl", ".txt", ".pdf"))):
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "zero":
            path.symlink_to("/dev/zero")
        else:
            path.mkdir()
    try:
        exc = _in_thread(_readers(base)[reader])
    finally:
        if kind == "fifo":  # a reader blocked on a FIFO gets its end of file and goes
            for path in tmp_path.iterdir():
                with contextlib.suppress(OSError):
                    os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    assert isinstance(exc, DataFormatError | ModelNotFoundError), f"{reader} did not refuse a {kind}: {exc!r}"
    assert "not a regular file" in str(exc) and str(tmp_path / "in") in str(exc)


# --------------------------------------------------------------------------- sizes


def test_a_one_line_fasta_over_the_limit_is_refused_by_every_command(root):
    (root / "long.fa").write_text(">long one\n" + "A" * 2_500_000 + "\n")  # 2.5 MB, limit 1 MB
    before = snapshot(root / "idx")
    say = "line 2 is longer than the limit of 1 MB"
    one_error(dnahlm("index", "add", "idx", "long.fa", "--quiet", cwd=root), "long.fa", say)
    one_error(dnahlm("predict", "--fasta", "long.fa", "--pool", "p.csv", "--labels", LABELS, cwd=root), say)
    one_error(dnahlm("ask", "What is the GC content?", "--fasta", "long.fa", cwd=root), "long.fa", say)
    assert snapshot(root / "idx") == before
    # under a higher limit the same file is read
    proc = dnahlm("index", "add", "idx", "long.fa", "--quiet", cwd=root, record_mb=3, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_record_of_short_lines_over_the_limit_is_refused(root):
    lines = "\n".join(["ACGT" * 15] * 20_000)  # 1.22 MB in 60-letter lines
    (root / "wide.fa").write_text(f">small\n{SEQ}\n>big chromosome\n{lines}\n")
    one_error(
        dnahlm("index", "add", "idx", "wide.fa", "--quiet", cwd=root),
        "wide.fa",
        "record 'big' (from line 3) is longer than the limit of 1 MB",
    )


def test_memory_stays_bounded_for_a_200_mb_one_line_fasta(root):
    small_rss, big_rss = root / "small.rss", root / "big.rss"
    proc = dnahlm("index", "add", "a", "good.fa", "--quiet", cwd=root, rss=small_rss)
    assert proc.returncode == 0, proc.stderr
    with open(root / "huge.fa", "w") as fh:
        fh.write(">huge\n")
        block = "ACGT" * 250_000  # 1 MB
        for _ in range(200):
            fh.write(block)
        fh.write("\n")
    proc = dnahlm("index", "add", "b", "huge.fa", "--quiet", cwd=root, rss=big_rss, timeout=60)
    one_error(proc, "huge.fa", "line 2 is longer than the limit of 1 MB")
    grown_kb = int(big_rss.read_text()) - int(small_rss.read_text())
    assert grown_kb < 64_000, f"peak RSS grew by {grown_kb} kB reading a 200 MB line under a 1 MB limit"
    assert not (root / "b").exists()


def test_a_jsonl_line_over_the_limit_is_refused_without_reading_it_whole(root):
    (root / "papers.jsonl").write_text(
        json.dumps({"title": "ok", "text": "fine words"}) + "\n" + json.dumps({"text": "w " * 800_000}) + "\n"
    )
    one_error(
        dnahlm("index", "add", "idx", "papers.jsonl", "--quiet", cwd=root),
        "papers.jsonl",
        "line 2 is longer than the limit of 1 MB",
    )
    from dnahlm.reading import lines

    with open(root / "papers.jsonl", "rb") as fh:
        got = lines(fh, "papers.jsonl", limit=100)
        assert len(next(got)) < 100
        with pytest.raises(DataFormatError, match=r"papers\.jsonl: line 2 is longer than the limit"):
            next(got)


# --------------------------------------------------------------------------- deep JSON


def test_a_200000_deep_jsonl_line_is_one_error(root):
    deep = '{"title": "t", "text": "x", "extra": ' + "[" * 200_000 + "]" * 200_000 + "}"
    (root / "deep.jsonl").write_text(json.dumps({"title": "fine", "text": "words"}) + "\n" + deep + "\n")
    before = snapshot(root / "idx")
    one_error(
        dnahlm("index", "add", "idx", "deep.jsonl", "--quiet", cwd=root),
        "deep.jsonl:2",
        "nested deeper than 64 levels",
    )
    assert snapshot(root / "idx") == before
    from dnahlm.index.papers import parse_jsonl  # skipped like any bad line with errors="skip"

    skipped: list[tuple[int, str]] = []
    passages = list(
        parse_jsonl(root / "deep.jsonl", errors="skip", on_error=lambda n, m: skipped.append((n, m)))
    )
    assert [p.doc_id for p in passages] == ["deep.jsonl:1"]
    assert [n for n, _ in skipped] == [2] and "nested deeper than 64" in skipped[0][1]


def test_a_200000_deep_tasks_json_is_one_error(root):
    (root / "pool.csv").write_text(f"sequence,label\n{SEQ},0\n{SEQ[::-1]},1\n")
    (root / "tasks.json").write_text('{"tasks": ' + "[" * 200_000 + "]" * 200_000 + "}")
    before = snapshot(root / "idx")
    proc = dnahlm(
        "index", "add", "idx", "pool.csv", "--tasks-json", "tasks.json", "--task", "t", "--quiet", cwd=root
    )
    one_error(proc, "tasks.json", "nested deeper than 64 levels")
    assert snapshot(root / "idx") == before


def test_deep_json_is_refused_by_the_model_layer_readers(tmp_path):
    from dnahlm.checkfiles import read_json
    from dnahlm.reading import json_depth, json_loads
    from dnahlm.tasks import load_tasks_json

    assert json_depth('[1, {"a": "[[[[\\"["}, [[]]]') == 3  # brackets inside strings do not count
    assert json_loads("[" * 64 + "]" * 64, "x") == json.loads("[" * 64 + "]" * 64)
    with pytest.raises(DataFormatError, match="x: JSON nested deeper than 64"):
        json_loads("[" * 65 + "]" * 65, "x")
    f = tmp_path / "config.json"
    f.write_text('{"a": ' + "{" * 200_000)  # not even closed: still one clear line
    with pytest.raises(ModelNotFoundError, match=r"config\.json: JSON nested deeper"):
        read_json(f)
    with pytest.raises(DataFormatError, match=r"config\.json: JSON nested deeper"):
        load_tasks_json(f)


# --------------------------------------------------------------------------- labels


def _pool(path: Path, labels: list[int], n: int = 300) -> Path:
    """A labelled CSV of ``n`` distinct sequences, labels taken in turn from ``labels``."""
    code = ["".join("ACGT"[(i >> (2 * b)) & 3] for b in range(6)) for i in range(n)]  # distinct 6-mers
    rows = [f"{code[i]}{SEQ[:60]},{labels[i % len(labels)]}" for i in range(n)]
    path.write_text("sequence,label\n" + "\n".join(rows) + "\n")
    return path


def test_a_one_class_pool_exits_2_and_leaves_the_index_byte_identical(root):
    _pool(root / "one.csv", [1])
    before = snapshot(root / "idx")
    proc = dnahlm("index", "add", "idx", "one.csv", "--labels", LABELS, "--task", "t", cwd=root, timeout=60)
    one_error(proc, "one.csv", "every row of task t has label 1=pos", "at least two labels")
    assert snapshot(root / "idx") == before
    proc = dnahlm("index", "add", "fresh", "one.csv", "--labels", LABELS, "--task", "t", cwd=root)
    one_error(proc, "one.csv", "at least two labels")
    assert not (root / "fresh").exists()
    # with --no-fit the rows are added (nothing will be fitted on them yet)
    proc = dnahlm(
        "index", "add", "idx", "one.csv", "--labels", LABELS, "--task", "t", "--no-fit", "--quiet", cwd=root
    )
    assert proc.returncode == 0, proc.stderr
    assert "300 records added to examples" in proc.stdout


def test_pools_count_the_labels_the_index_already_holds(root):
    from dnahlm.index.ingest import add_files, check_pools

    _pool(root / "neg.csv", [0])
    _pool(root / "pos.csv", [1])
    assert check_pools(root / "idx", [root / "neg.csv", root / "pos.csv"], task="t", labels=LABELS) == {
        "t": {0, 1}
    }
    with pytest.raises(DataFormatError, match=r"neg\.csv: every row of task t has label 0=neg"):
        check_pools(root / "idx", [root / "neg.csv"], task="t", labels=LABELS)
    add_files(root / "idx", [root / "neg.csv"], task="t", labels=LABELS)
    assert check_pools(root / "idx", [root / "pos.csv"], task="t", labels=LABELS) == {"t": {0, 1}}


def test_too_many_labels_is_one_error(root):
    many = ",".join(f"{i}=label{i}" for i in range(6))
    _pool(root / "many.csv", list(range(6)), n=60)
    before = snapshot(root / "idx")
    proc = dnahlm("index", "add", "idx", "many.csv", "--labels", many, "--task", "m", cwd=root, labels=5)
    one_error(proc, "task m: 6 labels, more than the limit of 5")
    assert snapshot(root / "idx") == before
    from dnahlm.tasks import Task, parse_labels

    # the default limit (DNAHLM_MAX_LABELS, 256): 256 labels pass, the red team's 1,500 do not
    assert len(Task("ok", "generic", parse_labels(",".join(f"{i}=l{i}" for i in range(256)))).labels) == 256
    with pytest.raises(ConfigError, match="1,500 labels, more than the limit of 256"):
        Task("big", "generic", {i: f"l{i}" for i in range(1500)})


# --------------------------------------------------------------------------- read once


def test_a_file_rewritten_between_hash_and_parse_adds_nothing(root, monkeypatch):
    from dnahlm.index import ingest
    from dnahlm.index.store import KnowledgeStore

    target = root / "moving.fa"
    target.write_text(f">m1\n{SEQ}\n")
    real = ingest.file_sha256

    def hash_then_rewrite(path):
        digest = real(path)
        with open(target, "a") as fh:  # a writer appends while the file is parsed
            fh.write(f">m2\n{SEQ[:90]}\n")
        return digest

    monkeypatch.setattr(ingest, "file_sha256", hash_then_rewrite)
    before = snapshot(root / "idx")
    with KnowledgeStore(root / "idx") as store, pytest.raises(DataFormatError, match="changed while it was"):
        ingest.add_file(store, target)
    assert snapshot(root / "idx") == before


# --------------------------------------------------------------------------- terminal


def test_a_file_name_with_terminal_escapes_reaches_the_progress_bar_escaped(root):
    name = "evil\x1b[31m\rname.fa"
    (root / name).write_text(f">e1\n{SEQ}\n")
    proc = dnahlm("index", "add", "idx", name, cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert "evil\\x1b[31m\\x0dname.fa" in proc.stderr  # the bar was drawn, with the name escaped
    assert "\x1b" not in proc.stderr + proc.stdout
    assert "\rname.fa" not in proc.stderr + proc.stdout
