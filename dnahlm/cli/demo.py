"""``dnahlm demo``: answer one DNA question offline with the embedded model, and time it."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="classify a built-in human promoter with the embedded model",
        description="Is the human GLUT5 promoter a promoter? Label likelihood and classifier head.",
    )
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from dnahlm.examples import GLUT5_PROMOTER_300, GLUT5_SOURCE
    from dnahlm.model import load_model
    from dnahlm.scoring import predict_labels
    from dnahlm.tasks import Task
    from dnahlm.train.classify import classify_probs, list_heads, load_classifier

    t0 = time.perf_counter()
    m = load_model(args.model, device="cpu")
    task = Task("prom_300_all", "promoter", {0: "non-promoter", 1: "promoter"})
    print(f"Question: is this 300 bp human sequence ({GLUT5_SOURCE}, GLUT5 promoter) a promoter?")
    print(f"Sequence: {GLUT5_PROMOTER_300[:60]}...{GLUT5_PROMOTER_300[-20:]}")
    pred = predict_labels(m.model, m.tokenizer, task, [GLUT5_PROMOTER_300])[0]
    probs = ", ".join(f"{k} {v:.3f}" for k, v in pred.probs.items())
    print(f"instruct (label likelihood): {pred.label_name}  [{probs}]")
    if task.name in list_heads(m.path):
        model, tok, head_task = load_classifier(m.path, task.name, device="cpu")
        p = classify_probs(model, tok, [GLUT5_PROMOTER_300])[0]
        print(
            "classifier head: "
            + ", ".join(f"{n} {v:.2f}" for n, v in zip(head_task.label_names, p, strict=True))
        )
    print(
        f"model: {m.path} ({m.meta.get('preset', 'unknown preset')}); answered in {time.perf_counter() - t0:.1f} s"
    )
    return 0
