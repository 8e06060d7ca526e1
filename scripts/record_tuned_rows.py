"""Write ``tuned_rows.json`` (dnahlm.tuned) into a checkpoint trained before training recorded it.

    python scripts/record_tuned_rows.py --checkpoint dnahlm/checkpoints/dnahlm-tiny --run runs/tiny \
        [--data ../shared/data]

Instruction tuning and head training draw their batches with samplers seeded by step, so the rows a
finished run drew can be replayed from its splits (``<run>/splits``), its seed and the step counts its
metadata records (``dnahlm.json`` for instruction tuning, ``heads/<task>/head.json`` for each head). New runs
write the same files themselves; this script exists for checkpoints made before that.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dnahlm.train.classify import ClassifyConfig, draw, label_groups
from dnahlm.train.pipeline import task_data
from dnahlm.train.sft import BalancedSampler
from dnahlm.tuned import write_tuned_rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True, help="the training run folder (with splits/)")
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = ap.parse_args()
    meta = json.loads((args.checkpoint / "dnahlm.json").read_text())["sft"]
    tuned = [td for td in task_data(args.data, args.run) if td.task.name in meta["tasks"]]
    cfg = meta["config"]
    sampler = BalancedSampler(tuned, cfg["seed"])
    steps = meta["steps"] * cfg["grad_accum"]
    drawn = [ex.sequence for i in range(steps) for _, ex in sampler.batch(i, cfg["batch_size"])]
    path = write_tuned_rows(args.checkpoint, drawn)
    print(f"{path}: {len(drawn)} draws of instruction tuning")
    for td in tuned:
        head = args.checkpoint / "heads" / td.task.name
        if not (head / "head.json").is_file():
            continue
        info = json.loads((head / "head.json").read_text())
        hc = ClassifyConfig(checkpoint=args.checkpoint, seed=info["config"]["seed"],
                            batch_size=info["config"]["batch_size"])  # fmt: skip
        groups = label_groups(td.train)
        rows = [e.sequence for i in range(info["steps"]) for e in draw(hc, td.task, groups, i)]
        print(f"{write_tuned_rows(head, rows)}: {len(rows)} draws of head training")


if __name__ == "__main__":
    main()
