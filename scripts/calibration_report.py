"""How well ``fused``'s probabilities are calibrated, before and after temperature scaling, and whether its
conformal prediction sets cover what they claim, on our own validation splits.

    python scripts/calibration_report.py --splits runs/tiny/splits --tasks-json ../shared/data/gue/tasks.json \
        [--tasks tf_0,splice] [--coverages 0.8,0.9,0.95] [--out runs/tiny/calibration_report.json]

For each task: ``fused`` (the default fast inputs) is fitted on ``<splits>/<task>/train.csv``; its fit holds a
temperature and conformal scores from its own calibration rows (cross-fitted, :mod:`dnahlm.retrieval.calibration`).
The rows of ``<splits>/<task>/val.csv`` (never used by the fit) are then scored: top-label ECE (15 bins)
of the combination's raw probabilities and of the temperature-scaled ones, the reliability diagram of
both, and for each coverage the measured fraction of validation rows whose set holds the true label, the
mean set size and the fraction of one-label sets. Results are saved after each task (atomic JSON); a
re-run skips finished tasks. Prints a markdown table. ``--extra N`` scores N more rows per task, taken out
of the pool (seeded) before the fit, for tighter coverage figures (pools of at least 4N rows; ``fast``
inputs never use the language model, so rows it was tuned on are as held out as any for them).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from dnahlm.files import write_json_atomic
from dnahlm.retrieval.calibration import ece, reliability
from dnahlm.retrieval.methods import features
from dnahlm.retrieval.predictor import METHODS, FewShotPredictor, PredictorConfig
from dnahlm.tasks import get_task, read_pool

TASKS = "tf_0,tf_1,tf_2,prom_core_all,splice,prom_300_all"


def one_task(splits: Path, tasks_json: Path, name: str, coverages: list[float], extra: int = 0) -> dict:
    task = get_task(tasks_json, name)
    pool = read_pool(splits / name / "train.csv", task)
    val = read_pool(splits / name / "val.csv", task)
    if extra and len(pool) >= 4 * extra:  # more scored rows: taken out of the pool before the fit
        rng = np.random.default_rng(1)
        out = set(rng.choice(len(pool), size=extra, replace=False).tolist())
        val = val + [e for i, e in enumerate(pool) if i in out]
        pool = [e for i, e in enumerate(pool) if i not in out]
    start = time.time()
    predictor = FewShotPredictor(task, pool, config=PredictorConfig(inputs="fast", cache_dir=None)).fit()
    fit_s = time.time() - start
    fit = predictor.fit_state
    seqs = [e.sequence for e in val]
    asked = ["fused", *(n for n in fit.inputs if n in METHODS)]  # the methods among its inputs (e.g. knn)
    probs, _ = predictor.method_probs(seqs, asked, fused_inputs=True)
    scaled = probs["fused"]
    raw = fit.combination.predict_proba(features({n: probs[n] for n in fit.inputs}), task.label_ids)
    y = np.array([task.label_ids.index(e.label) for e in val])
    out = {
        "n": len(val),
        "pool": len(pool),
        "inputs": fit.inputs,
        "temperature": fit.held_out.temperature if fit.held_out else None,
        "ece_raw": ece(raw, y),
        "ece": ece(scaled, y),
        "accuracy": float((scaled.argmax(1) == y).mean()),
        "held_out_mcc": fit.held_out.mcc if fit.held_out else None,
        "reliability_raw": reliability(raw, y, 10),
        "reliability": reliability(scaled, y, 10),
        "fit_seconds": round(fit_s, 1),
        "coverage": {},
    }
    if fit.held_out:
        conformal = fit.held_out.conformal()
        for c in coverages:
            out["coverage"][str(c)] = conformal.coverage_on(scaled, y, c)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=Path, required=True)
    ap.add_argument("--tasks-json", type=Path, required=True)
    ap.add_argument("--tasks", default=TASKS)
    ap.add_argument("--coverages", default="0.8,0.9,0.95")
    ap.add_argument(
        "--extra",
        type=int,
        default=0,
        help="also score this many pool rows, taken out of the pool before the fit (pools of 4x as many rows)",
    )
    ap.add_argument("--out", type=Path, default=Path("runs/tiny/calibration_report.json"))
    args = ap.parse_args()
    coverages = [float(c) for c in args.coverages.split(",")]
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for name in args.tasks.split(","):
        if name in results:
            continue
        results[name] = one_task(args.splits, args.tasks_json, name, coverages, args.extra)
        write_json_atomic(args.out, results)
        r = results[name]
        print(f"{name}: ECE {r['ece_raw']:.3f} -> {r['ece']:.3f}, coverage {r['coverage']}", flush=True)
    print(
        "\n| task | n | temperature | ECE raw | ECE scaled | "
        + " | ".join(f"cov@{c}" for c in coverages)
        + " |"
    )
    print("|---|---|---|---|---|" + "---|" * len(coverages))
    for name, r in results.items():
        cov = " | ".join(
            f"{r['coverage'][str(c)]['coverage']:.3f} (size {r['coverage'][str(c)]['mean_size']:.2f})"
            if str(c) in r["coverage"]
            else "-"
            for c in coverages
        )
        t = f"{r['temperature']:.2f}" if r["temperature"] else "-"
        print(f"| {name} | {r['n']} | {t} | {r['ece_raw']:.3f} | {r['ece']:.3f} | {cov} |")


if __name__ == "__main__":
    main()
