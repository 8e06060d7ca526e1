"""``dnahlm train``: the whole recipe (tokenizer, corpus, pretraining, split, SFT, heads) from one config."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    from dnahlm.train.pipeline import STAGES

    p = sub.add_parser(
        "train",
        help="train a model from a config file (resumable stages)",
        description="Run the training recipe of CONFIG on the data folder; finished stages are skipped.",
    )
    p.add_argument("--config", type=Path, required=True, help="JSON recipe, e.g. configs/tiny.json")
    p.add_argument(
        "--data", type=Path, required=True, help="data folder (shared layout: genome/, english/, gue/)"
    )
    p.add_argument("--out", type=Path, required=True, help="run folder (created; resumed when present)")
    p.add_argument(
        "--stages", default=",".join(STAGES), help=f"comma-separated subset of: {','.join(STAGES)}"
    )
    p.add_argument("--export", type=Path, help="after training, copy the final checkpoint here in fp16")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from dnahlm.train.pipeline import export
    from dnahlm.train.pipeline import run as run_pipeline

    out = run_pipeline(
        args.config, args.data, args.out, [s.strip() for s in args.stages.split(",") if s.strip()]
    )
    if args.export is not None and os.environ.get("RANK", "0") == "0":  # one process of a launched run
        export(out, args.export)
        print(f"exported {args.export}")
    print(f"run folder: {out}")
    return 0
