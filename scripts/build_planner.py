"""Rebuild the planner's shipped intent model from the example bank (run after editing the bank).

    python scripts/build_planner.py [--check]

Fits :class:`dnahlm.agents.planner.TfidfIntents` (character n-gram TF-IDF, one logistic regression per
intent, each intent's largest weights kept) on ``agents/data/intent_bank.jsonl`` and writes
``dnahlm/checkpoints/planner/intent-tfidf.json``, which ``dnahlm ask`` reads with numpy alone (no
scikit-learn import, no fit at start-up). ``--check`` only says whether the shipped file is what the bank
gives (a test runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import sys

from dnahlm.agents.planner import KEEP, C, TfidfIntents, load_bank, model_path


def build() -> dict:
    bank = load_bank()
    return TfidfIntents(c=C, keep=KEEP).fit(bank).to_json(bank)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the shipped file, write nothing")
    args = ap.parse_args()
    data = build()
    path = model_path()
    if args.check:
        same = path.is_file() and json.loads(path.read_text(encoding="utf-8")) == data
        print(f"{path}: {'up to date' if same else 'STALE: run scripts/build_planner.py'}")
        return 0 if same else 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    print(f"{path}: {len(data['grams']):,} grams, {len(data['labels'])} intents, "
          f"{path.stat().st_size / 1024:.0f} kB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
