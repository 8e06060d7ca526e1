"""``dnahlm index add --ray``: the Ray Data pipeline gives the single-machine index, plus shards.

Ray runs locally with 2 CPUs worth of embedding workers, started once for the module and shut down after.
"""

from __future__ import annotations

import builtins
import json
import random
import subprocess
import sys

import numpy as np
import pytest

from dnahlm.cli.main import main
from dnahlm.index.ingest import WindowConfig, add_files
from dnahlm.index.sharded import ShardedSearcher, merge_topk, read_manifest, reshard, shard_folder
from dnahlm.index.store import KnowledgeStore

from .conftest import SHARED_DATA, needs_shared_data, random_dna
from .test_index_ingest import genbank

GENOME = SHARED_DATA / "genome" / "celegans_WS282_1pct.fa.gz"  # 7 records, 1.0 Mb
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*")  # Ray's own settings


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray for the module (the pipeline reuses it and leaves it running), shut down at the end."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


def _rows(store: KnowledgeStore, collection: str):
    ids = store.ids(collection)
    return ids, [(h.text, h.metadata, h.key) for h in store.get(ids)]


def _vectors(store: KnowledgeStore, collection: str) -> tuple[np.ndarray, np.ndarray]:
    import faiss

    index = store.collections[collection].index
    return faiss.vector_to_array(index.id_map), index.index.reconstruct_n(0, index.ntotal)


def _ranked(hits) -> list[tuple[float, int]]:
    return sorted((-h.score, h.id) for h in hits)  # ties in any order


def test_merge_topk_is_the_global_top_k_with_ties_by_id():
    s1, i1 = np.array([[0.9, 0.5], [0.4, -np.inf]]), np.array([[7, 3], [2, -1]])
    s2, i2 = np.array([[0.9, 0.8], [0.6, 0.1]]), np.array([[5, 4], [9, 8]])
    scores, ids = merge_topk([s1, s2], [i1, i2], 3)
    assert ids.tolist() == [[5, 7, 4], [9, 2, 8]]
    np.testing.assert_allclose(scores, [[0.9, 0.9, 0.8], [0.6, 0.4, 0.1]])
    scores, ids = merge_topk([s1[1:]], [i1[1:]], 3)  # fewer hits than k: padded
    assert ids.tolist() == [[2, -1, -1]] and np.isneginf(scores[0, 1:]).all()


def test_without_ray_installed_one_line(tmp_path, monkeypatch, capsys):
    genbank(tmp_path / "t.gb")
    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    assert main(["index", "add", str(tmp_path / "ix"), str(tmp_path / "t.gb"), "--ray", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'dnahlm[scale]'" in err[0]
    assert not (tmp_path / "ix").exists()  # nothing was started or written


def test_ray_options_need_ray(tmp_path, capsys):
    genbank(tmp_path / "t.gb")
    assert main(["index", "add", str(tmp_path / "ix"), str(tmp_path / "t.gb"), "--workers", "2"]) == 2
    assert "--workers only apply with --ray" in capsys.readouterr().err


def test_plain_commands_do_not_import_ray(tmp_path):
    genbank(tmp_path / "t.gb")
    code = (
        "import sys; from dnahlm.cli.main import main; "
        f"rc = main(['index', 'add', {str(tmp_path / 'ix')!r}, {str(tmp_path / 't.gb')!r}, '--quiet']); "
        "assert rc == 0 and 'ray' not in sys.modules, sorted(m for m in sys.modules if m.startswith('ray'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.data
@needs_shared_data()
def test_same_ids_vectors_and_hits_as_one_machine(local_ray, tmp_path):
    from dnahlm.index.distributed import RayOptions, add_files_ray

    window = WindowConfig(500, 250, reverse=True)
    (single,) = add_files(tmp_path / "one", [GENOME], window=window)
    (ray_report,) = add_files_ray(
        tmp_path / "ray", [GENOME], window=window, options=RayOptions(workers=2, block_rows=1500)
    )
    assert ray_report.added == single.added == 8016 and ray_report.duplicates == single.duplicates
    assert any("6 shard(s)" in n for n in ray_report.notes), ray_report.notes

    one, two = KnowledgeStore(tmp_path / "one"), KnowledgeStore(tmp_path / "ray")
    assert _rows(one, "sequences") == _rows(two, "sequences")  # same ids, texts, metadata, keys
    ids_a, va = _vectors(one, "sequences")
    ids_b, vb = _vectors(two, "sequences")
    assert np.array_equal(ids_a, ids_b) and np.array_equal(va, vb)
    assert one.sources() == two.sources()

    queries = va[::199]  # 41 windows of the genome
    sharded = ShardedSearcher(two, "sequences")
    assert len(sharded.shards) == 6
    for a, b, c in zip(
        one.search("sequences", queries, 10),
        two.search("sequences", queries, 10),
        sharded.search_vectors(queries, 10),
        strict=True,
    ):
        assert _ranked(a) == _ranked(b) == _ranked(c)
        assert a[0].score == pytest.approx(1.0, abs=1e-5)
    fragment = one.get([ids_a[100]])[0].text[100:400]
    assert sharded.search(fragment, 3)[0].id == ids_a[100]

    manifest = read_manifest(shard_folder(tmp_path / "ray", "sequences"))
    assert manifest["count"] == 8016 and manifest["index_sha256"] == two.collections["sequences"].sha256
    assert [s["count"] for s in manifest["shards"]] == [1500] * 5 + [516]

    reshard(tmp_path / "one", "sequences", rows_per_shard=3000)  # the single-machine index, sharded after
    resharded = ShardedSearcher(one, "sequences").search_vectors(queries, 10)
    assert [_ranked(h) for h in resharded] == [_ranked(h) for h in sharded.search_vectors(queries, 10)]


@pytest.mark.slow
def test_cli_commits_each_file_and_stops_at_a_bad_one(local_ray, tmp_path, capsys):
    rng = random.Random(1)
    seq = genbank(tmp_path / "t.gb")
    (tmp_path / "more.fa").write_text(f">m1\n{random_dna(rng, 1200)}\n>m2\n{random_dna(rng, 700)}\n")
    (tmp_path / "bad.fa").write_text(f">ok\n{random_dna(rng, 300)}\n>broken\nACGTQACGT\n")
    pool = "sequence,label\n" + "".join(
        f"{random_dna(rng, 40)},{i % 2}\n" for i in range(12)
    )  # a labelled CSV: task metadata travels through Ray
    (tmp_path / "motif").mkdir()
    (tmp_path / "motif" / "pool.csv").write_text(pool)
    ix = tmp_path / "ix"
    argv = ["index", "add", str(ix), "--ray", "--workers", "2", "--block-rows", "3", "--quiet"]

    files = [str(tmp_path / f) for f in ("t.gb", "more.fa", "bad.fa")]
    assert main([*argv, *files]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "invalid DNA letter 'Q' in bad.fa:broken at position 5" in err
    with KnowledgeStore(ix) as store:
        assert [s[1] for s in store.sources()] == [str((tmp_path / f).resolve()) for f in ("t.gb", "more.fa")]
        assert store.count("sequences", {"source": str((tmp_path / "bad.fa").resolve())}) == 0
        n = store.count("sequences")
        hits = ShardedSearcher(store, "sequences").search(seq[200:500], 2)
        assert hits[0].metadata["name"] == "alpha"
    manifest = read_manifest(shard_folder(ix, "sequences"))
    assert manifest["count"] == n and sum(s["count"] for s in manifest["shards"]) == n
    assert sorted(f.name for f in shard_folder(ix, "sequences").glob("*.faiss")) == sorted(
        s["file"] for s in manifest["shards"]
    )  # the bad file's shards were removed

    csv = str(tmp_path / "motif" / "pool.csv")
    assert main([*argv, "--json", files[0], csv, "--labels", "0=at,1=gc"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert reports[0]["skipped"] and reports[1]["added"] == 12 and reports[1]["collection"] == "examples"
    with KnowledgeStore(ix) as store:
        (example,) = store.get(store.ids("examples")[:1])
        assert example.metadata["task"] == "motif" and example.metadata["label_name"] in ("at", "gc")

    assert main(["index", "add", str(ix), files[1], "--quiet"]) == 0  # already in: skipped, no change
    with KnowledgeStore(ix) as store:
        assert ShardedSearcher(store, "sequences").manifest["count"] == store.count("sequences")
        single = tmp_path / "single.fa"
        single.write_text(f">s\n{random_dna(rng, 600)}\n")
    assert main(["index", "add", str(ix), str(single), "--quiet"]) == 0  # changed without --ray
    with KnowledgeStore(ix) as store, pytest.raises(ValueError, match="changed without --ray"):
        ShardedSearcher(store, "sequences")
