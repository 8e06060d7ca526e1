"""Prediction on your own labelled CSV: hold out a validation split, predict it from the rest, score it.

    python docs/examples/predict_csv.py LABELLED.csv --labels "0=background,1=bound" [--method fused]
        [--val 0.2] [--model CKPT]

This is how the toolkit handles a task the model has never been tuned on: the pool (your CSV minus the
validation rows) is all the predictor sees; ``fused`` calibrates itself on a split of that pool. The
script prints accuracy, macro-F1 and MCC for each method on the held-out rows, then one prediction with
its probabilities and evidence.
"""

from __future__ import annotations

import argparse

from dnahlm.metrics import classification_report
from dnahlm.retrieval import FewShotPredictor, PredictorConfig
from dnahlm.tasks import Task, parse_labels, read_pool, split_pool


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("csv", help="labelled CSV (sequence,label)")
    ap.add_argument("--labels", required=True, help='e.g. "0=background,1=bound"')
    ap.add_argument("--instruction", help="what the task asks, in words (optional)")
    ap.add_argument("--methods", default="knn,few-shot,fused", help="comma-separated methods to compare")
    ap.add_argument("--val", type=float, default=0.2, help="share of rows held out for scoring")
    ap.add_argument("--calibration", type=int, default=300, help="pool rows used to fit 'fused'")
    ap.add_argument("--model", help="checkpoint folder (default: the embedded dnahlm-tiny)")
    args = ap.parse_args()

    task = Task("my_task", "generic", parse_labels(args.labels), args.instruction)
    pool, val = split_pool(read_pool(args.csv, task), val_fraction=args.val, seed=0)
    predictor = FewShotPredictor(
        task, pool, model_path=args.model, config=PredictorConfig(calibration=args.calibration)
    )
    methods = args.methods.split(",")
    probs, _ = predictor.method_probs([e.sequence for e in val], methods)
    y = [e.label for e in val]
    print(f"pool {len(pool)} rows, validation {len(val)} rows")
    print("| method | accuracy | macro-F1 | MCC |\n|---|---:|---:|---:|")
    for m in methods:
        rep = classification_report(y, [task.label_ids[i] for i in probs[m].argmax(1)], task.labels)
        print(f"| {m} | {rep['accuracy']:.3f} | {rep['macro_f1']:.3f} | {rep['mcc']:.3f} |")
    p = predictor.predict([val[0].sequence], method=methods[-1])[0]
    print(f"\n{val[0].id}: {p.label_name} (true: {task.labels[val[0].label]})  {p.probs}")
    for e in p.evidence:
        print(f"  evidence {e.id}: {e.label}, similarity {e.score:.3f}")


if __name__ == "__main__":
    main()
