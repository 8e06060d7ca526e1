"""The starter knowledge index: built on first use from the pack inside the package, kept in the user cache.

The pack (``dnahlm/knowledge/starter/``, made by ``scripts/build_starter_pack.py`` from ``../shared/data``;
git-ignored, as no shared data may be committed) holds labelled example
banks of the six GUE tasks, an annotated E. coli GenBank slice and 300 paper abstracts. The index built from
it goes to ``$DNAHLM_HOME/index/starter-<hash of the pack>``: built in a temporary folder beside it, then
renamed into place, under a lock, so an interrupted build leaves nothing half-made and a new pack version
gets its own folder.

Example:
    .. code-block:: python

        from dnahlm.index.starter import starter_index

        path = starter_index()  # about a minute the first time (embedding the abstracts), then instant
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
from pathlib import Path

import dnahlm

PACK = Path(dnahlm.__file__).resolve().parent / "knowledge" / "starter"


def has_starter_pack(pack: Path = PACK) -> bool:
    """Whether the starter pack was built into the package folder (it is made from ../shared/data by
    ``scripts/build_starter_pack.py`` and never committed)."""
    return (pack / "examples" / "tasks.json").is_file()


def pack_version(pack: Path = PACK) -> str:
    """A short hash of the pack's files (names and bytes)."""
    h = hashlib.sha256()
    for f in sorted(p for p in pack.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(pack)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def starter_index(home: str | Path | None = None, *, pack: Path = PACK, progress: bool = False) -> Path:
    """The starter index folder, built from ``pack`` the first time it is asked for."""
    from dnahlm.errors import DataFormatError
    from dnahlm.settings import get_settings

    if not has_starter_pack(pack):
        raise DataFormatError(
            f"the starter knowledge pack is missing from {pack}: build it with scripts/build_starter_pack.py"
        )
    root = Path(home or get_settings().home) / "index"
    dest = root / f"starter-{pack_version(pack)}"
    if (dest / "manifest.json").is_file():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".starter.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building it right now
        if (dest / "manifest.json").is_file():
            return dest
        print(f"building the starter knowledge index in {dest} (first use only) ...", file=sys.stderr)
        tmp = root / f".{dest.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _build(pack, tmp, progress)
            tmp.rename(dest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _build(pack: Path, dest: Path, progress: bool) -> None:
    from .ingest import add_files

    tasks_json = pack / "examples" / "tasks.json"
    for csv_path in sorted((pack / "examples").glob("*.csv")):
        add_files(dest, [csv_path], task=csv_path.stem, tasks_json=tasks_json, progress=progress)
    add_files(dest, sorted((pack / "sequences").glob("*")), progress=progress)
    add_files(dest, sorted((pack / "papers").glob("*.jsonl")), progress=progress)
