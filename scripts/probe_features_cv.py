"""Which k-mer features the probe in ``fused`` should see, chosen on the training pools alone.

    python scripts/probe_features_cv.py --splits runs/tiny/splits --tasks-json ../shared/data/gue/tasks.json \
        [--tasks prom_300_all,tf_0] [--rows 6000] [--out runs/tiny/probe_features_cv.json]

For each task, a seeded sample of at most ``--rows`` rows of ``<splits>/<task>/train.csv`` (the pool; no
validation row is read) is cut into 3 stratified folds. Each candidate feature set gets its L2 strength by
:func:`dnahlm.retrieval.pool.choose_c` on the sample, then standardised logistic regression is trained on
two folds and scored on the third. Prints mean log-loss and MCC over the folds, one row per task and set.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from dnahlm.files import write_json_atomic
from dnahlm.index.embed import KmerEmbeddings
from dnahlm.metrics import mcc
from dnahlm.retrieval.pool import choose_c, out_of_fold_probs, stratified_folds
from dnahlm.tasks import get_task, read_pool

FEATURE_SETS = {
    "canonical 5-mer (kmer-lr)": (KmerEmbeddings(k=5, canonical=True),),
    "5-mer": (KmerEmbeddings(k=5),),
    "3-mer x 12 stretches": (KmerEmbeddings(k=3, bins=12),),
    "5-mer + 3-mer x 12 (probe)": (KmerEmbeddings(k=5), KmerEmbeddings(k=3, bins=12)),
    "5-mer + 4-mer x 6": (KmerEmbeddings(k=5), KmerEmbeddings(k=4, bins=6)),
}


def cross_validate(x: np.ndarray, y: np.ndarray, labels: list[int], seed: int = 0) -> dict:
    """The chosen C, and mean log-loss and MCC over 3 stratified folds (the folds :func:`choose_c` uses)."""
    c = choose_c(x, y, seed=seed)
    split = stratified_folds(y, 3, seed)
    p = out_of_fold_probs(x, y, split, labels, c=c, seed=seed)
    truth = np.searchsorted(labels, y)
    losses = [-float(np.log(p[test, truth[test]]).mean()) for _, test in split]
    mccs = [mcc(y[test], np.asarray(labels)[p[test].argmax(1)]) for _, test in split]
    return {"c": c, "log_loss": round(float(np.mean(losses)), 4), "mcc": round(float(np.mean(mccs)), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits", type=Path, default=Path("runs/tiny/splits"))
    ap.add_argument("--tasks-json", type=Path, default=Path("../shared/data/gue/tasks.json"))
    ap.add_argument("--tasks", help="comma-separated task names (default: every folder in --splits)")
    ap.add_argument("--rows", type=int, default=6000, help="pool rows sampled per task")
    ap.add_argument("--out", type=Path, default=Path("runs/tiny/probe_features_cv.json"))
    args = ap.parse_args()
    names = (
        args.tasks.split(",") if args.tasks else sorted(p.name for p in args.splits.iterdir() if p.is_dir())
    )
    report = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for name in names:
        task = get_task(args.tasks_json, name)
        pool = read_pool(args.splits / name / "train.csv", task)
        rows = np.random.default_rng(0).permutation(len(pool))[: args.rows]
        seqs = [pool[i].sequence for i in rows]
        y = np.array([pool[i].label for i in rows])
        for set_name, embedders in FEATURE_SETS.items():
            key = f"{name} / {set_name}"
            if key not in report:
                x = np.hstack([e.embed_array(seqs) for e in embedders])
                report[key] = {"dim": x.shape[1], **cross_validate(x, y, sorted(task.labels))}
                write_json_atomic(args.out, report)
            print(json.dumps({key: report[key]}), flush=True)
    print("| task | features | dim | C | CV log-loss | CV MCC |\n|---|---|---:|---:|---:|---:|")
    for key, r in report.items():
        task_name, set_name = key.split(" / ", 1)
        print(f"| {task_name} | {set_name} | {r['dim']} | {r['c']} | {r['log_loss']:.4f} | {r['mcc']:.3f} |")


if __name__ == "__main__":
    main()
