"""The intent planner's two question embedders, compared on the example bank by cross-validation.

    python benchmarks/bench_planner.py [--folds 5] [--seed 0] [--calibrate] [--cold 5] [--json OUT]

For each embedder (``tfidf``: character n-gram TF-IDF with a logistic regression per intent; ``minilm``: the
packaged MiniLM and a nearest-example vote) the bank (``agents/data/intent_bank.jsonl``) is split into
folds; each fold's questions are planned by a planner fitted on the other folds. A question counts as
right when the set of intents planned equals its labels exactly (a ``none`` question is right when the
planner abstains). Reported: exact-set accuracy, top-1 accuracy (the best intent is one of the labels),
the abstention rate on answerable questions and on ``none`` ones, and the cold start of a new process
that fits the planner and reads one question (median of ``--cold`` runs).

``--calibrate`` also searches the abstention threshold and the multi-intent cut-off on these
cross-validated scores (never on ``benchmarks/ask_questions``' held-out questions) and prints the best
pair per embedder: the values ``dnahlm.agents.planner`` ships come from this.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict

import numpy as np

from dnahlm.agents.planner import EMBEDDERS, KEEP, MULTI, NONE, THRESHOLD, C, TfidfIntents, load_bank


def folds(n: int, k: int, seed: int) -> list[np.ndarray]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [np.array(sorted(order[i::k])) for i in range(k)]


def cv_scores(name: str, bank: list, k: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold (N, L) intent scores of every bank question, over the labels of the whole bank."""
    labels = sorted({i for ex in bank for i in ex.intents})
    out = np.zeros((len(bank), len(labels)), dtype=np.float32)
    for test in folds(len(bank), k, seed):
        held = set(test.tolist())
        train = [ex for i, ex in enumerate(bank) if i not in held]
        model = (TfidfIntents(c=C, keep=KEEP) if name == "tfidf" else EMBEDDERS[name]()).fit(train)
        s = model.scores([bank[i].question for i in test])
        cols = [labels.index(label) for label in model.labels]
        out[np.ix_(test, cols)] = s
    return out, labels


def decide(row: np.ndarray, labels: list[str], threshold: float, multi: float) -> set[str]:
    """The planner's rule (``IntentPlanner.guess``) on one score row: the empty set is an abstention."""
    order = np.argsort(-row)
    best = labels[order[0]]
    if best == NONE or row[order[0]] < threshold:
        return set()
    chosen = {labels[j] for j in order if row[j] >= multi and labels[j] != NONE}
    return chosen or {best}


def evaluate(bank: list, scores: np.ndarray, labels: list[str], threshold: float, multi: float) -> dict:
    right = top1 = abstain_answerable = abstain_none = n_none = 0
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ex, row in zip(bank, scores, strict=True):
        gold = set(ex.intents) - {NONE}
        got = decide(row, labels, threshold, multi)
        ok = got == gold
        right += ok
        if gold:
            top1 += labels[int(np.argmax(row))] in gold
            abstain_answerable += not got
        else:
            n_none += 1
            abstain_none += not got
        for label in ex.intents:
            per_label[label][0] += ok
            per_label[label][1] += 1
    n = len(bank)
    return {
        "exact": right / n,
        "top1": top1 / (n - n_none),
        "abstain_answerable": abstain_answerable / (n - n_none),
        "abstain_none": abstain_none / max(n_none, 1),
        "per_label": {k: v[0] / v[1] for k, v in sorted(per_label.items())},
    }


def calibrate(bank: list, scores: np.ndarray, labels: list[str]) -> tuple[float, float, float]:
    """The (threshold, multi) pair with the best exact-set accuracy on the cross-validated scores."""
    best = (0.0, THRESHOLD, MULTI)
    for multi in np.arange(0.15, 0.80, 0.05):
        for threshold in np.arange(0.0, 0.75, 0.05):
            acc = evaluate(bank, scores, labels, float(threshold), float(multi))["exact"]
            if acc > best[0] + 1e-9:
                best = (acc, round(float(threshold), 2), round(float(multi), 2))
    return best


def cold_start(name: str, runs: int) -> float:
    """Median seconds of a new process that fits the planner and reads one question."""
    code = (
        "from dnahlm.agents.planner import IntentPlanner;"
        f"IntentPlanner({name!r}).guess('what fragments does EcoRI give on this plasmid?')"
    )
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embedders", default="tfidf,minilm")
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--cold", type=int, default=5, help="cold-start runs per embedder (0: skip)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    bank = load_bank()
    print(f"bank: {len(bank)} questions, {len({i for ex in bank for i in ex.intents})} intents; "
          f"{args.folds}-fold cross-validation, seed {args.seed}")  # fmt: skip
    results = {}
    for name in args.embedders.split(","):
        t = time.perf_counter()
        scores, labels = cv_scores(name, bank, args.folds, args.seed)
        fit_s = time.perf_counter() - t
        threshold, multi = THRESHOLD, MULTI
        if args.calibrate:
            acc, threshold, multi = calibrate(bank, scores, labels)
            print(f"{name}: best threshold {threshold}, multi {multi} (exact {acc:.3f})")
        res = evaluate(bank, scores, labels, threshold, multi)
        res |= {"threshold": threshold, "multi": multi, "cv_seconds": round(fit_s, 1)}
        res["cold_s"] = round(cold_start(name, args.cold), 2) if args.cold else None
        results[name] = res
    print()
    print(
        "| embedder | exact set | top-1 | abstains (answerable) | abstains (none) | threshold | multi | cold start |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        cold = f"{r['cold_s']:.2f} s" if r["cold_s"] is not None else "-"
        print(f"| {name} | {r['exact']:.3f} | {r['top1']:.3f} | {r['abstain_answerable']:.3f} | "
              f"{r['abstain_none']:.3f} | {r['threshold']} | {r['multi']} | {cold} |")  # fmt: skip
    print()
    names = list(results)
    print("| intent | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for label in results[names[0]]["per_label"]:
        print(f"| {label} | " + " | ".join(f"{results[n]['per_label'][label]:.2f}" for n in names) + " |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
