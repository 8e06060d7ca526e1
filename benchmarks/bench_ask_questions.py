"""Ask-agent accuracy on plain bench-biology questions about real sequences, per question family.

    python benchmarks/bench_ask_questions.py [--data ../shared/data] [--families a,b] [--limit-per-family N]
        [--per-family N] [--phrasing default|heldout|heldout2] [--seed 0] [--json OUT]
        [--answer agent|oracle|MODULE:FUNC] [--list]

About 270 questions in 21 families (digests, PCR, primers, cloning primers, Tm, protein properties,
mutations, transcription/translation, reverse complement, GC, identity, motif counts, codon usage,
regulatory variants at a TATA box) about E. coli K-12 genes, promoter-length windows and real plasmids
from the shared data. Expected answers are computed by the
benchmark itself (``ask_questions/questions.py``: Biopython, primer3-py, slicing, brute force), never with
``dnahlm.bio`` or ``dnahlm.agents``; the agent is only asked (``build_agent(None)``: no index). The scoring
rule of each family is printed with the table and described in ``ask_questions/questions.py`` and
``ask_questions/scoring.py``. ``--answer oracle`` answers with each question's reference answer (a
self-test of the scoring: it must score 100%). ``--answer MODULE:FUNC`` plugs in any
``answer(question, sequences) -> str``.

``--phrasing`` chooses how the questions are worded; the sequences and expected answers do not change.
``default``: each family's one fixed template, the question set above. ``heldout``: hand-written
templates of ``ask_questions/heldout_phrasings.json`` (16 a family: lab shorthand, long and polite, typos,
British and American spelling, imperatives, abbreviations), taken in turn in an order shuffled per seed and
family, to measure how much an answerer depends on the default wording; it asks 16 questions a family
(336 in all) unless ``--per-family`` says otherwise, so every template is asked once, and prints how many
templates it used. ``heldout2``: the same for ``ask_questions/heldout2_phrasings.json``, a second set of
16 hand-written templates a family, written without seeing the first (a final test split).
``--per-family N`` asks N questions of every family instead of each family's own count;
``--limit-per-family N`` caps either.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ask_questions.questions import FAMILIES, PHRASINGS, Question, build, heldout_templates

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
Answer = Callable[[str, list[str]], str]
HELDOUT_PER_FAMILY = 16  # questions a family under --phrasing heldout/heldout2: one per template


def agent_answer() -> Answer:
    """The current ``dnahlm ask`` agent (offline router, no index), built once."""
    os.environ.setdefault("DNAHLM_HOME", tempfile.mkdtemp(prefix="dnahlm-bench-askq-"))
    from dnahlm.agents.graph import build_agent

    agent = build_agent(None)

    def answer(question: str, sequences: list[str]) -> str:
        state = agent.invoke({"question": question, "sequences": list(sequences)})
        return state["answer"].text

    return answer


def pick_answer(spec: str, questions: list[Question]) -> Answer:
    if spec == "agent":
        return agent_answer()
    if spec == "oracle":
        refs = {(q.question, tuple(q.sequences)): q.reference for q in questions}
        return lambda question, sequences: refs[(question, tuple(sequences))]
    module, _, func = spec.partition(":")
    return getattr(importlib.import_module(module), func or "answer")


def run(questions: list[Question], answer: Answer, timeout_note: float = 600.0) -> list[dict]:
    rows = []
    t_all = time.perf_counter()
    for q in questions:
        t = time.perf_counter()
        error = None
        try:
            text = answer(q.question, list(q.sequences))
        except Exception as exc:  # a failing answer is a wrong answer, not a crashed benchmark
            text, error = "", f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t
        try:
            passed, detail = q.check(text)
        except Exception as exc:  # a scoring bug must show, not hide as a fail
            passed, detail = False, f"CHECK ERROR {type(exc).__name__}: {exc}"
        rows.append({
            "id": q.qid, "family": q.family, "question": q.question, "sequences": q.sequences,
            "expected": q.expected, "expected_text": q.expected_text, "answer": text, "passed": bool(passed),
            "detail": detail, "error": error, "seconds": round(seconds, 4), "info": q.info,
        })  # fmt: skip
        if time.perf_counter() - t_all > timeout_note:
            print(f"warning: over {timeout_note:.0f} s so far ({len(rows)} questions)", file=sys.stderr)
            timeout_note = float("inf")
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| family | n | correct | accuracy | median s | scoring |", "|---|---:|---:|---:|---:|---|"]
    for fam in dict.fromkeys(r["family"] for r in rows):
        rs = [r for r in rows if r["family"] == fam]
        ok = sum(r["passed"] for r in rs)
        med = statistics.median(r["seconds"] for r in rs)
        lines.append(f"| {fam} | {len(rs)} | {ok} | {ok / len(rs):.0%} | {med:.3f} | {FAMILIES[fam][2]} |")
    ok = sum(r["passed"] for r in rows)
    fams = {r["family"] for r in rows}
    macro = statistics.mean(
        sum(r["passed"] for r in rows if r["family"] == f) / sum(r["family"] == f for r in rows) for f in fams
    )
    med = statistics.median(r["seconds"] for r in rows)
    lines.append(
        f"| **overall** | {len(rows)} | {ok} | {ok / len(rows):.0%} (family mean {macro:.0%}) | {med:.3f} | |"
    )
    return "\n".join(lines)


def template_coverage(questions: list[Question], families: list[str], style: str = "heldout") -> str:
    """One line: how many templates of held-out phrasing ``style`` the questions used, and which families
    left some unused."""
    templates = heldout_templates(style)
    total = {f: sum(len(ts) for ts in templates[f].values()) for f in families}
    used = {f: len({q.info["phrasing"] for q in questions if q.family == f}) for f in families}
    short = [f"{f} {used[f]}/{total[f]}" for f in families if used[f] < total[f]]
    return (f"held-out templates used: {sum(used.values())}/{sum(total.values())}"
            + (f" (not all in: {', '.join(short)})" if short else " (every template asked)"))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--families", help=f"comma-separated subset of: {', '.join(FAMILIES)}")
    ap.add_argument("--limit-per-family", type=int, help="at most N questions a family")
    ap.add_argument(
        "--per-family",
        type=int,
        metavar="N",
        help=f"N questions a family (default: each family's own; {HELDOUT_PER_FAMILY} with a held-out phrasing)",
    )
    ap.add_argument("--phrasing", choices=PHRASINGS, default="default",
                    help="default: each family's fixed template; heldout, heldout2: "
                         "ask_questions/heldout_phrasings.json, ask_questions/heldout2_phrasings.json")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write every question, expected answer, answer and pass/fail")
    ap.add_argument("--answer", default="agent", help="agent (default), oracle, or MODULE:FUNC")
    ap.add_argument(
        "--list", action="store_true", help="print the questions and expected answers; ask nothing"
    )
    ap.add_argument("--show-failures", type=int, default=0, metavar="N", help="print N failures per family")
    args, _ = ap.parse_known_args()  # run_all.py passes every benchmark the same arguments

    if not (args.data / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz").exists():
        print(f"skipped: no shared data at {args.data} (pass --data ../shared/data)")
        return
    families = [f.strip() for f in args.families.split(",")] if args.families else list(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        ap.error(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")

    if args.per_family is not None and args.per_family < 1:
        ap.error("--per-family must be at least 1")
    heldout = args.phrasing != "default"
    per_family = args.per_family or (HELDOUT_PER_FAMILY if heldout else None)
    t0 = time.perf_counter()
    questions = build(args.data, seed=args.seed, families=families, limit=args.limit_per_family,
                      per_family=per_family, phrasing=args.phrasing)  # fmt: skip
    built = time.perf_counter() - t0
    if args.list:
        for q in questions:
            print(
                f"{q.qid}\t{q.question[:150]}\t[{', '.join(f'{len(s)} bp' for s in q.sequences)}]\t{q.expected_text[:100]}"
            )
        return

    answer = pick_answer(args.answer, questions)
    t0 = time.perf_counter()
    rows = run(questions, answer)
    asked = time.perf_counter() - t0

    print(f"{len(questions)} questions in {len(set(q.family for q in questions))} families "
          f"(seed {args.seed}; phrasing {args.phrasing}; built in {built:.1f} s, asked in {asked:.1f} s; "
          f"answerer: {args.answer})\n")  # fmt: skip
    if heldout:
        print(template_coverage(questions, families, args.phrasing) + "\n")
    print(table(rows))
    errors = sum(r["error"] is not None for r in rows)
    if errors:
        print(f"\n{errors} question(s) raised an error in the answerer (counted as wrong)")
    if args.show_failures:
        for fam in families:
            for r in [r for r in rows if r["family"] == fam and not r["passed"]][: args.show_failures]:
                print(f"\n[{r['id']}] {r['question'][:160]}\n  expected: {r['expected_text'][:160]}\n"
                      f"  answer: {r['answer'][:300]!r}\n  {r['detail']}")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        summary = {f: {"n": sum(r["family"] == f for r in rows), "correct": sum(r["passed"] for r in rows if r["family"] == f)}
                   for f in families}  # fmt: skip
        args.json.write_text(json.dumps({
            "seed": args.seed, "phrasing": args.phrasing, "answerer": args.answer, "n": len(rows), "correct": sum(r["passed"] for r in rows),
            "median_seconds": statistics.median(r["seconds"] for r in rows), "families": summary, "questions": rows,
        }, indent=1))  # fmt: skip
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
