"""Citation relevance: of the passages a literature answer would quote, the share about the question.

    python benchmarks/bench_citations.py [--data ../shared/data] [--filter MODULE:FUNC] [--split dev|test|all]
        [--list] [--errors]

Scores a relevance filter on the hand-labelled set in ``benchmarks/citations/labelled.jsonl`` (290
question-passage pairs: 40 questions, the top 4 passages of JASPAR's annotations and the top 4 of 2,000
GENIA abstracts; see ``benchmarks/citations/README.md``). ``FUNC(question, title, text) -> bool`` says
whether a passage is quoted; without ``--filter`` every passage is. Per source and overall it reports

- precision: the share of quoted passages that are relevant (what a reader of the answer sees);
- recall: the share of relevant passages that are quoted;
- the questions left with nothing quoted, and how many of them had a relevant passage to quote.

``--split`` keeps the questions of one half (``split`` in ``citations/questions.json``: questions
alternate dev/test in file order, the off-corpus ones 4/4), so a threshold chosen on dev can be
reported on test. ``--list`` names the questions left with nothing quoted; ``--errors`` lists the pairs the
filter gets wrong (quoted but not relevant, relevant but not quoted) with the label's reason: use it on dev
only, or the test half stops being held out.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent / "citations"
SOURCES = ("jaspar", "abstracts")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ABSTRACTS = "papers/genia_bionlp_abstracts.jsonl"
MAX_CHARS = 1500
"""Passage text is cut to this many characters, as ``citations/collect.py`` cuts it for labelling."""

Filter = Callable[[str, "str | None", str], bool]


@dataclass
class Score:
    """Counts for one source (or all sources together)."""

    questions: set[str] = field(default_factory=set)
    passages: int = 0
    kept: int = 0
    relevant: int = 0
    kept_relevant: int = 0
    quoted: set[str] = field(default_factory=set)  # questions with at least one passage kept
    answerable: set[str] = field(default_factory=set)  # questions with at least one relevant passage

    def add(self, question: str, relevant: bool, kept: bool) -> None:
        self.questions.add(question)
        self.passages += 1
        self.kept += kept
        self.relevant += relevant
        self.kept_relevant += relevant and kept
        if kept:
            self.quoted.add(question)
        if relevant:
            self.answerable.add(question)

    @property
    def unquoted(self) -> set[str]:
        return self.questions - self.quoted


def load_filter(spec: str | None) -> Filter:
    """``MODULE:FUNC`` -> the function; None -> quote everything."""
    if not spec:
        return lambda question, title, text: True
    module, _, name = spec.partition(":")
    if not module or not name:
        raise SystemExit(f"--filter wants MODULE:FUNC, got {spec!r}")
    try:
        func = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"--filter {spec}: {exc}") from None
    if not callable(func):
        raise SystemExit(f"--filter {spec}: {name} is not callable")
    return func


def abstract_texts(data: Path) -> dict[str, tuple[str | None, str]]:
    """Passage id -> (title, text) of the GENIA abstracts, chunked as ``dnahlm index add`` chunks them.

    The labelled set keeps only the ids of these passages (the abstracts are shared data, never committed);
    the ids are the content keys the index gave them, so the texts come back exactly."""
    from dnahlm.index.ingest import iter_records
    from dnahlm.index.records import content_key

    path = data / ABSTRACTS
    if not path.is_file():
        raise SystemExit(f"{path}: not found; pass --data DIR (the shared data folder)")
    return {content_key(p): (p.title, p.text[:MAX_CHARS]) for p in iter_records(path, "papers")}


def load_rows(split: str, data: Path) -> list[dict]:
    """The labelled pairs of the questions in ``split`` (dev, test or all), abstracts' texts filled in."""
    meta = json.loads((HERE / "questions.json").read_text(encoding="utf-8"))["questions"]
    halves = {q["question"]: q["split"] for q in meta}
    rows = [json.loads(line) for line in (HERE / "labelled.jsonl").open(encoding="utf-8") if line.strip()]
    unknown = {r["question"] for r in rows} - halves.keys()
    if unknown:
        raise SystemExit(f"labelled.jsonl has questions missing from questions.json: {sorted(unknown)[:3]}")
    texts = abstract_texts(data)
    for r in rows:
        if "text" not in r:
            if r["passage_id"] not in texts:
                raise SystemExit(
                    f"{data / ABSTRACTS}: no passage {r['passage_id']} (another version of the file?)"
                )
            r["title"], r["text"] = texts[r["passage_id"]]
    return [r for r in rows if split == "all" or halves[r["question"]] == split]


def score(rows: list[dict], keep: Filter) -> dict[str, Score]:
    """Run ``keep`` on every pair; counts per source and under ``"overall"``."""
    scores = {name: Score() for name in (*SOURCES, "overall")}
    for r in rows:
        kept = bool(keep(r["question"], r.get("title"), r["text"]))
        for name in (r["source"], "overall"):
            scores[name].add(r["question"], bool(r["relevant"]), kept)
    return scores


def errors(rows: list[dict], keep: Filter) -> list[str]:
    """One line per pair ``keep`` gets wrong: quoted and not relevant (FP), relevant and not quoted (FN)."""
    lines = []
    for r in rows:
        kept, relevant = bool(keep(r["question"], r.get("title"), r["text"])), bool(r["relevant"])
        if kept != relevant:
            lines.append(
                f"- {'FP' if kept else 'FN'} {r['source']} #{r['rank']} | {r['question']} | "
                f"{(r.get('title') or '')[:70]} | {r['why']}"
            )
    return lines


def ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "–"


def table(scores: dict[str, Score]) -> str:
    lines = [
        "| source | questions | passages | relevant | quoted | precision | recall "
        "| nothing quoted | of which answerable |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in scores.items():
        lines.append(
            f"| {name} | {len(s.questions)} | {s.passages} | {s.relevant} | {s.kept} "
            f"| {ratio(s.kept_relevant, s.kept)} | {ratio(s.kept_relevant, s.relevant)} "
            f"| {len(s.unquoted)} | {len(s.unquoted & s.answerable)} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--filter", help="MODULE:FUNC, FUNC(question, title, text) -> bool; default: keep all")
    ap.add_argument("--split", choices=("dev", "test", "all"), default="all")
    ap.add_argument("--list", action="store_true", help="name the questions left with nothing quoted")
    ap.add_argument("--errors", action="store_true", help="list the pairs the filter gets wrong (dev only)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (the abstracts)")
    args, _ = ap.parse_known_args()  # run_all.py forwards the same flags to every script
    rows = load_rows(args.split, args.data)
    keep = load_filter(args.filter)
    scores = score(rows, keep)
    print(f"filter: {args.filter or 'none (every passage quoted)'}; split: {args.split}")
    print()
    print(table(scores))
    print()
    print(
        "precision = relevant quoted / quoted; recall = relevant quoted / relevant; "
        "answerable = had a relevant passage (per source; overall: from either source)"
    )
    if args.list:
        overall = scores["overall"]
        for q in sorted(overall.unquoted):
            print(f"- nothing quoted{' (had a relevant passage)' if q in overall.answerable else ''}: {q}")
    if args.errors:
        print()
        print("\n".join(errors(rows, keep)) or "no errors")


if __name__ == "__main__":
    sys.exit(main())
