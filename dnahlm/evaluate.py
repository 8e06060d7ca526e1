"""Scoring a method on a labelled test set: one task, one method, one JSON result (:func:`report`).

``dnahlm eval`` gets its predictions from the prediction service (:mod:`dnahlm.retrieval.service`, every
method) and scores them here. The training pipeline, which sits below the retrieval layer, scores the
model's own methods with :func:`evaluate`: ``instruct`` (label likelihood with the instruction-tuned LM)
and ``classifier`` (the fine-tuned head), computed by the same functions the service calls
(:func:`dnahlm.scoring.predict_labels`, :class:`dnahlm.heads.TaskHead`). ``pool`` is what a method may
consult at query time; it is never the test file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dnahlm.errors import ConfigError
from dnahlm.metrics import classification_report, lenient_accuracy
from dnahlm.tasks import Example, Task
from dnahlm.types import Prediction


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


def batches(items: list, size: int, progress: bool, desc: str):
    """``items`` in chunks of ``size``, with a progress bar on stderr when ``progress``."""
    from tqdm import tqdm

    with tqdm(total=len(items), desc=desc, unit="seq", disable=not progress, leave=False) as bar:
        for i in range(0, len(items), size):
            chunk = items[i : i + size]
            yield chunk
            bar.update(len(chunk))


def generated_answers(loaded: Any, task: Task, sequences: list[str], batch_size: int = 32) -> list[str]:
    """Free-text answers of the instruction-tuned model, for the original work's lenient substring
    score only (:func:`dnahlm.metrics.lenient_accuracy`)."""
    from dnahlm.generate import SamplingConfig, generate
    from dnahlm.llm import DEFAULT_STOP
    from dnahlm.prompts import format_prompt

    m = loaded
    longest = max(len(m.tokenizer(n, add_special_tokens=False)["input_ids"]) for n in task.label_names)
    cfg = SamplingConfig(max_new_tokens=longest + 4)
    prompts = [format_prompt(task, s) for s in sequences]
    return [
        text
        for i in range(0, len(prompts), batch_size)
        for text in generate(m.model, m.tokenizer, prompts[i : i + batch_size], config=cfg, stop=DEFAULT_STOP)
    ]


def _instruct(ctx: EvalContext) -> list[Prediction]:
    from dnahlm.model import load_model
    from dnahlm.scoring import predict_labels

    m = load_model(ctx.model_path, device=ctx.device)
    preds: list[Prediction] = []
    for chunk in batches(ctx.test, ctx.batch_size, ctx.progress, "instruct"):
        seqs = [e.sequence for e in chunk]
        batch = predict_labels(m.model, m.tokenizer, ctx.task, seqs, batch_size=ctx.batch_size)
        texts = generated_answers(m, ctx.task, seqs, ctx.batch_size)
        preds.extend(p.model_copy(update={"text": t}) for p, t in zip(batch, texts, strict=True))
    return preds


def _classifier(ctx: EvalContext) -> list[Prediction]:
    from dnahlm.heads import TaskHead
    from dnahlm.settings import get_settings

    path = ctx.model_path or get_settings().default_model_path()
    head = TaskHead.load(path, ctx.task, device=ctx.device, strict=True, batch_size=ctx.batch_size)
    probs = np.concatenate(
        [head([e.sequence for e in chunk]) for chunk in batches(ctx.test, 256, ctx.progress, "classifier")]
    )
    return [Prediction.from_probs(ctx.task, r, "classifier") for r in probs]


MODEL_METHODS: dict[str, Callable[[EvalContext], list[Prediction]]] = {
    "instruct": _instruct,
    "classifier": _classifier,
}
"""The methods the model layer runs by itself (for the training pipeline's report)."""


def evaluate(ctx: EvalContext, method: str) -> dict:
    """Run a model-layer ``method`` (:data:`MODEL_METHODS`) on ``ctx.test`` and score it."""
    if method not in MODEL_METHODS:
        raise ConfigError(
            f"method {method!r} needs the prediction service (dnahlm.retrieval.service); here: "
            f"{', '.join(MODEL_METHODS)}"
        )
    t0 = time.perf_counter()
    preds = MODEL_METHODS[method](ctx)
    return report(
        ctx.task, ctx.test, preds, method=method, model=ctx.model_path, seconds=time.perf_counter() - t0
    )


def report(
    task: Task,
    test: list[Example],
    preds: list[Prediction],
    *,
    method: str,
    model: Path | None,
    seconds: float,
) -> dict:
    """The ``dnahlm eval`` JSON record of predictions on labelled test rows."""
    y = [e.label for e in test]
    rep = classification_report(y, [p.label for p in preds], task.labels)
    texts = [p.text if p.text is not None else p.label_name for p in preds]
    return {
        "task": task.name,
        "method": method,
        "model": str(model) if model is not None else "embedded:dnahlm-tiny",
        "n": rep["n"],
        "accuracy": rep["accuracy"],
        "macro_f1": rep["macro_f1"],
        "mcc": rep["mcc"],
        "lenient_accuracy": lenient_accuracy(texts, y, task.labels),
        "seconds": round(seconds, 3),
        "per_class": rep["per_class"],
    }
