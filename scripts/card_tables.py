"""Print the model card's tables from a run folder's measured files (dnahlm.json, report.json).

python scripts/card_tables.py runs/tiny
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# the seed paper's figures (accuracy, MCC), computed on a split that leaked test data
PAPER = {
    "prom_300_all": (0.92, 0.84),
    "prom_core_all": (0.85, 0.69),
    "splice": (0.80, 0.67),
    "tf": (0.75, 0.51),
}


def main(run: Path) -> None:
    meta = json.loads((run / "sft" / "dnahlm.json").read_text())
    data = json.loads((run / "data" / "meta.json").read_text())
    pt, sft = meta["pretraining"], meta["sft"]
    print("| figure | value |\n|---|---|")
    print(f"| parameters | {meta['parameters']:,} |")
    print(f"| pretraining tokens seen | {pt['tokens_seen']:,} ({pt['steps']} steps) |")
    print(f"| pretraining wall time | {pt['wall_seconds'] / 60:.1f} min (last resumed segment) |")
    print(f"| validation perplexity, DNA / English | {pt['val_ppl_dna']:.1f} / {pt['val_ppl_english']:.1f} |")
    print(
        f"| corpus (train) DNA / English tokens | {data['train_dna_tokens']:,} / {data['train_english_tokens']:,} |"
    )
    print(f"| windows dropped for sharing >= 64 bp with GUE | {data.get('dna_dropped_heldout', 0):,} |")
    print(
        f"| SFT steps / tokens / wall time | {sft['steps']} / {sft['tokens_seen']:,} / {sft['wall_seconds'] / 60:.1f} min |"
    )
    report = json.loads((run / "report.json").read_text())
    print("\n| task | n (val) | method | accuracy | macro-F1 | MCC | lenient (substring) | paper acc / MCC |")
    print("|---|---:|---|---:|---:|---:|---:|---|")
    for key in sorted(report):
        r = report[key]
        task, method = key.split("/")
        paper = PAPER.get(task) or (PAPER["tf"] if task.startswith("tf") else None)
        ref = f"{paper[0]:.2f} / {paper[1]:.2f}" if paper else ""
        print(
            f"| {task} | {r['n']} | {method} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['mcc']:.3f} | "
            f"{r['lenient_accuracy']:.3f} | {ref} |"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "runs/tiny"))
