"""What the language model's inputs add to ``fused``: the combination refitted on subsets of its inputs.

    python scripts/fused_ablation.py --splits runs/tiny/splits --tasks-json ../shared/data/gue/tasks.json \
        --tasks prom_core_all,tf_0 [--model DIR] [--extra-untuned 2000] [--out runs/tiny/fused_ablation.json]

For each task one ``FewShotPredictor`` is fitted as in ``retrieval_report.py`` (same pool, same rows scored:
the validation split plus ``--extra-untuned`` pool rows the checkpoint never saw, taken out of the pool).
Then the combination is refitted, on the same calibration rows and their same out-of-sample inputs, with
three input sets: all of them (``fused`` with ``inputs="full"``), the pool-only inputs (kNN, probe, one-hot
LR, CNN: the default ``fast`` combination) and the
model's inputs (instruct, few-shot, head). ``all - pool only`` is a paired bootstrap 95% interval of the MCC
difference: what the language model adds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from retrieval_report import take_untuned

from dnahlm.files import write_json_atomic
from dnahlm.metrics import mcc, paired_bootstrap_mcc
from dnahlm.retrieval.methods import MODEL_INPUTS, POOL_INPUTS, features
from dnahlm.retrieval.predictor import METHODS, FewShotPredictor, PredictorConfig
from dnahlm.tasks import get_task, read_pool

SUBSETS = {"all": (*MODEL_INPUTS, *POOL_INPUTS), "pool only": POOL_INPUTS, "model only": MODEL_INPUTS}


def ablate(predictor: FewShotPredictor, sequences: list[str], labels: np.ndarray) -> dict:
    parts: dict[str, list[np.ndarray]] = {}
    for i in range(0, len(sequences), 100):
        probs, _ = predictor.method_probs(sequences[i : i + 100], METHODS, fused_inputs=True)
        for name, p in probs.items():
            parts.setdefault(name, []).append(p)
    scored = {name: np.concatenate(p) for name, p in parts.items()}
    calibration, y = predictor.calibration
    label_of = np.array(predictor.task.label_ids)
    out, preds = {}, {}
    for subset, names in SUBSETS.items():
        keep = [n for n in calibration if n in names]  # of every candidate, chosen or not
        model = predictor.fit_combination({n: calibration[n] for n in keep}, y)
        probs = model.predict_proba(features({n: scored[n] for n in keep}), label_of)
        preds[subset] = label_of[probs.argmax(1)]
        out[subset] = {"inputs": keep, "mcc": round(mcc(labels, preds[subset]), 4)}
    out["all - pool only"] = paired_bootstrap_mcc(labels, preds["all"], preds["pool only"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits", type=Path, default=Path("runs/tiny/splits"))
    ap.add_argument("--tasks-json", type=Path, default=Path("../shared/data/gue/tasks.json"))
    ap.add_argument("--model", type=Path, help="checkpoint (default: the embedded dnahlm-tiny)")
    ap.add_argument("--tasks", required=True, help="comma-separated task names")
    ap.add_argument("--extra-untuned", type=int, default=2000, metavar="N")
    ap.add_argument("--out", type=Path, default=Path("runs/tiny/fused_ablation.json"))
    args = ap.parse_args()
    if args.model is None:
        from dnahlm.settings import get_settings

        args.model = get_settings().default_model_path()
    report = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for name in args.tasks.split(","):
        task = get_task(args.tasks_json, name)
        pool = read_pool(args.splits / name / "train.csv", task)
        rows = read_pool(args.splits / name / "val.csv", task)
        if args.extra_untuned:
            pool, extra = take_untuned(pool, args.model, name, args.extra_untuned)
            rows += extra
        predictor = FewShotPredictor(task, pool, model_path=args.model, config=PredictorConfig(inputs="full"))
        predictor.fit()
        labels = np.array([e.label for e in rows])
        report[name] = ablate(predictor, [e.sequence for e in rows], labels) | {"rows": len(rows)}
        write_json_atomic(args.out, report)
        print(json.dumps({name: report[name]}), flush=True)


if __name__ == "__main__":
    main()
