"""A hostile index folder, setting or file never reaches outside the folder, never lies, never hangs.

Each case builds a real index with the CLI, alters its files the way a red team did (with ``sqlite3``,
``json`` and ``hashlib``, not with the code under test), runs the CLI and checks: exit status 2, one
stderr line naming what and where, no traceback, nothing written beside the folder, and every file of the
folder (and of any other folder it pointed at) byte-identical afterwards.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from dnahlm.cli.main import main

RNG = random.Random(11)
SEQ = "".join(RNG.choice("ACGT") for _ in range(1200))
OTHER = "".join(RNG.choice("ACGT") for _ in range(1200))
SMALL = "".join(RNG.choice("ACGT") for _ in range(400))
DNAHLM = Path(sys.executable).parent / "dnahlm"


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (links by their target text), by relative path."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(folder))] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli(argv: list[str], capsys) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


def refused(code: int, lines: list[str], *needles: str) -> str:
    """The one error line, after checking exit status 2, one line, no traceback and the ``needles``."""
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture
def world(tmp_path, monkeypatch, capsys):
    """A scratch folder (the cwd) with g.fa, small.fa, other.fa and the index ``idx`` built from g.fa."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.fa").write_text(f">g1\n{SEQ}\n")
    (tmp_path / "small.fa").write_text(f">s1\n{SMALL}\n")
    (tmp_path / "other.fa").write_text(f">o1\n{OTHER}\n")
    assert cli(["index", "add", "idx", "g.fa", "--quiet"], capsys)[0] == 0
    return tmp_path


def manifest(idx: Path) -> dict:
    return json.loads((idx / "manifest.json").read_text())


def write_manifest(idx: Path, data: dict) -> None:
    (idx / "manifest.json").write_text(json.dumps(data, indent=2))


def rename_collection(idx: Path, old: str, new: str) -> None:
    """The red team's edit: ``old`` becomes ``new`` in the SQLite tables and in manifest.json."""
    data = manifest(idx)
    db = sqlite3.connect(idx / data["sqlite"]["file"])
    db.execute("UPDATE records SET collection = ? WHERE collection = ?", (new, old))
    db.execute("UPDATE sources SET collection = ? WHERE collection = ?", (new, old))
    (saved,) = db.execute("SELECT json FROM manifest").fetchone()
    saved = json.loads(saved)
    saved["collections"][new] = saved["collections"].pop(old)
    db.execute("UPDATE manifest SET json = ?", (json.dumps(saved),))
    db.commit()
    db.close()
    data["collections"][new] = data["collections"].pop(old)
    data["counts"][new] = data["counts"].pop(old)
    data["sqlite"]["sha256"] = sha(idx / data["sqlite"]["file"])
    write_manifest(idx, data)


def records(idx: Path) -> list[tuple]:
    """The records of an index, read straight from its SQLite file."""
    db = sqlite3.connect(idx / manifest(idx)["sqlite"]["file"])
    try:
        return db.execute("SELECT collection, key, text FROM records ORDER BY id").fetchall()
    finally:
        db.close()


# ------------------------------------------------------------------------ names that leave the folder
@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_a_collection_renamed_to_a_path_writes_nothing_outside(world, capsys, where):
    idx = world / "idx"
    target = world / "abs"
    target.mkdir()
    name = "../escaped" if where == "relative" else str(target / "escaped")
    rename_collection(idx, "sequences", name)
    before, beside, inside = snapshot(idx), sorted(os.listdir(world)), sorted(os.listdir(target))
    for argv in (
        ["index", "remove", "idx", "--source", f"{world}/g.fa"],
        ["index", "add", "idx", "small.fa", "--quiet"],
        ["index", "search", "idx", SMALL[:200]],
    ):
        line = refused(*cli(argv, capsys), "idx/manifest.json", "collection name", "not allowed")
        assert ".2.faiss" not in line
    assert not (world / "escaped.2.faiss").exists() and not (target / "escaped.2.faiss").exists()
    assert sorted(os.listdir(world)) == beside and sorted(os.listdir(target)) == inside
    assert snapshot(idx) == before


def test_the_escape_reproduction_word_for_word_through_the_installed_command(tmp_path):
    """`dnahlm index add idx g.fa`, rename `sequences` to `../escaped`, `dnahlm index remove --source`."""
    (tmp_path / "g.fa").write_text(f">g1\n{SEQ}\n")
    env = {**os.environ, "HOME": str(tmp_path)}
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 120}
    assert subprocess.run([DNAHLM, "index", "add", "idx", "g.fa"], check=False, **run).returncode == 0
    rename_collection(tmp_path / "idx", "sequences", "../escaped")
    before, beside = snapshot(tmp_path / "idx"), sorted(os.listdir(tmp_path))
    proc = subprocess.run(
        [DNAHLM, "index", "remove", "idx", "--source", f"{tmp_path}/g.fa"], check=False, **run
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    refused(proc.returncode, lines, "idx/manifest.json", "'../escaped'")
    assert not (tmp_path / "escaped.2.faiss").exists()
    assert sorted(os.listdir(tmp_path)) == beside and snapshot(tmp_path / "idx") == before


def point_outside(world: Path, what: str, form: str) -> tuple[Path, dict]:
    """Build the index ``other`` and make ``idx``'s manifest name one of its files (checksum matching)."""
    other = world / "other"
    assert main(["index", "add", str(other), str(world / "other.fa"), "--quiet"]) == 0
    theirs = manifest(other)
    data = manifest(world / "idx")
    if what == "sqlite":
        file = other / theirs["sqlite"]["file"]
        name = f"../other/{file.name}" if form == "relative" else str(file)
        data["sqlite"] = {"file": name, "sha256": sha(file)}
    else:
        entry = theirs["collections"]["sequences"]
        file = other / entry["file"]
        name = f"../other/{file.name}" if form == "relative" else str(file)
        data["collections"]["sequences"].update(file=name, sha256=sha(file), count=entry["count"])
    write_manifest(world / "idx", data)
    return other, data


@pytest.mark.parametrize("form", ["relative", "absolute"])
@pytest.mark.parametrize("what", ["sqlite", "faiss"])
def test_files_named_outside_the_folder_are_never_read_and_own_data_stays(world, capsys, what, form):
    idx = world / "idx"
    own = records(idx)
    other, _ = point_outside(world, what, form)
    before, theirs, beside = snapshot(idx), snapshot(other), sorted(os.listdir(world))
    expected = "meta.<generation>.sqlite" if what == "sqlite" else "sequences.<generation>.faiss"
    for argv in (
        ["index", "search", "idx", OTHER[:300]],
        ["index", "add", "idx", "small.fa", "--quiet"],
        ["index", "stats", "idx"],
    ):
        line = refused(
            *cli(argv, capsys), "idx/manifest.json", "is not a file of this index folder", expected
        )
        assert OTHER[:30] not in line
    assert snapshot(idx) == before and snapshot(other) == theirs
    assert sorted(os.listdir(world)) == beside
    assert len(own) == 4 and all(text in SEQ for _, _, text in own)  # 1,200 bp in windows of 500 by 250
    assert records(other) != own


@pytest.mark.skipif(not Path("/etc/passwd").is_file(), reason="needs a system file to point at")
@pytest.mark.parametrize("depth", ["as-reported", "deep-enough"])
def test_a_faiss_file_named_etc_passwd_is_not_opened_and_not_quoted(world, capsys, depth):
    idx = world / "idx"
    data = manifest(idx)
    ups = 4 if depth == "as-reported" else len(idx.resolve().parts)  # the second surely reaches /etc
    name = "../" * ups + "etc/passwd"
    assert depth == "as-reported" or (idx / name).resolve() == Path("/etc/passwd").resolve()
    data["collections"]["sequences"].update(file=name, sha256=sha(Path("/etc/passwd")))
    write_manifest(idx, data)
    before = snapshot(idx)
    line = refused(*cli(["index", "search", "idx", SEQ[:300]], capsys), "idx/manifest.json", "etc/passwd")
    head = Path("/etc/passwd").read_bytes()[:4]  # FAISS quotes a file's first 4 bytes as text and as hex
    assert head.decode("latin-1") not in line.replace("idx/", "")
    assert f"{int.from_bytes(head, 'little'):#x}" not in line
    assert snapshot(idx) == before


def test_a_vector_file_inside_the_folder_that_is_not_faiss_is_not_quoted(world, capsys):
    """A plain name, a matching checksum, the bytes of a text file: refused without echoing them."""
    idx = world / "idx"
    data = manifest(idx)
    secret = b"rootsecret:x:0:0:do-not-print\n" * 4
    (idx / data["collections"]["sequences"]["file"]).write_bytes(secret)
    data["collections"]["sequences"]["sha256"] = hashlib.sha256(secret).hexdigest()
    write_manifest(idx, data)
    before = snapshot(idx)
    line = refused(*cli(["index", "search", "idx", SEQ[:300]], capsys), "sequences.1.faiss", "not a readable")
    assert "root" not in line and "secret" not in line and "0x" not in line
    assert snapshot(idx) == before


@pytest.mark.parametrize("victim", ["meta.1.sqlite", "sequences.1.faiss", ".lock"])
def test_a_file_that_is_a_link_out_of_the_folder_is_refused(world, capsys, victim):
    idx, other = world / "idx", world / "other"
    assert cli(["index", "add", "other", "other.fa", "--quiet"], capsys)[0] == 0
    data = manifest(idx)
    outside = world / "outside.lock"
    if victim == "meta.1.sqlite":
        data["sqlite"]["sha256"] = sha(other / victim)
    elif victim == "sequences.1.faiss":
        data["collections"]["sequences"].update(
            sha256=sha(other / victim), count=manifest(other)["collections"]["sequences"]["count"]
        )
    write_manifest(idx, data)
    (idx / victim).unlink()
    (idx / victim).symlink_to(outside if victim == ".lock" else other / victim)
    before, theirs = snapshot(idx), snapshot(other)
    if victim == ".lock":  # reading needs no lock; a write must not create or lock a file through the link
        line = refused(*cli(["index", "remove", "idx", "--source", f"{world}/g.fa"], capsys), "idx/.lock")
        assert "symbolic link" in line and not outside.exists()
    else:
        refused(*cli(["index", "search", "idx", SEQ[:300]], capsys), f"idx/{victim}", "symbolic link")
    assert snapshot(idx) == before and snapshot(other) == theirs


# ------------------------------------------------------------------------ damaged or foreign SQLite
def garble_pages(file: Path) -> None:
    """Overwrite the cell pointers of every b-tree page after the first: the header stays valid."""
    data = bytearray(file.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    for page in range(1, len(data) // size):
        data[page * size + 8 : page * size + 40] = b"\xa5" * 32
    file.write_bytes(bytes(data))


def foreign_schema(file: Path) -> None:
    """Replace the SQLite file by one whose records table has other columns (the rest as dnahlm writes it)."""
    db = sqlite3.connect(file)
    (saved,) = db.execute("SELECT json FROM manifest").fetchone()
    db.close()
    file.unlink()
    db = sqlite3.connect(file)
    db.executescript(
        """
        CREATE TABLE records (id INTEGER PRIMARY KEY, collection TEXT, body TEXT, meta TEXT);
        CREATE TABLE sources (collection TEXT, sha256 TEXT, path TEXT, records INTEGER);
        CREATE TABLE manifest (json TEXT NOT NULL);
        """
    )
    db.execute("INSERT INTO records (collection, body, meta) VALUES ('sequences', 'ACGT', '{}')")
    db.execute("INSERT INTO manifest (json) VALUES (?)", (saved,))
    db.commit()
    db.close()


def add_trigger(file: Path) -> None:
    db = sqlite3.connect(file)
    db.execute("CREATE TRIGGER t AFTER INSERT ON records BEGIN DELETE FROM sources; END")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (garble_pages, "damaged (fails SQLite's integrity check)"),
        (lambda f: f.write_bytes(b"\x00" * 100 + f.read_bytes()[100:]), "not an SQLite database"),
        (foreign_schema, "table records: missing"),
        (add_trigger, "it holds a trigger 't'"),
    ],
    ids=["garbled-pages", "garbled-header", "other-records-schema", "trigger"],
)
def test_a_bad_sqlite_with_a_matching_checksum_is_refused_and_never_copied(world, capsys, damage, says):
    idx = world / "idx"
    damage(idx / "meta.1.sqlite")
    data = manifest(idx)
    data["sqlite"]["sha256"] = sha(idx / "meta.1.sqlite")
    write_manifest(idx, data)
    before, beside = snapshot(idx), sorted(os.listdir(world))
    for argv in (
        ["index", "search", "idx", SEQ[:300]],
        ["index", "add", "idx", "small.fa", "--quiet"],
        ["index", "remove", "idx", "--source", f"{world}/g.fa"],
    ):
        refused(*cli(argv, capsys), "idx/meta.1.sqlite", says)
    assert snapshot(idx) == before and sorted(os.listdir(world)) == beside  # no meta.2.sqlite


# ------------------------------------------------------------------------ settings in the manifest
@pytest.mark.parametrize(
    ("embedder", "says"),
    [
        ({"name": "kmer", "params": {"k": "abc", "canonical": True}}, "parameter k: Input should be"),
        ({"name": "kmer", "params": {"k": -1, "canonical": True}}, "greater than or equal to 1"),
        ({"name": "kmer", "params": {"k": 10**18, "canonical": True}}, "less than or equal to 12"),
        ({"name": "kmer", "params": {"k": 5, "canonical": True, "rm": 1}}, "no parameter 'rm'"),
        ({"name": "magic", "params": {}}, "unknown embedder 'magic'"),
        ({"name": "kmer", "params": "k=5"}, "params that are not a mapping"),
        ("kmer", "not a {name, params} record"),
    ],
)
def test_a_bad_embedder_in_the_manifest_is_one_line_naming_the_manifest(world, capsys, embedder, says):
    idx = world / "idx"
    data = manifest(idx)
    data["collections"]["sequences"]["embedder"] = embedder
    write_manifest(idx, data)
    before = snapshot(idx)
    for argv in (["index", "search", "idx", SEQ[:300]], ["index", "add", "idx", "small.fa", "--quiet"]):
        refused(*cli(argv, capsys), "idx/manifest.json, collection 'sequences'", says)
    assert snapshot(idx) == before


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"dimension": "512"}, "dimension '512' is not a valid number"),
        ({"count": -4}, "count -4 is not a valid number"),
        ({"index_type": "magic"}, "index type 'magic' is unknown"),
        ({"sha256": None}, "checksum None is not a SHA-256"),
    ],
)
def test_other_bad_collection_settings_are_refused(world, capsys, change, says):
    idx = world / "idx"
    data = manifest(idx)
    data["collections"]["sequences"].update(change)
    write_manifest(idx, data)
    before = snapshot(idx)
    refused(*cli(["index", "search", "idx", SEQ[:300]], capsys), "idx/manifest.json", says)
    assert snapshot(idx) == before


# ------------------------------------------------------------------------ garbage collection
def test_garbage_collection_removes_only_files_a_manifest_of_this_folder_named(world, capsys):
    idx = world / "idx"
    strangers = ["notes.sqlite", "backup.faiss", "mine.7.faiss", "meta.9.sqlite.bak", "README"]
    for name in strangers:
        (idx / name).write_bytes(b"the user's own file\n")
    (world / "h.fa").write_text(f">h1\n{OTHER}\n")

    def files(m: dict) -> set[str]:
        return {m["sqlite"]["file"], *(c["file"] for c in m["collections"].values())}

    first = files(manifest(idx))
    assert cli(["index", "add", "idx", "small.fa", "--quiet"], capsys)[0] == 0
    second = files(manifest(idx))
    assert cli(["index", "add", "idx", "h.fa", "--quiet"], capsys)[0] == 0
    third = files(manifest(idx))
    assert len(first | second | third) == 6  # three generations, two files each
    names = set(os.listdir(idx))
    # the first generation was retired by the second and removed by the third; the second stays for
    # readers that opened it; the user's files stay, even one named like a generation file
    assert first.isdisjoint(names) and second | third <= names
    assert names == second | third | set(strangers) | {"manifest.json", ".lock"}
    for name in strangers:
        assert (idx / name).read_bytes() == b"the user's own file\n"


def test_a_retired_entry_that_is_not_a_generation_file_is_refused(world, capsys):
    idx = world / "idx"
    (world / "keep.txt").write_text("precious\n")
    data = manifest(idx)
    data["retired"] = ["../keep.txt"]
    write_manifest(idx, data)
    before = snapshot(idx)
    refused(*cli(["index", "add", "idx", "small.fa", "--quiet"], capsys), "idx/manifest.json, retired")
    assert (world / "keep.txt").read_text() == "precious\n" and snapshot(idx) == before


# ------------------------------------------------------------------------ read-only folder, full disk
def refuse_writes_in(folder: Path, monkeypatch, code: int = errno.EROFS) -> None:
    """Make ``folder`` behave as if on a read-only file system (tests run as root: chmod stops nothing).

    Python-level opens for writing, renames and removals inside it raise ``OSError(code)``.
    """
    real_open, real_replace, real_unlink = os.open, os.replace, os.unlink
    inside = str(folder.resolve())

    def mine(path) -> bool:
        return str(Path(path).resolve()).startswith(inside)

    def fake_open(path, flags, *a, **k):
        if mine(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *a, **k)

    def fake_replace(src, dst, *a, **k):
        if mine(dst):
            raise OSError(code, os.strerror(code), str(dst))
        return real_replace(src, dst, *a, **k)

    def fake_unlink(path, *a, **k):
        if mine(path):
            raise OSError(code, os.strerror(code), str(path))
        return real_unlink(path, *a, **k)

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "replace", fake_replace)
    monkeypatch.setattr(os, "unlink", fake_unlink)


def damage_for_repair(idx: Path) -> None:
    (idx / "manifest.json").unlink()  # repair would write it again


OPS = {
    "add": ["index", "add", "idx", "small.fa", "--quiet"],
    "remove": ["index", "remove", "idx", "--source", "{world}/g.fa"],
    "repair": ["index", "repair", "idx"],
}


@pytest.mark.parametrize("op", list(OPS))
def test_a_read_only_folder_is_one_line_and_keeps_its_generation(world, capsys, op):
    idx = world / "idx"
    if op == "repair":
        damage_for_repair(idx)
    before, beside = snapshot(idx), sorted(os.listdir(world))
    argv = [a.replace("{world}", str(world)) for a in OPS[op]]
    with pytest.MonkeyPatch.context() as mp:
        refuse_writes_in(idx, mp)
        line = refused(*cli(argv, capsys), "idx: cannot write", "Read-only file system", "writable")
    assert "nothing was changed" in line or "stays at generation 1" in line
    assert snapshot(idx) == before and sorted(os.listdir(world)) == beside


@pytest.mark.parametrize("op", ["add", "remove"])
def test_a_commit_the_folder_refuses_is_undone(world, capsys, op):
    """The lock and the staged SQLite file could be made; the renames of the commit are refused."""
    idx = world / "idx"
    before = snapshot(idx)
    real_replace = os.replace

    def no_rename(src, dst, *a, **k):
        if Path(dst).parent.resolve() == idx.resolve():
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))
        return real_replace(src, dst, *a, **k)

    argv = [a.replace("{world}", str(world)) for a in OPS[op]]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "replace", no_rename)
        refused(*cli(argv, capsys), "idx: cannot write", "Permission denied", "stays at generation 1")
    assert snapshot(idx) == before  # the new generation's files are gone again
    assert cli(["index", "stats", "idx"], capsys)[0] == 0


def fail_nth_fsync(monkeypatch, n: int) -> None:
    import dnahlm.index.store as store

    real, calls = store.fsync_path, {"n": 0}

    def full(path):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path)

    monkeypatch.setattr(store, "fsync_path", full)


def fail_vector_write(monkeypatch) -> None:
    """The FAISS file's bytes hit a full disk after 1 KiB."""
    real = os.fdopen

    class Full:
        def __init__(self, fh):
            self.fh, self.n = fh, 0

        def write(self, b):
            self.n += len(b)
            if self.n > 1024:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self.fh.write(b)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(real(fd, *a, **k)))


def fail_manifest_write(monkeypatch) -> None:
    import dnahlm.index.store as store

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store, "write_json_atomic", full)


@pytest.mark.parametrize(
    "fail",
    [
        fail_vector_write,
        lambda mp: fail_nth_fsync(mp, 1),
        lambda mp: fail_nth_fsync(mp, 2),
        fail_manifest_write,
    ],
    ids=["faiss-bytes", "faiss-fsync", "sqlite-fsync", "manifest"],
)
def test_a_full_disk_during_add_is_one_line_and_the_index_stays_whole(world, capsys, fail):
    idx = world / "idx"
    before, beside = snapshot(idx), sorted(os.listdir(world))
    with pytest.MonkeyPatch.context() as mp:
        fail(mp)
        line = refused(
            *cli(OPS["add"], capsys), "idx: cannot write", "No space left", "stays at generation 1"
        )
    assert "Free some disk space" in line
    assert snapshot(idx) == before and sorted(os.listdir(world)) == beside
    # and the next add, with room on the disk, works
    assert cli(OPS["add"], capsys)[0] == 0 and manifest(idx)["generation"] == 2


def as_nobody() -> list[str] | None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.skipif(
    as_nobody() is None, reason="needs root and setpriv to run the CLI as an unprivileged user"
)
@pytest.mark.parametrize("op", list(OPS))
def test_a_truly_read_only_folder_through_the_installed_command(op):
    """chmod 0555 and an unprivileged user: the real thing, in a real process."""
    root = Path(tempfile.mkdtemp(prefix="dnahlm-ro-", dir="/tmp"))
    try:
        root.chmod(0o755)
        for name, seq in (("g.fa", SEQ), ("small.fa", SMALL)):
            (root / name).write_text(f">{name}\n{seq}\n")
        env = {**os.environ, "HOME": str(root), "DNAHLM_HOME": str(root / "home")}
        run = {"cwd": root, "env": env, "capture_output": True, "text": True, "timeout": 120}
        assert subprocess.run([DNAHLM, "index", "add", "idx", "g.fa"], check=False, **run).returncode == 0
        idx = root / "idx"
        if op == "repair":
            damage_for_repair(idx)
        (root / "home").mkdir(mode=0o777)
        (root / "home").chmod(0o777)
        for f in idx.iterdir():
            f.chmod(0o444)
        idx.chmod(0o555)
        before, beside = snapshot(idx), sorted(os.listdir(root))
        argv = [a.replace("{world}", str(root)) for a in OPS[op]]
        proc = subprocess.run([*as_nobody(), DNAHLM, *argv], check=False, **run)
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        refused(proc.returncode, lines, "idx: cannot write", "Permission denied", "writable")
        assert snapshot(idx) == before and sorted(os.listdir(root)) == beside
    finally:
        for p in [root, *root.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(root)


def test_repair_refuses_a_generation_whose_sqlite_names_a_path(world, capsys):
    """manifest.json lost; the SQLite's saved manifest renames the collection to a path: nothing restored."""
    idx = world / "idx"
    rename_collection(idx, "sequences", "../escaped")
    (idx / "manifest.json").unlink()
    before, beside = snapshot(idx), sorted(os.listdir(world))
    refused(*cli(["index", "repair", "idx", "--force"], capsys), "no complete index generation", "../escaped")
    assert snapshot(idx) == before and sorted(os.listdir(world)) == beside


# ------------------------------------------------------------------------ shard folders


def test_a_shard_manifest_naming_a_path_is_refused_and_reshard_keeps_other_files(world):
    """``shards/<collection>/shards.json`` is read back like the index manifest: a shard named ``../x`` is
    one line, nothing is opened; a reshard removes only the shard files it wrote."""
    from dnahlm.errors import DataFormatError
    from dnahlm.index.sharded import ShardedSearcher, reshard
    from dnahlm.index.store import KnowledgeStore

    idx = world / "idx"
    folder = reshard(idx, "sequences", rows_per_shard=2)
    keep = folder / "notes.txt"
    keep.write_text("mine")
    outside = world / "outside.faiss"
    shutil.copy(next(folder.glob("*.faiss")), outside)
    data = json.loads((folder / "shards.json").read_text())
    data["shards"][0]["file"] = "../../../outside.faiss"
    data["shards"][0]["sha256"] = sha(outside)
    (folder / "shards.json").write_text(json.dumps(data))
    before = snapshot(world)
    with KnowledgeStore(idx) as store, pytest.raises(DataFormatError, match="not a shard file name"):
        ShardedSearcher(store, "sequences")
    assert snapshot(world) == before
    folder2 = reshard(idx, "sequences", rows_per_shard=2)  # rebuilds from the index itself
    assert folder2 == folder and keep.read_text() == "mine" and outside.is_file()
    with KnowledgeStore(idx) as store:
        assert ShardedSearcher(store, "sequences").search_vectors(
            np.ones((1, store.collections["sequences"].dimension), np.float32), 1
        )[0]


def test_a_damaged_shard_is_refused_by_its_checksum(world):
    from dnahlm.errors import DataFormatError
    from dnahlm.index.sharded import ShardedSearcher, reshard
    from dnahlm.index.store import KnowledgeStore

    folder = reshard(world / "idx", "sequences", rows_per_shard=2)
    shard = sorted(folder.glob("*.faiss"))[0]
    shard.write_bytes(shard.read_bytes()[:-8] + b"\0" * 8)
    with KnowledgeStore(world / "idx") as store, pytest.raises(DataFormatError, match="checksum differs"):
        ShardedSearcher(store, "sequences")


class _FullDisk:
    """A staged SQLite connection whose changes fail as SQLite fails on a full disk."""

    def __init__(self, db):
        self._db = db

    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith(("DELETE", "INSERT")):
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


@pytest.mark.parametrize("op", ["add", "remove"])
def test_a_full_disk_while_staging_rows_is_one_line(world, capsys, op):
    """SQLite's own 'disk is full' while rows are inserted or deleted (not only while files are written)."""
    from dnahlm.index.store import KnowledgeStore

    idx = world / "idx"
    before = snapshot(idx)
    real_begin = KnowledgeStore.begin

    def begin(self, *a, **k):
        real_begin(self, *a, **k)
        if not isinstance(self._db, _FullDisk):
            self._db = _FullDisk(self._db)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(KnowledgeStore, "begin", begin)
        mp.setattr(KnowledgeStore, "_begin", begin)
        argv = [a.format(world=world) for a in OPS[op]]
        refused(*cli(argv, capsys), "idx: cannot write", "disk is full", "stays at generation 1")
    assert snapshot(idx) == before
