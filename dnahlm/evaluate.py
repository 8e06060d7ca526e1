"""The evaluation harness behind ``dnahlm eval``: one task, one method, one test file, one JSON result.

Methods are registered by name. The model layer provides ``instruct`` (label likelihood with the
instruction-tuned LM) and ``classifier`` (the fine-tuned head); the retrieval layer registers ``knn``,
``few-shot`` and ``fused`` with :func:`register_method`. ``pool`` is what a method may consult at query
time; it is never the test file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError
from dnahlm.metrics import classification_report, lenient_accuracy
from dnahlm.tasks import Example, Task
from dnahlm.types import Prediction

METHOD_NAMES = ("instruct", "classifier", "knn", "few-shot", "fused")
"""Fixed spellings of the prediction methods."""


@dataclass
class EvalContext:
    """What a method gets: the task, the pool it may consult, the test sequences, and the model."""

    task: Task
    pool: list[Example]
    test: list[Example]
    model_path: Path | None
    batch_size: int = 32
    seed: int = 0
    progress: bool = True
    device: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    """Method-specific settings (e.g. ``k`` and ``shots`` for the retrieval methods)."""


Method = Callable[[EvalContext], list[Prediction]]
_METHODS: dict[str, Method] = {}


def register_method(name: str, fn: Method) -> None:
    """Make ``fn`` available as ``dnahlm eval --method name``."""
    _METHODS[name] = fn


def get_method(name: str) -> Method:
    if name not in _METHODS:
        if name in METHOD_NAMES:
            raise ConfigError(
                f"method {name!r} is provided by the retrieval layer (dnahlm.retrieval), which is not available"
            )
        raise ConfigError(f"unknown method {name!r}; choose one of {', '.join(METHOD_NAMES)}")
    return _METHODS[name]


def batches(items: list, size: int, progress: bool, desc: str):
    """``items`` in chunks of ``size``, with a progress bar on stderr when ``progress``."""
    from tqdm import tqdm

    with tqdm(total=len(items), desc=desc, unit="seq", disable=not progress, leave=False) as bar:
        for i in range(0, len(items), size):
            chunk = items[i : i + size]
            yield chunk
            bar.update(len(chunk))


def _instruct(ctx: EvalContext) -> list[Prediction]:
    from dnahlm.generate import SamplingConfig, generate
    from dnahlm.llm import DEFAULT_STOP
    from dnahlm.model import load_model
    from dnahlm.prompts import format_prompt
    from dnahlm.scoring import predict_labels

    m = load_model(ctx.model_path, device=ctx.device)
    longest = max(len(m.tokenizer(n, add_special_tokens=False)["input_ids"]) for n in ctx.task.label_names)
    cfg = SamplingConfig(max_new_tokens=longest + 4)
    preds: list[Prediction] = []
    for chunk in batches(ctx.test, ctx.batch_size, ctx.progress, "instruct"):
        seqs = [e.sequence for e in chunk]
        batch = predict_labels(m.model, m.tokenizer, ctx.task, seqs, batch_size=ctx.batch_size)
        # free-text answers, for the original work's lenient substring score only
        texts = generate(
            m.model, m.tokenizer, [format_prompt(ctx.task, s) for s in seqs], config=cfg, stop=DEFAULT_STOP
        )
        preds.extend(p.model_copy(update={"text": t}) for p, t in zip(batch, texts, strict=True))
    return preds


def _classifier(ctx: EvalContext) -> list[Prediction]:
    from dnahlm.heads import classify_probs, load_classifier
    from dnahlm.settings import get_settings

    path = ctx.model_path or get_settings().default_model_path()
    model, tokenizer, head_task = load_classifier(path, ctx.task.name, device=ctx.device)
    if head_task.labels != ctx.task.labels:
        raise ConfigError(
            f"head {ctx.task.name} was trained with labels {head_task.labels}, not {ctx.task.labels}"
        )
    probs = np.concatenate(
        [
            classify_probs(model, tokenizer, [e.sequence for e in chunk], batch_size=ctx.batch_size)
            for chunk in batches(ctx.test, 256, ctx.progress, "classifier")
        ]
    )
    return [Prediction.from_probs(ctx.task, r, "classifier") for r in probs]


register_method("instruct", _instruct)
register_method("classifier", _classifier)


def evaluate(ctx: EvalContext, method: str) -> dict:
    """Run ``method`` on ``ctx.test`` and score it; returns the ``dnahlm eval`` JSON record."""
    fn = get_method(method)
    t0 = time.perf_counter()
    preds = fn(ctx)
    seconds = time.perf_counter() - t0
    y = [e.label for e in ctx.test]
    rep = classification_report(y, [p.label for p in preds], ctx.task.labels)
    texts = [p.text if p.text is not None else p.label_name for p in preds]
    return {
        "task": ctx.task.name,
        "method": method,
        "model": str(ctx.model_path) if ctx.model_path is not None else "embedded:dnahlm-tiny",
        "n": rep["n"],
        "accuracy": rep["accuracy"],
        "macro_f1": rep["macro_f1"],
        "mcc": rep["mcc"],
        "lenient_accuracy": lenient_accuracy(texts, y, ctx.task.labels),
        "seconds": round(seconds, 3),
        "per_class": rep["per_class"],
    }
