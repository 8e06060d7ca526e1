"""KnowledgeStore: search, filters, deletes, persistence, and every way a save or a file can go wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dnahlm.errors import ConfigError, DataFormatError, UserInputError
from dnahlm.index.repair import repair
from dnahlm.index.store import KnowledgeStore

SPEC = {"name": "kmer", "params": {"k": 3}}


def unit_vectors(n: int, d: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def filled(path, n: int = 50, index_type: str = "auto", d: int = 16) -> tuple[KnowledgeStore, np.ndarray]:
    store = KnowledgeStore(path, create=True)
    v = unit_vectors(n, d)
    metas = [
        {"task": "even" if i % 2 == 0 else "odd", "label": i % 3, "source": f"f{i % 5}.csv"} for i in range(n)
    ]
    store.add("examples", v, [f"text {i}" for i in range(n)], metas, embedder=SPEC, index_type=index_type)
    store.commit()
    return store, v


def test_search_returns_the_nearest_records_with_metadata(tmp_path):
    store, v = filled(tmp_path / "ix")
    hits = store.search("examples", v[7], k=3)[0]
    assert hits[0].text == "text 7" and hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[0].metadata == {"task": "odd", "label": 1, "source": "f2.csv"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # brute force agrees
    expected = np.argsort(-(v @ v[7]))[:3]
    assert [h.text for h in hits] == [f"text {i}" for i in expected]


def test_filters_restrict_hits_including_labels_given_as_text(tmp_path):
    store, v = filled(tmp_path / "ix")
    hits = store.search("examples", v[7], k=50, filter={"task": "even", "label": "2"})[0]
    assert hits and all(h.metadata["task"] == "even" and h.metadata["label"] == 2 for h in hits)
    assert len(hits) == store.count("examples", {"task": "even", "label": 2})
    # the cached selector follows changes
    new = store.add("examples", v[7:8] * 0.99, ["near 7"], [{"task": "even", "label": 2}])[0]
    assert store.search("examples", v[7], k=1, filter={"task": "even", "label": 2})[0][0].id == new
    store.delete([new])
    assert new not in [h.id for h in store.search("examples", v[7], k=50, filter={"task": "even"})[0]]
    assert store.search("examples", v[7], k=5, filter={"task": "none"}) == [[]]
    with pytest.raises(UserInputError, match="cannot filter"):
        store.search("examples", v[7], k=5, filter={"bad key;": 1})


def test_state_survives_reopening_and_deletes_persist(tmp_path):
    store, v = filled(tmp_path / "ix")
    assert store.delete_source("f0.csv") == 10
    assert store.delete([store.ids("examples")[0]]) == 1
    store.commit()
    store.close()
    again = KnowledgeStore(tmp_path / "ix")
    assert again.count("examples") == 39 == again.collections["examples"].index.ntotal
    assert all(h.metadata["source"] != "f0.csv" for h in again.search("examples", v[0], k=50)[0])
    # ids are never reused
    new = again.add("examples", unit_vectors(1, seed=9), ["new"], [{}])
    assert new[0] == 51


def test_duplicates_are_skipped_and_replace_updates(tmp_path):
    store, v = filled(tmp_path / "ix", n=4)
    again = store.add("examples", v[:2], ["text 0", "text 1"], [{}, {}])
    assert again == [None, None] and store.count() == 4
    store.add("examples", v[:1], ["changed"], [{"x": 1}], keys=[store.get([1])[0].key], replace=True)
    assert store.count() == 4 and store.search("examples", v[0], k=1)[0][0].text == "changed"


def test_hnsw_and_ivfpq_indexes_search_and_delete(tmp_path):
    hnsw, v = filled(tmp_path / "h", n=300, index_type="hnsw")
    assert hnsw.search("examples", v[5], k=1)[0][0].text == "text 5"
    hnsw.delete([6])  # row 6 is "text 5"
    hnsw.commit()
    assert KnowledgeStore(tmp_path / "h").search("examples", v[5], k=1)[0][0].text != "text 5"
    small, _ = filled(tmp_path / "s", n=2000, index_type="ivfpq")  # too few to train: stays exact
    assert small.stats()["collections"]["examples"]["index"] == "IndexFlatIP"
    ivf, v = filled(tmp_path / "i", n=12_000, index_type="ivfpq")
    assert ivf.stats()["collections"]["examples"]["index"] == "IndexIVFPQ"
    found = sum(
        f"text {i}" in [h.text for h in ivf.search("examples", v[i], k=10)[0]] for i in range(0, 12_000, 240)
    )
    assert found >= 45  # PQ (2 bytes a vector here) is lossy; nearly every vector is still in its own top 10
    filtered = ivf.search("examples", v[4], k=10, filter={"task": "even"})[0]
    assert "text 4" in [h.text for h in filtered] and {h.metadata["task"] for h in filtered} == {"even"}
    ivf.delete([1])
    ivf.commit()
    assert KnowledgeStore(tmp_path / "i").count() == 11_999


def test_wrong_dimension_and_wrong_embedder_are_clear_errors_and_lose_nothing(tmp_path):
    store, _v = filled(tmp_path / "ix")
    with pytest.raises(UserInputError, match=r"dimension 16 .*got shape \(1, 8\)"):
        store.add("examples", unit_vectors(1, d=8), ["x"], [{}])
    with pytest.raises(UserInputError, match="dimension 16"):
        store.search("examples", unit_vectors(1, d=8), k=1)
    with pytest.raises(ConfigError, match="was built with kmer"):
        store.add("examples", unit_vectors(1), ["x"], [{}], embedder={"name": "text", "params": {}})
    store.rollback()
    assert KnowledgeStore(tmp_path / "ix").count() == 50


def test_a_deleted_manifest_is_reported_and_repaired(tmp_path):
    filled(tmp_path / "ix")[0].close()
    (tmp_path / "ix" / "manifest.json").unlink()
    with pytest.raises(DataFormatError, match=r"manifest\.json: missing.*dnahlm index repair"):
        KnowledgeStore(tmp_path / "ix", create=True)  # create must not start over on top of the data
    report = repair(tmp_path / "ix")
    assert report.restored == report.generation == 1
    assert [(c.name, c.action, c.records) for c in report.collections] == [("examples", "kept", 50)]
    assert KnowledgeStore(tmp_path / "ix").count() == 50


@pytest.mark.parametrize(
    ("victim", "repair_says"),
    [
        # the vectors here are random, not k-mer profiles: they cannot be embedded again, so repair refuses
        ("examples.1.faiss", r"would drop records \(examples: dropped 50 records"),
        ("meta.1.sqlite", "no complete index generation"),
    ],
)
def test_corrupted_or_truncated_files_are_named(tmp_path, victim, repair_says):
    filled(tmp_path / "ix")[0].close()
    f = tmp_path / "ix" / victim
    f.write_bytes(f.read_bytes()[:100])
    with pytest.raises(DataFormatError, match=f"{victim}: checksum differs"):
        KnowledgeStore(tmp_path / "ix")
    before = {p.name: p.read_bytes() for p in (tmp_path / "ix").iterdir()}
    with pytest.raises(DataFormatError, match=repair_says):
        repair(tmp_path / "ix")
    assert {p.name: p.read_bytes() for p in (tmp_path / "ix").iterdir()} == before


def test_a_manifest_that_is_not_json_is_named(tmp_path):
    filled(tmp_path / "ix")[0].close()
    (tmp_path / "ix" / "manifest.json").write_bytes(b"\x00\xff junk")
    with pytest.raises(DataFormatError, match=r"manifest\.json: unreadable or not JSON"):
        KnowledgeStore(tmp_path / "ix")


def test_a_second_writer_waits_for_the_first_and_builds_on_its_commit(tmp_path):
    first, _v = filled(tmp_path / "ix")
    second = KnowledgeStore(tmp_path / "ix", lock_timeout=0.2)  # opened at generation 1, like the first
    first.add("examples", unit_vectors(1, seed=3), ["pending"], [{}])
    with pytest.raises(UserInputError, match=r"another process has been writing this index for over 0\.2 s"):
        second.add("examples", unit_vectors(1, seed=4), ["other"], [{}])
    first.commit()
    # the second writer read generation 1 before the first committed generation 2: its write must build on 2
    second.add("examples", unit_vectors(1, seed=4), ["other"], [{}])
    second.commit()
    again = KnowledgeStore(tmp_path / "ix")
    assert again.count() == 52 and again.generation == 3
    assert {"pending", "other"} <= {h.text for h in again.get(again.ids("examples"))}


def test_a_reader_keeps_its_state_while_a_writer_commits_twice(tmp_path):
    writer, v = filled(tmp_path / "ix")
    reader = KnowledgeStore(tmp_path / "ix")
    for seed in (1, 2):
        writer.add("examples", unit_vectors(5, seed=seed), [f"g{seed}-{i}" for i in range(5)], [{}] * 5)
        writer.commit()
    assert reader.count() == 50 and reader.search("examples", v[3], k=1)[0][0].text == "text 3"
    assert KnowledgeStore(tmp_path / "ix").count() == 60
    # only the files of the newest generations are left
    assert sorted(p.name for p in (tmp_path / "ix").glob("meta.*")) == ["meta.2.sqlite", "meta.3.sqlite"]


KILL = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    import dnahlm.index.store as st

    calls = {"n": 0}
    real = st.fsync_path

    def dying(path):
        calls["n"] += 1
        if calls["n"] == int(sys.argv[2]):
            os._exit(137)  # like SIGKILL: no cleanup, no flush
        real(path)

    st.fsync_path = dying
    store = st.KnowledgeStore(sys.argv[1])
    v = np.random.default_rng(5).normal(size=(7, 16)).astype("float32")
    store.add("examples", v, [f"killed {i}" for i in range(7)], [{}] * 7)
    store.commit()
    """
)


@pytest.mark.parametrize(("kill_at", "expected"), [(1, 50), (2, 50), (3, 57)])
def test_a_killed_save_leaves_the_old_or_the_new_state(tmp_path, kill_at, expected):
    """Killed after the FAISS file (1), after the SQLite file (2), or after the manifest switch (3)."""
    filled(tmp_path / "ix")[0].close()
    proc = subprocess.run([sys.executable, "-c", KILL, str(tmp_path / "ix"), str(kill_at)], check=False)
    assert proc.returncode == 137
    store = KnowledgeStore(tmp_path / "ix")
    assert store.count() == expected == store.collections["examples"].index.ntotal
    # the next writer cleans up and carries on
    store.add("examples", unit_vectors(1, seed=11), ["after"], [{}])
    store.commit()
    assert KnowledgeStore(tmp_path / "ix").count() == expected + 1
    assert not list((tmp_path / "ix").glob("*.partial"))


def test_manifest_records_embedder_dimension_counts_and_checksums(tmp_path):
    filled(tmp_path / "ix")[0].close()
    m = json.loads((tmp_path / "ix" / "manifest.json").read_text())
    c = m["collections"]["examples"]
    assert (m["format_version"], c["embedder"], c["dimension"], c["count"]) == (1, SPEC, 16, 50)
    assert len(c["sha256"]) == 64 and len(m["sqlite"]["sha256"]) == 64
    assert oct(os.stat(tmp_path / "ix" / "manifest.json").st_mode & 0o777) == "0o644"
