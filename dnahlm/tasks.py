"""Classification tasks: label names, task kinds, labelled CSV pools and validation splits.

A task is a ``sequence,label`` CSV plus label names (from a ``tasks.json`` like GUE's, or given as
``"0=non-promoter,1=promoter"``) and a kind that picks the instruction wording. Labels in the CSV are
integer ids (label names are accepted too). Validation splits are carved from the training pool with a
seed, stratified by label: we never tune on anything else.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dnahlm import reading
from dnahlm.errors import ConfigError, DataFormatError, InvalidSequenceError, UserInputError
from dnahlm.sequences import normalize

KINDS = ("promoter", "core-promoter", "tf-binding", "splice", "generic")
"""Fixed spellings of the task kinds (users' scripts depend on these)."""


@dataclass(frozen=True)
class Task:
    """A classification task: a name, a kind, label names by id and an optional free instruction."""

    name: str
    kind: str
    labels: dict[int, str]
    instruction: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown task kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        if len(self.labels) < 2:
            raise ConfigError(f"task {self.name}: need at least two labels, got {self.labels}")
        if len(self.labels) > (most := reading.label_limit()):
            raise ConfigError(
                f"task {self.name}: {len(self.labels):,} labels, more than the limit of {most:,} (a fit holds "
                "a score per label for every pool row); merge labels, or raise the limit with DNAHLM_MAX_LABELS"
            )
        if len(set(self.labels.values())) != len(self.labels):
            raise ConfigError(f"task {self.name}: label names must be distinct, got {self.labels}")

    @property
    def label_ids(self) -> list[int]:
        return sorted(self.labels)

    @property
    def label_names(self) -> list[str]:
        """Label names in the order of their ids (the column order of probability arrays)."""
        return [self.labels[i] for i in self.label_ids]

    def label_id(self, value: str) -> int:
        """The label id of a CSV cell holding an id or a name; raises ValueError when unknown."""
        value = value.strip()
        if value.lstrip("-").isdigit() and int(value) in self.labels:
            return int(value)
        for i, name in self.labels.items():
            if name == value:
                return i
        raise ValueError(value)


@dataclass(frozen=True)
class Example:
    """A labelled sequence in a task's pool."""

    id: str
    sequence: str
    label: int
    task: str
    meta: dict[str, str] = field(default_factory=dict, compare=False)


def parse_labels(spec: str) -> dict[int, str]:
    """Parse ``"0=non-promoter,1=promoter"`` into ``{0: "non-promoter", 1: "promoter"}``."""
    labels: dict[int, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        key, sep, name = part.partition("=")
        if not sep or not key.strip().isdigit() or not name.strip():
            raise ConfigError(
                f'bad --labels entry {part!r}: expected ID=NAME, e.g. "0=non-promoter,1=promoter"'
            )
        if int(key) in labels:
            raise ConfigError(f"--labels {spec!r}: label id {int(key)} is given twice")
        labels[int(key)] = name.strip()
    if len(labels) < 2:
        raise ConfigError(f"--labels {spec!r}: need at least two labels")
    return labels


def positive_label(names: Sequence[str]) -> str:
    """The label a "is there a ...?" question asks about: the first name not starting with non-/not/background."""
    for name in names:
        if not name.lower().startswith(("non", "not ", "no ", "background")):
            return name
    return names[-1]


def infer_kind(text: str) -> str:
    """Map a free-text task description (like GUE's ``kind`` field) onto one of :data:`KINDS`."""
    t = text.lower()
    if t in KINDS:
        return t
    if "core promoter" in t or "core-promoter" in t or "prom_core" in t:
        return "core-promoter"
    if "promoter" in t or t.startswith("prom"):
        return "promoter"
    if "splice" in t:
        return "splice"
    if "transcription factor" in t or "binding" in t or t.startswith("tf"):
        return "tf-binding"
    return "generic"


KIND_WORDS = {
    "promoter": "promoter",
    "core-promoter": "core-promoter",
    "core promoter": "core-promoter",
    "tf-binding": "tf-binding",
    "tf binding": "tf-binding",
    "transcription factor binding": "tf-binding",
    "splice": "splice",
    "splice site": "splice",
}
"""The words that name a task kind when a user (or the agent's planner) asks for a task by kind."""


def kind_of(text: str) -> str | None:
    """The kind ``text`` names exactly (``"TF binding"`` -> ``tf-binding``), else None (a task name)."""
    return KIND_WORDS.get(text.lower().strip())


def define_task(
    name: str | None,
    *,
    labels: str | None = None,
    tasks_json: str | Path | None = None,
    kind: str | None = None,
    instruction: str | None = None,
    near: str | Path | None = None,
) -> Task:
    """The task a user describes, the one way every command builds it.

    ``tasks_json`` with ``name`` looks it up; else ``labels`` (``"0=non-promoter,1=promoter"``) names it
    (kind from ``kind`` or inferred from the name); else a ``tasks.json`` one or two folders above the
    labelled CSV ``near`` (the GUE layout ``gue/tasks.json`` + ``gue/<task>/train.csv``). ``kind`` and
    ``instruction`` override what was found.

    Raises:
        ConfigError: nothing says what the labels are, or the name is missing or unknown.
    """
    if tasks_json is None and not labels and near is not None:
        p = Path(near)
        name = name or p.parent.name
        tasks_json = next(
            (c for c in (p.parent / "tasks.json", p.parent.parent / "tasks.json") if c.is_file()), None
        )
        if tasks_json is None:
            raise ConfigError(
                f"{p}: labelled CSV needs its label names: pass --labels '0=name,1=name' (and --task NAME), "
                "or --tasks-json PATH"
            )
    if tasks_json is not None:
        if not name:
            raise ConfigError("--tasks-json needs --task NAME")
        task = get_task(tasks_json, name)
    elif labels:
        if not name:
            raise ConfigError("--labels needs a task name (--task NAME)")
        task = Task(name, kind or infer_kind(name), parse_labels(labels), instruction)
    else:
        raise ConfigError('give the label names with --labels "0=...,1=..." or --tasks-json FILE --task NAME')
    if kind or instruction:
        task = Task(task.name, kind or task.kind, task.labels, instruction or task.instruction)
    return task


def load_tasks_json(path: str | Path) -> dict[str, Task]:
    """Read a ``tasks.json`` (GUE layout: ``{"tasks": {name: {"kind", "labels": {"0": ...}}}}``)."""
    p = Path(path)
    try:
        data = reading.json_loads(reading.read_json_text(p), p)  # a regular file, size and depth capped
        entries = data.get("tasks", data)
        return {
            name: Task(
                name=name,
                kind=infer_kind(str(entry.get("kind", name))),
                labels={int(k): str(v) for k, v in entry["labels"].items()},
                instruction=entry.get("instruction"),
            )
            for name, entry in entries.items()
        }
    except OSError as exc:
        raise DataFormatError(f"{p}: cannot read tasks file ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{p}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, UserInputError):
            raise
        raise DataFormatError(
            f'{p}: not a tasks.json: expected {{"tasks": {{NAME: {{"kind": ..., "labels": {{"0": NAME, ...}}}}}}}} '
            f"({type(exc).__name__}: {exc})"
        ) from exc


def get_task(tasks_json: str | Path, name: str) -> Task:
    """One task from a tasks.json, with a clear error listing the known names."""
    tasks = load_tasks_json(tasks_json)
    if name not in tasks:
        raise ConfigError(f"{tasks_json}: no task {name!r}; known tasks: {', '.join(sorted(tasks))}")
    return tasks[name]


def read_pool(path: str | Path, task: Task, *, limit: int | None = None, iupac: bool = True) -> list[Example]:
    """Read a labelled ``sequence,label`` CSV into examples, validating every row.

    Raises:
        DataFormatError: missing file, missing columns, or an unknown label (names the line).
        InvalidSequenceError: a bad DNA letter (names the file, line and position).
    """
    p = Path(path)
    try:
        # utf-8-sig: a spreadsheet program's byte-order mark is not part of the first column's name
        # lines capped at dnahlm.reading.record_limit(); a FIFO, device or folder is refused
        handle = reading.open_text(p, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise DataFormatError(f"{p}: cannot open ({exc.strerror or exc})") from exc
    examples: list[Example] = []
    with handle:
        reader = csv.DictReader(handle, strict=True)  # an unterminated quote is an error, not a label
        try:
            header = reader.fieldnames  # reads the first line: random bytes, UTF-16 or gzip fail here
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataFormatError(f"{p}: not a UTF-8 CSV file ({type(exc).__name__}: {exc})") from exc
        fields = [f.strip().lower() for f in header or []]
        if "sequence" not in fields or "label" not in fields:
            raise DataFormatError(f"{p}: expected a header with columns 'sequence,label', found {header}")
        reader.fieldnames = fields
        try:
            for row in reader:
                line = reader.line_num
                raw_label = (row.get("label") or "").strip()
                try:
                    label = task.label_id(raw_label)
                except ValueError:
                    raise DataFormatError(
                        f"{p}, line {line}: unknown label {raw_label!r} for task {task.name} "
                        f"(known: {', '.join(f'{i}={n}' for i, n in task.labels.items())})"
                    ) from None
                seq = normalize(row.get("sequence") or "", record_id=f"{p.name} line {line}", iupac=iupac)
                if not seq:
                    raise DataFormatError(f"{p}, line {line}: empty sequence")
                examples.append(
                    Example(id=f"{task.name}:{p.stem}:{line}", sequence=seq, label=label, task=task.name)
                )
                if limit is not None and len(examples) >= limit:
                    break
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataFormatError(f"{p}, line {reader.line_num}: not a readable CSV ({exc})") from exc
    if not examples:
        raise DataFormatError(f"{p}: no rows")
    return examples


def split_pool(
    examples: list[Example], *, val_fraction: float = 0.1, seed: int = 0, max_val: int | None = None
) -> tuple[list[Example], list[Example]]:
    """Stratified, seeded split of a pool into (train, validation)."""
    by_label: dict[int, list[Example]] = defaultdict(list)
    for ex in examples:
        by_label[ex.label].append(ex)
    rng = random.Random(seed)
    n_val_total = round(len(examples) * val_fraction)
    if max_val is not None:
        n_val_total = min(n_val_total, max_val)
    train: list[Example] = []
    val: list[Example] = []
    for label in sorted(by_label):
        group = by_label[label][:]
        rng.shuffle(group)
        k = round(n_val_total * len(group) / len(examples))
        val.extend(group[:k])
        train.extend(group[k:])
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val


__all__ = [
    "KINDS",
    "Example",
    "InvalidSequenceError",
    "Task",
    "define_task",
    "get_task",
    "infer_kind",
    "kind_of",
    "load_tasks_json",
    "parse_labels",
    "read_pool",
    "split_pool",
]
