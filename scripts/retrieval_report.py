"""Per-task quality of every prediction method on our own validation splits, with a k-mer LR baseline.

    python scripts/retrieval_report.py --splits runs/tiny/splits --tasks-json ../shared/data/gue/tasks.json \
        [--model DIR] [--tasks tf_0,tf_1] [--limit N] [--seed 0] [--out runs/tiny/retrieval_report.json]

For each task the pool is ``<splits>/<task>/train.csv`` and the scored rows ``<splits>/<task>/val.csv``
(never tuned on). Methods: ``instruct``, ``knn``, ``few-shot``, ``fused`` (one FewShotPredictor, inputs
computed once and shared), ``classifier`` (the checkpoint's head, where it has one), ``kmer-lr``
(standardised logistic regression on canonical 5-mer profiles of the whole pool, its L2 strength chosen by
cross-validation on the pool: the simple baseline), ``probe`` and ``cnn`` (``fused``'s own position-aware
k-mer probe and motif CNN alone, so the table shows what the model's scores add to them). ``fused - kmer-lr``,
``fused - probe`` and ``fused - cnn`` are paired bootstrap 95% intervals of the MCC difference over the
validation rows (2,000 resamples).
``instruct (pool rows)`` scores instruct on 300 pool rows: for a task the model was tuned on, those rows
are its tuning data, so the gap to the validation figure shows how in-sample ``fused``'s calibration is.
Results are saved after each task (atomic JSON) and a re-run skips finished tasks. Prints a markdown table.

``--extra-untuned N`` scores more rows, for tighter intervals: N pool rows that neither the checkpoint nor
the task's head was tuned on (``tuned_rows.json``, :mod:`dnahlm.tuned`; stratified, seeded) are taken out
of the pool and scored together with the validation rows. Tasks with fewer than N such rows keep the
validation rows alone. Write these runs to their own ``--out`` file: their pools are smaller.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from dnahlm.files import write_json_atomic
from dnahlm.metrics import classification_report, paired_bootstrap_mcc
from dnahlm.retrieval.pool import LinearProbe
from dnahlm.retrieval.predictor import METHODS, FewShotPredictor, PredictorConfig
from dnahlm.tasks import get_task, read_pool
from dnahlm.tuned import untuned_for_task

COMPARED = ("kmer-lr", "probe", "cnn")
"""Methods whose MCC difference to ``fused`` gets a bootstrap interval."""


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
        probs, _ = predictor.method_probs(seqs[i : i + batch], METHODS, fused_inputs=True)
        for m, p in probs.items():
            parts.setdefault(m, []).append(p)
    predict_s = time.perf_counter() - t0
    # the methods, and fused's other inputs (probe, cnn, head) from the same pass; the head is "classifier"
    probs = {("classifier" if m == "head" else m): np.concatenate(p) for m, p in parts.items()}
    baseline = LinearProbe(task, c=None).fit(predictor.pool.vectors, predictor.pool.labels)
    probs["kmer-lr"] = baseline.predict_proba(predictor.pool.embed(seqs))
    out = {m: score(task, y, p) for m, p in probs.items()}
    label_of = np.array(task.label_ids)
    pred = {m: label_of[p.argmax(1)] for m, p in probs.items()}
    for other in COMPARED:
        if other in pred:
            out[f"fused - {other}"] = paired_bootstrap_mcc(y, pred["fused"], pred[other])
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
        "input_losses": predictor.input_losses,
        "calibrated_on": predictor.calibrated_on,
        "seed": config.seed,
        "kmer_lr_c": baseline.c,
        "probe_c": None if predictor._probe is None else predictor._probe.c,
        "cnn_epochs": None if predictor._cnn is None else predictor._cnn.epochs,
    }
    return out


def take_untuned(pool: list, model: Path, task_name: str, n: int, seed: int = 1) -> tuple[list, list]:
    """``(pool without them, n rows)``: n pool rows the checkpoint and the task's head were not tuned on,
    the same share of each label as among all such rows; ``(pool, [])`` when there are fewer than n."""
    fresh = untuned_for_task(model, task_name, [e.sequence for e in pool])
    if fresh is None or len(fresh) < n:
        return pool, []
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i in fresh.tolist():
        by_label.setdefault(pool[i].label, []).append(i)
    chosen: set[int] = set()
    for rows in by_label.values():
        chosen.update(rng.sample(rows, min(len(rows), round(n * len(rows) / len(fresh)))))
    return [e for i, e in enumerate(pool) if i not in chosen], [pool[i] for i in sorted(chosen)]


def table(report: dict) -> str:
    order = [
        "instruct",
        "classifier",
        "knn",
        "few-shot",
        "kmer-lr",
        "probe",
        "cnn",
        "fused",
        "instruct (pool rows)",
    ]
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
    head = "".join(f" fused - {other} (MCC, 95% CI) |" for other in COMPARED)
    lines += ["", f"| task |{head}", "|---|" + "---:|" * len(COMPARED)]
    for name, res in report.items():
        cells = []
        for other in COMPARED:
            d = res.get(f"fused - {other}")
            cells.append(f"{d['diff']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]" if d else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits", type=Path, default=Path("runs/tiny/splits"))
    ap.add_argument("--tasks-json", type=Path, default=Path("../shared/data/gue/tasks.json"))
    ap.add_argument("--model", type=Path, help="checkpoint (default: the embedded dnahlm-tiny)")
    ap.add_argument("--tasks", help="comma-separated task names (default: every folder in --splits)")
    ap.add_argument("--limit", type=int, help="score only the first N validation rows")
    ap.add_argument("--seed", type=int, default=0, help="the predictor's seed (calibration rows, CNN)")
    ap.add_argument("--out", type=Path, default=Path("runs/tiny/retrieval_report.json"))
    ap.add_argument(
        "--extra-untuned", type=int, default=0, metavar="N",
        help="also score N pool rows the checkpoint was never tuned on (taken out of the pool)",
    )  # fmt: skip
    args = ap.parse_args()
    if args.model is None:
        from dnahlm.settings import get_settings

        args.model = get_settings().default_model_path()
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
        extra: list = []
        if args.extra_untuned:
            pool, extra = take_untuned(pool, args.model, name, args.extra_untuned)
        report[name] = evaluate_task(task, pool, val + extra, args.model, PredictorConfig(seed=args.seed))
        report[name]["_meta"]["untuned_pool_rows_scored"] = len(extra)
        write_json_atomic(args.out, report)
        print(json.dumps({name: report[name]}), flush=True)
    print(table({n: report[n] for n in names}))


if __name__ == "__main__":
    main()
