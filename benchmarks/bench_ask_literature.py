"""Literature questions for ``dnahlm ask``: does the answer cite the abstract that answers the question?

    python benchmarks/bench_ask_literature.py [--data ../shared/data] [--index DIR] [--limit N]
                                              [--errors] [--json OUT] [--search-cli]

The questions are ``benchmarks/ask_literature/questions.jsonl`` (see the README beside them): 160 "paper"
questions, each answered by one abstract of the first 1,000 lines of
``papers/genia_bionlp_abstracts.jsonl``, and 40 "off_topic" questions that no abstract answers.

1. Index: when ``--index DIR`` holds no index yet, the subset is written to a temporary JSONL and ingested
   with ``dnahlm index add DIR subset.jsonl`` (the CLI, in a subprocess). The default DIR is a folder under
   the temporary directory keyed by a hash of the subset, reused when it exists.
2. Reference line: the top 5 of ``dnahlm index search DIR QUESTION --k 5 --collection papers --json`` for
   each paper question; recall@5 is how often its own PMID is among them. By default the same code the
   CLI runs is called in-process (the CLI loads the text model on every call, ~9 s a question);
   ``--search-cli`` runs the CLI itself per question.
3. Ask: one agent, ``build_agent(index=DIR)``, and ``ask(question, [], agent=agent)`` per question.
   Paper questions: own abstract cited (any passage citation with its PMID), and the share of the quoted
   passage citations (those the text marks ``[n]``; all passage citations when it marks none) that come
   from its own PMID (0 when none is quoted). Off-topic questions: passage citations (should be 0).
   Every answer: does it say a sequence is needed, or that no tool computes the question?

Prints a table per question shape and the median seconds per question; ``--errors`` lists the failures.
``--limit N`` asks N questions, taken in turn from every shape (paper and off-topic alike). Skips when the
data is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "ask_literature" / "questions.jsonl"
PAPERS = Path("papers") / "genia_bionlp_abstracts.jsonl"
SUBSET_SIZE = 1000
K = 5

PMID_RE = re.compile(r"PMID\s*[:#]?\s*(\d+)", re.IGNORECASE)
MARK_RE = re.compile(r"\[(\d+)\]")
NEEDS_SEQUENCE_RE = re.compile(
    r"about a sequence, but none was given|no sequence (?:was )?given|needs? an? (?:DNA )?sequence"
    r"|pass one with --seq|give (?:me )?a (?:DNA )?sequence",
    re.IGNORECASE,
)
NO_TOOL_RE = re.compile(r"none of my tools comput|no tool (?:can |that )?comput", re.IGNORECASE)


# --------------------------------------------------------------------------------------------- data


def load_subset(data: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The first ``SUBSET_SIZE`` lines of the abstracts file (raw lines and parsed records), file order."""
    lines: list[str] = []
    with open(data / PAPERS, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            lines.append(line.rstrip("\n"))
            if len(lines) == SUBSET_SIZE:
                break
    return lines, [json.loads(line) for line in lines]


def subset_key(lines: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:12]


def load_questions(path: Path = QUESTIONS) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def spread(items: Sequence[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    """``limit`` questions taken in turn from each shape (a fixed shuffle within a shape), in file order.

    All of them when limit is None or not smaller than their number.
    """
    if not limit or limit >= len(items):
        return list(items)
    groups: dict[str, list[dict[str, Any]]] = {}
    for q in items:
        groups.setdefault(q["shape"], []).append(q)
    rng = random.Random(0)
    for group in groups.values():
        rng.shuffle(group)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < limit:
        for group in groups.values():
            if group and len(chosen) < limit:
                chosen.append(group.pop(0))
    order = {id(q): i for i, q in enumerate(items)}
    return sorted(chosen, key=lambda q: order[id(q)])


# -------------------------------------------------------------------------------------------- index


def dnahlm_cli() -> list[str]:
    """The ``dnahlm`` console script beside this Python (the venv's), else the module."""
    exe = Path(sys.executable).with_name("dnahlm")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("dnahlm")
    return [found] if found else [sys.executable, "-m", "dnahlm.cli.main"]


def has_index(index_dir: Path) -> bool:
    return (index_dir / "manifest.json").is_file()


def ensure_index(index_dir: Path, lines: Sequence[str]) -> float:
    """Build the index of the subset in ``index_dir`` unless one is there; the seconds it took (0 if reused).

    It is built in a sibling folder and moved into place, so an interrupted build leaves no half index.
    """
    if has_index(index_dir):
        return 0.0
    if index_dir.exists() and any(index_dir.iterdir()):
        raise SystemExit(f"{index_dir}: a folder that is not an index; remove it or give another --index")
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ask-literature-") as tmp:
        subset = Path(tmp) / f"genia_first{len(lines)}.jsonl"
        subset.write_text("\n".join(lines) + "\n", encoding="utf-8")
        building = index_dir.with_name(f"{index_dir.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        cmd = [*dnahlm_cli(), "index", "add", str(building), str(subset), "--quiet", "--json"]
        print(f"indexing {len(lines)} abstracts: {' '.join(cmd)}", flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            raise SystemExit(f"dnahlm index add failed ({done.returncode}):\n{done.stderr[-2000:]}")
        if index_dir.exists():
            index_dir.rmdir()  # empty (checked above)
        os.replace(building, index_dir)
    return time.perf_counter() - t0


def papers_count(index_dir: Path) -> int:
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    return int(manifest.get("counts", {}).get("papers", 0))


# ------------------------------------------------------------------------------------------- search


def hit_pmids(hits: Sequence[dict[str, Any]]) -> list[str]:
    """PMIDs of ``dnahlm index search --json`` hits, in rank order."""
    out = []
    for h in hits:
        meta = h.get("metadata") or {}
        pmid = str(meta.get("pmid") or "")
        if not pmid:
            m = PMID_RE.search(str(h.get("where") or meta.get("doc_id") or ""))
            pmid = m.group(1) if m else ""
        out.append(pmid)
    return out


class Searcher:
    """``dnahlm index search DIR Q --k 5 --collection papers --json``, in-process or through the CLI."""

    def __init__(self, index_dir: Path, use_cli: bool = False) -> None:
        self.index_dir = index_dir
        self.use_cli = use_cli
        self.embedders: dict[str, Any] = {}
        self.store = None
        if not use_cli:
            from dnahlm.index.store import KnowledgeStore

            self.store = KnowledgeStore(index_dir)

    def __call__(self, query: str) -> list[dict[str, Any]]:
        if self.use_cli:
            cmd = [*dnahlm_cli(), "index", "search", str(self.index_dir), query, "--k", str(K)]
            done = subprocess.run([*cmd, "--collection", "papers", "--json"], capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(done.stderr.strip()[-500:])
            return json.loads(done.stdout)
        from dnahlm.index.search import hits_json, search

        hits = search(self.store, query, K, collections=["papers"], embedders=self.embedders)
        return json.loads(hits_json(hits))

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


# ---------------------------------------------------------------------------------------------- ask


def citation_pmid(citation: Any) -> str | None:
    """The PMID a citation names ("PMID:n", "PMID:n#2", ...), or None."""
    for text in (getattr(citation, "id", ""), getattr(citation, "source", "")):
        m = PMID_RE.search(str(text or ""))
        if m:
            return m.group(1)
    return None


def measure(question: dict[str, Any], answer: Any) -> dict[str, Any]:
    """What one answer shows: its passage citations, which of them the text quotes, and the flags."""
    citations = list(answer.citations)
    passages = [(i, c) for i, c in enumerate(citations) if getattr(c, "kind", "") == "passage"]
    marked = {int(n) for n in MARK_RE.findall(answer.text or "")}
    quoted = [c for i, c in passages if i + 1 in marked] if marked else [c for _, c in passages]
    own = question.get("pmid")
    quoted_pmids = [citation_pmid(c) for c in quoted]
    return {
        "cited_ids": [c.id for c in citations],
        "passage_pmids": [citation_pmid(c) for _, c in passages],
        "n_citations": len(citations),
        "n_passages": len(passages),
        "n_quoted": len(quoted),
        "own_cited": bool(own) and any(citation_pmid(c) == own for _, c in passages),
        "own_share": (sum(p == own for p in quoted_pmids) / len(quoted)) if (own and quoted) else 0.0,
        "needs_sequence": bool(NEEDS_SEQUENCE_RE.search(answer.text or "")),
        "no_tool": bool(NO_TOOL_RE.search(answer.text or "")),
        "tools": [getattr(tc, "tool", str(tc)) for tc in answer.tool_calls],
        "answer": answer.text or "",
    }


# ------------------------------------------------------------------------------------------ report


def pct(xs: Sequence[float]) -> str:
    return f"{100 * statistics.fmean(xs):5.1f}" if xs else "    -"


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    paper = [r for r in rows if r["kind"] == "paper"]
    off = [r for r in rows if r["kind"] != "paper"]
    ok = [r for r in rows if "error" not in r]

    def paper_stats(rs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        good = [r for r in rs if "error" not in r]
        cited = [r for r in good if r["n_quoted"]]
        return {
            "n": len(rs),
            "errors": len(rs) - len(good),
            "search_recall_at_5": statistics.fmean(r["search_hit"] for r in rs) if rs else None,
            "own_cited": statistics.fmean(r["own_cited"] for r in good) if good else None,
            "own_share": statistics.fmean(r["own_share"] for r in good) if good else None,
            "own_share_when_quoting": statistics.fmean(r["own_share"] for r in cited) if cited else None,
            "answers_quoting": len(cited),
            "needs_sequence": sum(r["needs_sequence"] for r in good),
            "no_tool": sum(r["no_tool"] for r in good),
        }

    def off_stats(rs: Sequence[dict[str, Any]]) -> dict[str, Any]:
        good = [r for r in rs if "error" not in r]
        return {
            "n": len(rs),
            "errors": len(rs) - len(good),
            "cited_anything": sum(r["n_citations"] > 0 for r in good),
            "cited_passages": sum(r["n_passages"] > 0 for r in good),
            "passages": sum(r["n_passages"] for r in good),
            "needs_sequence": sum(r["needs_sequence"] for r in good),
            "no_tool": sum(r["no_tool"] for r in good),
        }

    shapes = sorted({r["shape"] for r in paper})
    off_shapes = sorted({r["shape"] for r in off})
    return {
        "paper": paper_stats(paper),
        "paper_by_shape": {s: paper_stats([r for r in paper if r["shape"] == s]) for s in shapes},
        "off_topic": off_stats(off),
        "off_topic_by_shape": {s: off_stats([r for r in off if r["shape"] == s]) for s in off_shapes},
        "median_ask_seconds": statistics.median(r["seconds"] for r in ok) if ok else None,
        "median_search_seconds": (statistics.median(r["search_seconds"] for r in paper) if paper else None),
    }


def print_table(summary: dict[str, Any]) -> None:
    def f(x: float | None) -> str:
        return f"{100 * x:6.1f}" if x is not None else "     -"

    head = f"{'paper shape':<16}{'n':>4}{'err':>5}{'R@5 search':>11}{'own cited%':>11}"
    print(head + f"{'share%':>8}{'share|q%':>9}{'seq':>5}{'notool':>7}")
    for name, s in [*summary["paper_by_shape"].items(), ("ALL", summary["paper"])]:
        print(
            f"{name:<16}{s['n']:>4}{s['errors']:>5}{f(s['search_recall_at_5']):>11}{f(s['own_cited']):>11}"
            f"{f(s['own_share']):>8}{f(s['own_share_when_quoting']):>9}{s['needs_sequence']:>5}{s['no_tool']:>7}"
        )
    print()
    print(
        f"{'off-topic shape':<18}{'n':>4}{'err':>5}{'cited any':>10}{'w/ passages':>12}{'seq':>5}{'notool':>7}"
    )
    for name, s in [*summary["off_topic_by_shape"].items(), ("ALL", summary["off_topic"])]:
        print(
            f"{name:<18}{s['n']:>4}{s['errors']:>5}{s['cited_anything']:>10}{s['cited_passages']:>12}"
            f"{s['needs_sequence']:>5}{s['no_tool']:>7}"
        )
    med, med_s = summary["median_ask_seconds"], summary["median_search_seconds"]
    print()
    print(f"median seconds per question: ask {med:.2f}" if med is not None else "no answers", end="")
    print(f", search {med_s:.3f}" if med_s is not None else "")
    print(
        "R@5 search: own PMID in the `dnahlm index search` top 5. own cited: any passage citation from the "
        "own PMID. share: own-PMID share of the quoted passage citations (0 when none; share|q: only answers "
        "quoting some). seq / notool: answers saying a sequence is needed / no tool computes it."
    )


def print_errors(rows: Sequence[dict[str, Any]]) -> None:
    bad = [
        r
        for r in rows
        if "error" in r
        or (r["kind"] == "paper" and not r["own_cited"])
        or (r["kind"] != "paper" and r["n_passages"])
    ]
    print(f"\n{len(bad)} failures (paper: own abstract not cited; off-topic: passages cited; or an error)")
    for r in bad:
        want = (
            f" [own PMID:{r['pmid']}, search top5 {'hit' if r.get('search_hit') else 'miss'}]"
            if r["pmid"]
            else ""
        )
        print(f"- {r['id']} ({r['kind']}/{r['shape']}){want}: {r['question']}")
        if "error" in r:
            print(f"    error: {r['error']}")
            continue
        print(f"    cited: {', '.join(r['cited_ids']) or 'nothing'}")
        print(f"    answer: {' '.join(r['answer'].split())[:200]}")


# -------------------------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    ap.add_argument("--index", type=Path, default=None, help="index folder (built when it holds none)")
    ap.add_argument(
        "--limit", type=int, default=None, help="ask only N questions, taken in turn from every shape"
    )
    ap.add_argument("--errors", action="store_true", help="list the failures")
    ap.add_argument("--json", type=Path, default=None, help="write the summary and every answer here")
    ap.add_argument("--search-cli", action="store_true", help="run `dnahlm index search` per question")
    args, _ = ap.parse_known_args(argv)  # run_all.py forwards the same flags to every script

    if not (args.data / PAPERS).is_file():
        print(f"skipped: {args.data / PAPERS} not found")
        return 0
    lines, subset = load_subset(args.data)
    in_subset = {str(r["pmid"]) for r in subset}
    questions = load_questions()
    missing = [q["id"] for q in questions if q["kind"] == "paper" and str(q["pmid"]) not in in_subset]
    if missing:
        raise SystemExit(f"questions whose PMID is not in the subset: {missing}")
    questions = spread(questions, args.limit)

    index_dir = args.index or Path(tempfile.gettempdir()) / f"dnahlm-ask-literature-{subset_key(lines)}"
    built = ensure_index(index_dir, lines)
    print(
        f"index {index_dir}: {papers_count(index_dir)} passages"
        + (f" (built in {built:.0f} s)" if built else " (reused)"),
        flush=True,
    )

    from dnahlm.agents import ask
    from dnahlm.agents.graph import build_agent

    searcher = Searcher(index_dir, use_cli=args.search_cli)
    agent = build_agent(index=index_dir)
    rows: list[dict[str, Any]] = []
    try:
        for i, q in enumerate(questions, 1):
            row: dict[str, Any] = {k: q[k] for k in ("id", "kind", "pmid", "shape", "question")}
            if q["kind"] == "paper":
                t0 = time.perf_counter()
                top = hit_pmids(searcher(q["question"]))
                row["search_seconds"] = time.perf_counter() - t0
                row["search_top5"] = top
                row["search_hit"] = str(q["pmid"]) in top
            t0 = time.perf_counter()
            try:
                answer = ask(q["question"], [], agent=agent)
            except Exception as exc:  # a crash is a result here: count it and go on
                row["error"] = f"{type(exc).__name__}: {exc}"
                row["seconds"] = time.perf_counter() - t0
            else:
                row["seconds"] = time.perf_counter() - t0
                row.update(measure(q, answer))
            rows.append(row)
            print(f"\r{i}/{len(questions)} asked", end="", file=sys.stderr, flush=True)
    finally:
        searcher.close()
    print(file=sys.stderr)

    summary = summarise(rows)
    print_table(summary)
    if args.errors:
        print_errors(rows)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"index": str(index_dir), "summary": summary, "rows": rows}, indent=1),
            encoding="utf-8",
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
