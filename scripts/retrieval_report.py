"""Per-task quality of every prediction method on our own validation splits, with a k-mer LR baseline.

    python scripts/retrieval_report.py --splits runs/tiny/splits --tasks-json ../shared/data/gue/tasks.json \
        [--model DIR] [--tasks tf_0,tf_1] [--limit N] [--out runs/tiny/retrieval_report.json]

For each task the pool is ``<splits>/<task>/train.csv`` and the scored rows ``<splits>/<task>/val.csv``
(never tuned on). Methods: ``instruct``, ``knn``, ``few-shot``, ``fused`` (one FewShotPredictor, inputs
computed once and shared), ``classifier`` (the checkpoint's head, where it has one) and ``kmer-lr``
(standardised logistic regression on canonical 5-mer profiles of the whole pool: the simple baseline).
``instruct (pool rows)`` scores instruct on 300 pool rows: for a task the model was tuned on, those rows
are its tuning data, so the gap to the validation figure shows how in-sample ``fused``'s calibration is.
Results are saved after each task (atomic JSON) and a re-run skips finished tasks. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from dnahlm.files import write_json_atomic
from dnahlm.metrics import classification_report
from dnahlm.retrieval.pool import LinearProbe
from dnahlm.retrieval.predictor import METHODS, FewShotPredictor, PredictorConfig
from dnahlm.tasks import get_task, read_pool


def score(task, y, probs) -> dict:
    pred = [task.label_ids[int(i)] for i in np.asarray(probs).argmax(1)]
    rep = classification_report(y, pred, task.labels)
    return {k: rep[k] for k in ("n", "accuracy", "macro_f1", "mcc")}


def evaluate_task(task, pool, val, model, config, batch: int = 100) -> dict:
    y = [e.label for e in val]
    seqs = [e.sequence for e in val]
    predictor = FewShotPredictor(task, pool, model_path=model, config=config)
    t0 = time.perf_counter()
    predictor.fit()
    fit_s = time.perf_counter() - t0
    parts: dict[str, list[np.ndarray]] = {}
    t0 = time.perf_counter()
    for i in range(0, len(seqs), batch):
        probs, _ = predictor.method_probs(seqs[i : i + batch], METHODS)
        for m, p in probs.items():
            parts.setdefault(m, []).append(p)
    predict_s = time.perf_counter() - t0
    out = {m: score(task, y, np.concatenate(p)) for m, p in parts.items()}
    head = predictor.head_probs(seqs)
    if head is not None:
        out["classifier"] = score(task, y, head)
    probe = LinearProbe(task).fit(predictor.pool.vectors, predictor.pool.labels)
    out["kmer-lr"] = score(task, y, probe.predict_proba(predictor.pool.embed(seqs)))
    sample = random.Random(1).sample(pool, min(300, len(pool)))
    out["instruct (pool rows)"] = score(
        task, [e.label for e in sample], predictor.instruct_probs([e.sequence for e in sample])
    )
    out["_meta"] = {
        "pool": len(pool),
        "val": len(val),
        "fit_seconds": round(fit_s, 1),
        "predict_seconds": round(predict_s, 1),
        "fused_inputs": predictor.fused_inputs,
    }
    return out


def table(report: dict) -> str:
    order = ["instruct", "classifier", "knn", "few-shot", "kmer-lr", "fused", "instruct (pool rows)"]
    lines = [
        "| task | pool | val n | method | accuracy | macro-F1 | MCC |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for name, res in report.items():
        for m in order:
            if m in res:
                r = res[m]
                lines.append(
                    f"| {name} | {res['_meta']['pool']:,} | {r['n']} | {m} | {r['accuracy']:.3f} | "
                    f"{r['macro_f1']:.3f} | {r['mcc']:.3f} |"
                )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits", type=Path, default=Path("runs/tiny/splits"))
    ap.add_argument("--tasks-json", type=Path, default=Path("../shared/data/gue/tasks.json"))
    ap.add_argument("--model", type=Path, help="checkpoint (default: the embedded dnahlm-tiny)")
    ap.add_argument("--tasks", help="comma-separated task names (default: every folder in --splits)")
    ap.add_argument("--limit", type=int, help="score only the first N validation rows")
    ap.add_argument("--out", type=Path, default=Path("runs/tiny/retrieval_report.json"))
    args = ap.parse_args()
    names = (
        args.tasks.split(",") if args.tasks else sorted(p.name for p in args.splits.iterdir() if p.is_dir())
    )
    report = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for name in names:
        if name in report:
            continue
        task = get_task(args.tasks_json, name)
        pool = read_pool(args.splits / name / "train.csv", task)
        val = read_pool(args.splits / name / "val.csv", task, limit=args.limit)
        report[name] = evaluate_task(task, pool, val, args.model, PredictorConfig())
        write_json_atomic(args.out, report)
        print(json.dumps({name: report[name]}), flush=True)
    print(table({n: report[n] for n in names}))


if __name__ == "__main__":
    main()
