"""``dnahlm ask`` on the independent ask_dev set (benchmarks/ask_dev/README.md): strict and lenient accuracy.

    python benchmarks/bench_ask_dev.py [--data ../shared/data] [--limit N] [--family F] [--shape S]
                                       [--errors] [--json OUT]

Items are built from the shared data folder (E. coli K-12 genes, cloning vectors, human chr1 windows);
the agent is built once and asked every item in turn. Strict: the answer is in the first sentence;
lenient: anywhere in the answer (see ask_dev/check.py). ``--limit N`` takes N items round-robin over the
families, cycling through the shapes within each family, so a small run still touches most of them. An
exception while answering counts as a failure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ask_dev.check import check
from ask_dev.items import FAMILIES, SHAPES, Item, build_items

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def select(items: list[Item], family: str | None, shape: str | None, limit: int | None) -> list[Item]:
    chosen = [i for i in items if (not family or i.family == family) and (not shape or i.shape == shape)]
    if not limit or limit >= len(chosen):
        return chosen
    by_family: dict[str, list[Item]] = defaultdict(list)
    for it in chosen:
        by_family[it.family].append(it)
    for fi, fam in enumerate(FAMILIES):  # within a family, cycle through the shapes (offset per family)
        seen: Counter = Counter()
        keyed = []
        for it in by_family.get(fam, []):
            keyed.append(((seen[it.shape], (SHAPES.index(it.shape) - fi) % len(SHAPES)), it))
            seen[it.shape] += 1
        by_family[fam] = [it for _, it in sorted(keyed, key=lambda pair: pair[0])]
    out: list[Item] = []
    while len(out) < limit:
        for fam in FAMILIES:
            if by_family.get(fam) and len(out) < limit:
                out.append(by_family[fam].pop(0))
    return out


def _table(title: str, keys: list[str], rows: list[dict]) -> None:
    print(f"\n{title:<26} {'n':>4} {'strict %':>9} {'lenient %':>10}")
    for key in keys:
        sub = [r for r in rows if r[title] == key]
        if sub:
            n = len(sub)
            s = 100.0 * sum(r["strict"] for r in sub) / n
            le = 100.0 * sum(r["lenient"] for r in sub) / n
            print(f"{key:<26} {n:>4} {s:>9.1f} {le:>10.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument(
        "--limit", type=int, default=None, help="ask at most N items (round-robin over families and shapes)"
    )
    ap.add_argument("--family", default=None, choices=FAMILIES)
    ap.add_argument("--shape", default=None, choices=SHAPES)
    ap.add_argument("--errors", action="store_true", help="print the failing items")
    ap.add_argument("--json", type=Path, default=None, help="write per-item results here")
    args, _ = ap.parse_known_args()  # run_all.py forwards the same flags to every script

    if not (args.data / "annotated").is_dir():
        print(f"skipped: shared data folder not found at {args.data}")
        return
    items = select(build_items(args.data), args.family, args.shape, args.limit)
    print(f"ask_dev: {len(items)} items from {args.data}", flush=True)

    from dnahlm.agents import ask
    from dnahlm.agents.graph import build_agent

    t0 = time.perf_counter()
    agent = build_agent()
    print(f"agent built in {time.perf_counter() - t0:.1f} s", flush=True)

    rows: list[dict] = []
    for n, item in enumerate(items, 1):
        t = time.perf_counter()
        text, error = "", ""
        try:
            answer = ask(item.question, list(item.sequences), agent=agent)
            text = getattr(answer, "text", None) or ""
        except Exception as exc:  # one failing item must not stop the run
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t
        strict, lenient = (False, False) if error else check(text, item.expect, item.question)
        rows.append({
            "id": item.id, "family": item.family, "shape": item.shape, "strict": strict, "lenient": lenient,
            "seconds": round(seconds, 3), "error": error, "answer": text, "question": item.question,
            "expect": asdict(item.expect),
        })  # fmt: skip
        if n % 25 == 0:
            print(f"  {n}/{len(items)} asked", flush=True)

    if not rows:
        print("no items selected")
        return
    _table("family", list(FAMILIES), rows)
    _table("shape", list(SHAPES), rows)
    n = len(rows)
    s = 100.0 * sum(r["strict"] for r in rows) / n
    le = 100.0 * sum(r["lenient"] for r in rows) / n
    print(f"\n{'total':<26} {n:>4} {s:>9.1f} {le:>10.1f}")
    print(f"median seconds per question: {statistics.median(r['seconds'] for r in rows):.2f}")
    n_err = sum(bool(r["error"]) for r in rows)
    if n_err:
        print(f"exceptions: {n_err}")

    if args.errors:
        print("\nfailing items (strict):")
        for r in rows:
            if not r["strict"]:
                ex = r["expect"]
                exp = f"{ex['kind']} {ex['value']!r}" + (f" ±{ex['tol']}" if ex["tol"] else "")
                if ex["also"]:
                    exp += f" also {list(ex['also'])}"
                shown = r["error"] or r["answer"]
                print(f"- {r['id']} [{'lenient ok' if r['lenient'] else 'fail'}] {r['question'][:100]!r}")
                print(f"    expected: {exp[:160]}")
                print(f"    answer:   {shown[:200]!r}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
