"""A checkpoint folder's card, read from its files alone (no weights are loaded).

``config.json`` gives the architecture, ``dnahlm.json`` (written by this project's training) the
parameter count, training data and the validation figures, ``heads/<task>/head.json`` the classification
heads, and any ``*.json`` beside them in the layout ``dnahlm eval --json`` writes (``task``, ``method``,
``accuracy``, ...) further measured results. A published DNAHLM folder has only ``config.json``: its card
says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dnahlm.errors import ModelNotFoundError

METRICS = ("accuracy", "macro_f1", "mcc", "lenient_accuracy")
KNOWN_FILES = {
    "config.json",
    "dnahlm.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.json",
}


@dataclass
class CheckpointCard:
    """What the Model page shows about one checkpoint folder."""

    path: Path
    config: dict[str, Any]
    meta: dict[str, Any]
    architecture: dict[str, Any]
    parameters: int | None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    """Instruction-tuned tasks: name, kind, labels, train and validation rows."""
    heads: list[dict[str, Any]] = field(default_factory=list)
    """Classification heads: task, labels, steps, training rows, validation figures."""
    results: list[dict[str, Any]] = field(default_factory=list)
    """Measured figures, one row per task and method: ``task, method, n, accuracy, macro_f1, mcc, ...``."""
    pretraining: dict[str, Any] = field(default_factory=dict)
    weights_mb: float = 0.0


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelNotFoundError(f"{path}: unreadable or not JSON ({exc})") from exc
    return data if isinstance(data, dict) else {}


def _result_rows(validation: dict[str, Any], source: str) -> list[dict[str, Any]]:
    rows = []
    for key, figures in sorted(validation.items()):
        task, _, method = key.partition("/")
        rows.append(
            {
                "task": task,
                "method": method or "?",
                "source": source,
                **{k: figures.get(k) for k in ("n", *METRICS)},
            }
        )
    return rows


def _eval_files(path: Path) -> list[dict[str, Any]]:
    """Rows from ``dnahlm eval --json`` outputs kept in the folder (or its ``eval/`` sub-folder)."""
    rows = []
    for f in sorted([*path.glob("*.json"), *path.glob("eval/*.json")]):
        if f.name in KNOWN_FILES:
            continue
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and {"task", "method", "accuracy"} <= item.keys():
                rows.append(
                    {
                        "task": item["task"],
                        "method": item["method"],
                        "source": f.name,
                        **{k: item.get(k) for k in ("n", *METRICS)},
                    }
                )
    return rows


def read_card(path: str | Path) -> CheckpointCard:
    """Read the card of the checkpoint folder at ``path``.

    Raises:
        ModelNotFoundError: the folder or its ``config.json`` is missing, or a JSON file is unreadable.
    """
    p = Path(path).expanduser()
    if not p.is_dir():
        raise ModelNotFoundError(f"model folder {p} not found")
    if not (p / "config.json").is_file():
        raise ModelNotFoundError(f"{p}: not a model folder (config.json missing)")
    config = _json(p / "config.json")
    meta = _json(p / "dnahlm.json") if (p / "dnahlm.json").is_file() else {}
    architecture = {
        "model type": config.get("model_type"),
        "layers": config.get("n_layer"),
        "heads": config.get("n_head"),
        "width": config.get("n_embd"),
        "context (tokens)": config.get("n_positions"),
        "vocabulary": config.get("vocab_size"),
        "preset": meta.get("preset"),
    }
    sft = meta.get("sft", {})
    tasks = [
        {
            "task": name,
            "kind": t.get("kind"),
            "labels": ", ".join(t.get("labels", {}).values()),
            "train": t.get("train"),
            "val": t.get("val"),
        }
        for name, t in sorted(sft.get("tasks", {}).items())
    ]
    heads = []
    for f in sorted(p.glob("heads/*/head.json")):
        h = _json(f)
        val = h.get("val", {})
        heads.append(
            {
                "task": h.get("task", f.parent.name),
                "kind": h.get("kind"),
                "labels": ", ".join(h.get("labels", {}).values()),
                "steps": h.get("steps"),
                "train": h.get("train_examples"),
                "val accuracy": val.get("accuracy"),
                "val mcc": val.get("mcc"),
            }
        )
    weights = sum(f.stat().st_size for f in p.glob("*.safetensors"))
    return CheckpointCard(
        path=p,
        config=config,
        meta=meta,
        architecture={k: v for k, v in architecture.items() if v is not None},
        parameters=meta.get("parameters"),
        tasks=tasks,
        heads=heads,
        results=_result_rows(meta.get("validation", {}), "dnahlm.json") + _eval_files(p),
        pretraining=meta.get("pretraining", {}),
        weights_mb=weights / 2**20,
    )


def tuned_tasks(path: str | Path) -> dict[str, dict[str, Any]]:
    """The tasks a checkpoint was instruction-tuned on (``{}`` when it records none or is unreadable)."""
    try:
        return read_card(path).meta.get("sft", {}).get("tasks", {})
    except ModelNotFoundError:
        return {}


def model_card_markdown(path: str | Path) -> str | None:
    """The repository's ``docs/model-card.md`` when ``path`` is the embedded checkpoint of a source checkout."""
    from dnahlm.settings import EMBEDDED_CHECKPOINTS

    p = Path(path).expanduser().resolve()
    if p != (EMBEDDED_CHECKPOINTS / "dnahlm-tiny").resolve():
        return None
    doc = EMBEDDED_CHECKPOINTS.parents[1] / "docs" / "model-card.md"
    return doc.read_text(encoding="utf-8") if doc.is_file() else None
