"""Concurrent writers and repair on real index folders: no record is ever lost without being said.

The writers are real processes (``dnahlm index add`` and a Python process using the store), since a lock
that works between threads of one process proves nothing about two commands run side by side.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import time

import pytest

from dnahlm.errors import DataFormatError
from dnahlm.index.ingest import add_files
from dnahlm.index.repair import repair
from dnahlm.index.store import KnowledgeStore

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def write_fasta(path, n: int, length: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w") as fh:
        for i in range(n):
            fh.write(f">r{seed}_{i}\n{''.join(rng.choice('ACGT') for _ in range(length))}\n")


def records(ix) -> int:
    with KnowledgeStore(ix) as store:
        return store.count()


def test_a_writer_that_read_an_old_generation_does_not_commit_over_a_newer_one(tmp_path):
    """The race of two `index add`: the first reads generation 1, the second commits generation 2 while the
    first is still embedding, then the first commits. Both files' records must be there."""
    ix = tmp_path / "ix"
    write_fasta(tmp_path / "base.fa", 5, 300, seed=0)
    write_fasta(tmp_path / "a.fa", 20, 300, seed=1)
    write_fasta(tmp_path / "b.fa", 7, 300, seed=2)
    add_files(ix, [tmp_path / "base.fa"])
    go = tmp_path / "go"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from dnahlm.index.ingest import add_file
        from dnahlm.index.store import KnowledgeStore
        store = KnowledgeStore({str(ix)!r})          # reads generation 1
        print("opened", store.generation, flush=True)
        while not Path({str(go)!r}).exists():
            time.sleep(0.02)
        print(add_file(store, {str(tmp_path / "a.fa")!r}).added, flush=True)
        """
    )
    first = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=ENV)
    assert first.stdout.readline().split() == ["opened", "1"]
    second = subprocess.run(
        [sys.executable, "-m", "dnahlm.cli.main", "index", "add", str(ix), str(tmp_path / "b.fa"), "--quiet"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert second.returncode == 0, second.stderr
    go.touch()
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 0 and int(out.split()[-1]) > 0
    with KnowledgeStore(ix) as store:
        sources = sorted(os.path.basename(p) for _, p, _ in store.sources())
        assert sources == ["a.fa", "b.fa", "base.fa"] and store.generation == 3
        assert store.count() == 5 + 20 + 7  # 300 bp records are one window each


def test_two_index_add_commands_at_once_keep_both_files(tmp_path):
    """As a user runs them: a large add in the background, a small one 0.3 s later; both succeed."""
    ix = tmp_path / "ix"
    write_fasta(tmp_path / "big.fa", 20_000, 400, seed=3)  # 400 bp: one window a record
    write_fasta(tmp_path / "small.fa", 4, 300, seed=4)
    cmd = [sys.executable, "-m", "dnahlm.cli.main", "index", "add", str(ix)]
    big = subprocess.Popen(
        [*cmd, str(tmp_path / "big.fa"), "--quiet"], env=ENV, stderr=subprocess.PIPE, text=True
    )
    time.sleep(0.3)
    small = subprocess.run(
        [*cmd, str(tmp_path / "small.fa"), "--quiet"], env=ENV, capture_output=True, text=True
    )
    big.wait(timeout=300)
    assert big.returncode == 0 and small.returncode == 0, (big.stderr.read(), small.stderr)
    with KnowledgeStore(ix) as store:
        assert len(store.sources()) == 2 and store.count() == 20_004
        assert store.count("sequences", {"source": str((tmp_path / "small.fa").resolve())}) == 4


@pytest.fixture
def two_collections(tmp_path):
    """An index with examples (from a CSV) and sequences (from a FASTA), both k-mer embedded."""
    ix = tmp_path / "ix"
    rng = random.Random(5)
    with open(tmp_path / "pool.csv", "w") as fh:
        fh.write("sequence,label\n")
        for i in range(30):
            fh.write(f"{''.join(rng.choice('ACGT') for _ in range(80))},{i % 2}\n")
    write_fasta(tmp_path / "seqs.fa", 12, 300, seed=6)
    add_files(ix, [tmp_path / "pool.csv"], task="toy", labels="0=a,1=b")
    add_files(ix, [tmp_path / "seqs.fa"])
    return ix


def test_a_damaged_vector_file_is_rebuilt_from_the_metadata(two_collections, tmp_path):
    ix = two_collections
    with KnowledgeStore(ix) as store:
        query = store.get(store.ids("sequences")[:1])[0].text
        before = [(h.text, round(h.score, 5)) for h in _search(store, query)]
        victim = ix / store.collections["sequences"].file
    victim.write_bytes(b"")  # truncated to 0 bytes
    with pytest.raises(DataFormatError, match="checksum differs"):
        KnowledgeStore(ix)
    report = repair(ix)
    assert [(c.name, c.action, c.records, c.dropped) for c in report.collections] == [
        ("examples", "kept", 30, 0),
        ("sequences", "rebuilt", 12, 0),
    ]
    assert report.generation == 3 and "rebuilt the vectors of 12 records" in "\n".join(report.lines())
    with KnowledgeStore(ix) as store:
        assert store.count("sequences") == 12 and store.count("examples") == 30
        assert [(h.text, round(h.score, 5)) for h in _search(store, query)] == before
    # the next add builds on the repaired state and overwrites nothing
    write_fasta(tmp_path / "more.fa", 3, 300, seed=7)
    add_files(ix, [tmp_path / "more.fa"])
    with KnowledgeStore(ix) as store:
        assert store.count("sequences") == 15 and store.count("examples") == 30 and store.generation == 4


def _search(store, query):
    from dnahlm.index.ingest import get_embedder

    emb = get_embedder(None, "sequences", store)
    return store.search("sequences", emb.embed_array([query]), k=5)[0]


def test_repair_refuses_to_roll_back_a_collection_unless_forced(two_collections, tmp_path):
    """Generation 2 added the sequences; with its metadata damaged only generation 1 is whole, which has
    none: repair must say so and change nothing, and a forced repair must not let the next add overwrite
    the newer files."""
    ix = two_collections
    meta2 = ix / "meta.2.sqlite"
    meta2.write_bytes(meta2.read_bytes()[:4096])
    before = {p.name: p.read_bytes() for p in ix.iterdir()}
    with pytest.raises(DataFormatError, match=r"would drop records .*sequences: dropped 12 records"):
        repair(ix)
    assert {p.name: p.read_bytes() for p in ix.iterdir()} == before
    report = repair(ix, force=True)
    assert report.restored == 1
    assert [(c.name, c.action, c.dropped) for c in report.collections] == [
        ("examples", "kept", 0),
        ("sequences", "dropped", 12),
    ]
    assert records(ix) == 30
    write_fasta(tmp_path / "more.fa", 3, 300, seed=8)
    add_files(ix, [tmp_path / "more.fa"])
    with KnowledgeStore(ix) as store:
        assert store.generation == 3 and store.count() == 33


def test_repair_of_a_whole_index_changes_nothing(two_collections):
    before = {p.name: p.read_bytes() for p in two_collections.iterdir()}
    report = repair(two_collections)
    assert not report.changed and "nothing to repair" in report.lines()[0]
    assert {p.name: p.read_bytes() for p in two_collections.iterdir()} == before


def test_cli_repair_prints_what_it_keeps_and_drops(two_collections, capsys):
    from dnahlm.cli.main import main

    meta2 = two_collections / "meta.2.sqlite"
    meta2.write_bytes(meta2.read_bytes()[:4096])
    assert main(["index", "repair", str(two_collections)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sequences: dropped 12 records" in err[0] and "--force" in err[0]
    assert main(["index", "repair", str(two_collections), "--force"]) == 0
    out = capsys.readouterr().out
    assert "examples: kept 30 records" in out and "sequences: dropped 12 records" in out


def test_a_writer_killed_while_holding_the_lock_loses_nothing_committed(tmp_path):
    """kill -9 of a writer mid-add: its lock dies with it, the next writer proceeds at once, and the state
    is the last committed one plus the new file."""
    import signal

    ix = tmp_path / "ix"
    write_fasta(tmp_path / "base.fa", 6, 300, seed=20)
    write_fasta(tmp_path / "next.fa", 3, 300, seed=21)
    add_files(ix, [tmp_path / "base.fa"])
    script = textwrap.dedent(
        f"""
        import time
        import numpy as np
        from dnahlm.index.store import KnowledgeStore
        store = KnowledgeStore({str(ix)!r})
        store.add("sequences", np.ones((1, store.collections["sequences"].dimension), np.float32), ["x"], [{{}}])
        print("staged", flush=True)
        time.sleep(60)
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=ENV)
    assert writer.stdout.readline().strip() == "staged"
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    started = time.monotonic()
    with KnowledgeStore(ix, lock_timeout=5) as store:
        from dnahlm.index.ingest import add_file

        add_file(store, tmp_path / "next.fa")
    assert time.monotonic() - started < 5
    with KnowledgeStore(ix) as store:
        assert store.count() == 9 and "x" not in {h.text for h in store.get(store.ids())}
    assert not list(ix.glob("*.partial"))
