"""Damaged checkpoints through ``predict``, ``eval`` and ``ask``: exit 2 and one stderr line naming the
file and what is wrong, never a safetensors, JSON or torch traceback; pickles are never loaded."""

from __future__ import annotations

import json
import os
import pickle
import random
import struct
from pathlib import Path

import pytest

from dnahlm.cli.main import main
from dnahlm.settings import get_settings

RNG = random.Random(11)
SEQ = "".join(RNG.choice("ACGT") for _ in range(120))
TINY = get_settings().default_model_path()


def _link_copy(src: Path, dest: Path) -> None:
    """``dest`` mirrors ``src`` with a symbolic link per file (a damage replaces the link, not the file)."""
    for p in src.rglob("*"):
        target = dest / p.relative_to(src)
        if p.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(p, target)


def _put(path: Path, data: bytes | str) -> None:
    path.unlink(missing_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def _config(d: Path, **change) -> None:
    _put(d / "config.json", json.dumps({**json.loads((TINY / "config.json").read_text()), **change}))


WEIGHTS = (TINY / "model.safetensors").read_bytes()
HEAD = (TINY / "heads" / "splice" / "head.safetensors").read_bytes()

DAMAGE = {
    # name: (how to damage a copy, what the one line must say)
    "weights cut short": (lambda d: _put(d / "model.safetensors", WEIGHTS[: len(WEIGHTS) // 2]), "cut short"),
    "weights cut in header": (lambda d: _put(d / "model.safetensors", WEIGHTS[:500]), "cut short"),
    "weights empty": (lambda d: _put(d / "model.safetensors", b""), "empty or cut short"),
    "weights random": (
        lambda d: _put(d / "model.safetensors", bytes(RNG.randrange(256) for _ in range(4096))),
        "not a safetensors file",
    ),
    "huge header length": (
        lambda d: _put(d / "model.safetensors", struct.pack("<Q", 2**62) + b"{}"),
        "header of 4,611,686,018,427,387,904 bytes",
    ),
    "header not JSON": (
        lambda d: _put(d / "model.safetensors", struct.pack("<Q", 10) + b"{not json}"),
        "its header is not JSON",
    ),
    "header a list": (
        lambda d: _put(d / "model.safetensors", struct.pack("<Q", 2) + b"[]"),
        "not a JSON object",
    ),
    "weights padded": (
        lambda d: _put(d / "model.safetensors", WEIGHTS + b"\0" * 64),
        "longer than its header",
    ),
    "config wrong width": (lambda d: _config(d, n_embd=96), "config.json does not match the weights"),
    "config wrong vocab": (lambda d: _config(d, vocab_size=512), "config.json does not match the weights"),
    "config wrong layers": (lambda d: _config(d, n_layer=7), "n_layer=7 but the weights hold 4 layers"),
    "config negative size": (
        lambda d: _config(d, vocab_size=-1),
        "vocab_size must be a positive whole number",
    ),
    "config text size": (lambda d: _config(d, n_head="four"), "n_head must be a positive whole number"),
    "config not JSON": (lambda d: _put(d / "config.json", "{oops"), "config.json: not valid JSON"),
    "config a list": (lambda d: _put(d / "config.json", "[]"), "config.json: expected a JSON object"),
    "config empty": (lambda d: _put(d / "config.json", b""), "config.json: not valid JSON"),
    "config missing": (lambda d: (d / "config.json").unlink(), "not a model folder (config.json missing)"),
    "tokenizer not JSON": (lambda d: _put(d / "tokenizer.json", "{oops"), "tokenizer.json: not valid JSON"),
    "tokenizer empty": (lambda d: _put(d / "tokenizer.json", b""), "tokenizer.json: not valid JSON"),
    "tokenizer a list": (
        lambda d: _put(d / "tokenizer.json", "[1]"),
        "tokenizer.json: expected a JSON object",
    ),
    "tokenizer missing": (lambda d: (d / "tokenizer.json").unlink(), "no tokenizer found"),
    "tokenizer config bad": (
        lambda d: _put(d / "tokenizer_config.json", "{"),
        "tokenizer_config.json: not valid JSON",
    ),
    "metadata not JSON": (lambda d: _put(d / "dnahlm.json", "{oops"), "dnahlm.json: not valid JSON"),
    "metadata not UTF-8": (lambda d: _put(d / "dnahlm.json", b"\xff\xfe{}"), "dnahlm.json: unreadable"),
    "weights missing": (lambda d: (d / "model.safetensors").unlink(), "no model.safetensors weights found"),
    "only a pickle": (
        lambda d: ((d / "model.safetensors").unlink(), _put(d / "pytorch_model.bin", pickle.dumps({"w": 1}))),
        "pytorch_model.bin (pickles)",
    ),
    "only pickled shards": (
        lambda d: (
            (d / "model.safetensors").unlink(),
            _put(d / "model-00001-of-00002.bin", pickle.dumps({})),
        ),
        "model-00001-of-00002.bin (pickles)",
    ),
    "shard index not JSON": (
        lambda d: ((d / "model.safetensors").unlink(), _put(d / "model.safetensors.index.json", "{oops")),
        "model.safetensors.index.json: not valid JSON",
    ),
    "shard index names a missing shard": (
        lambda d: _put(
            d / "model.safetensors.index.json", json.dumps({"weight_map": {"wte.weight": "gone.st"}})
        ),
        "names a shard 'gone.st'",
    ),
    "shard index escapes the folder": (
        lambda d: _put(
            d / "model.safetensors.index.json",
            json.dumps({"weight_map": {"wte.weight": "../model.safetensors"}}),
        ),
        "names a shard",
    ),
    "shard index without a map": (
        lambda d: _put(d / "model.safetensors.index.json", json.dumps({"metadata": {}})),
        "no 'weight_map'",
    ),
}

HEAD_DAMAGE = {
    "head weights cut short": (
        lambda d: _put(d / "heads/splice/head.safetensors", HEAD[: len(HEAD) // 3]),
        "head.safetensors: ",
    ),
    "head weights empty": (lambda d: _put(d / "heads/splice/head.safetensors", b""), "head.safetensors: "),
    "head.json not JSON": (
        lambda d: _put(d / "heads/splice/head.json", "{oops"),
        "head.json: not valid JSON",
    ),
    "head.json without labels": (
        lambda d: _put(d / "heads/splice/head.json", json.dumps({"task": "splice", "kind": "splice"})),
        "head.json: missing 'labels'",
    ),
}

COMMANDS = {
    "predict": ["predict", SEQ, "--pool", "{pool}", "--labels", "0=a,1=b", "--method", "instruct"],
    "eval": ["eval", "--test", "{pool}", "--labels", "0=a,1=b", "--limit", "4", "--quiet"],
    "ask": ["ask", "Is this a promoter?", "--seq", SEQ],
}
HEAD_COMMANDS = {
    "eval classifier": [
        "eval",
        "--test",
        "{pool}",
        "--labels",
        "0=acceptor site,1=donor site,2=non-splice site",
        "--task",
        "splice",
        "--method",
        "classifier",
        "--limit",
        "4",
        "--quiet",
    ],
    "ask": ["ask", "Is this a splice site?", "--seq", SEQ],
}


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt")
    pool = root / "pool.csv"
    rows = ("".join(RNG.choice("ACGT") for _ in range(120)) for _ in range(12))
    pool.write_text("sequence,label\n" + "".join(f"{s},{i % 2}\n" for i, s in enumerate(rows)))
    folders = {}
    for name, (damage, _) in {**DAMAGE, **HEAD_DAMAGE}.items():
        d = root / name.replace(" ", "-")
        _link_copy(TINY, d)
        damage(d)
        folders[name] = d
    return pool, folders


CASES = [(d, c) for d in DAMAGE for c in COMMANDS] + [(d, c) for d in HEAD_DAMAGE for c in HEAD_COMMANDS]


@pytest.mark.parametrize(("damage", "command"), CASES, ids=[f"{d} / {c}" for d, c in CASES])
def test_damaged_checkpoint_is_one_line_and_exit_2(damaged, capsys, damage, command):
    pool, folders = damaged
    says = {**DAMAGE, **HEAD_DAMAGE}[damage][1]
    argv = {**COMMANDS, **HEAD_COMMANDS}[command]
    rc = main([a.replace("{pool}", str(pool)) for a in argv] + ["--model", str(folders[damage])])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2, err
    assert len(err) == 1, err
    assert says in err[0] and "Traceback" not in err[0], err
    assert str(folders[damage]) in err[0]  # where: the folder or the file in it


def test_the_intact_copy_loads_so_the_cases_above_test_the_damage(damaged, capsys):
    """Control: the symlinked copy the damaged ones are made from answers normally."""
    pool, _ = damaged
    intact = pool.parent / "intact"
    _link_copy(TINY, intact)
    for argv in COMMANDS.values():
        assert main([a.replace("{pool}", str(pool)) for a in argv] + ["--model", str(intact)]) == 0
    capsys.readouterr()


def test_a_text_embedder_folder_from_a_manifest_never_loads_a_pickle(tmp_path, capsys):
    """An index manifest names its text embedder's folder; one holding a pickle is refused before
    sentence-transformers (and torch.load) could read it."""
    import shutil

    from dnahlm.index.embed import _minilm_path

    folder = tmp_path / "st"
    shutil.copytree(_minilm_path(), folder, symlinks=True)
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "pytorch_model.bin").write_bytes(pickle.dumps({"w": 1}))
    papers = tmp_path / "p.jsonl"
    papers.write_text(
        json.dumps({"id": "p1", "title": "TATA box", "abstract": "TBP binds the TATA box."}) + "\n"
    )
    assert main(["index", "add", str(tmp_path / "ix"), str(papers), "--quiet"]) == 0
    capsys.readouterr()  # the add's own output (loading MiniLM) is not under test
    manifest = tmp_path / "ix" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["collections"]["papers"]["embedder"]["params"]["model_path"] = str(folder)
    manifest.write_text(json.dumps(data))
    before = {p.name: p.read_bytes() for p in (tmp_path / "ix").iterdir()}
    assert main(["index", "search", str(tmp_path / "ix"), "what binds the TATA box?"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2_Dense/pytorch_model.bin (a pickle)" in err[0], err
    assert {p.name: p.read_bytes() for p in (tmp_path / "ix").iterdir()} == before
