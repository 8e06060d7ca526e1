"""Agent latency: warm ``ask`` per question, and cold start (a new ``dnahlm ask`` process to its answer).

    python benchmarks/bench_ask.py [--data ../shared/data] [--index DIR] [--repeats 3]

Without ``--index`` an index is built first in a temporary folder from the shared data: 1,400 rows of the
GUE prom_300_all pool, the E. coli K-12 GenBank record and 80 abstracts (build time shown apart). The
questions are about a real 300 bp human promoter (``dnahlm.examples.GLUT5_PROMOTER_300``). Warm: one agent,
each question asked ``--repeats`` times after a first (untimed) pass that loads the model, the motif
profiles and fits ``fused``; the median per question is shown (goal p50 < 2 s). Cold: ``dnahlm ask`` in a
fresh process, wall time from process start to exit, with the ``fused`` fit already cached (goal < 6 s).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
QUESTIONS = [
    "Is there a promoter in this sequence?",
    "Which transcription factors could bind it?",
    "What is the GC content and the CpG observed/expected ratio?",
    "What is the longest ORF and its protein?",
    "Are there EcoRI or BamHI sites?",
    "Which E. coli genes is this similar to?",
    "What do papers say about NF-kappa B and promoters?",
    "Is there a promoter here, which transcription factors could bind it, and what do papers say about them?",
]


def build_index(data: Path, root: Path) -> Path:
    from dnahlm.index.ingest import add_files

    pool = root / "prom_300_all.csv"
    with open(data / "gue" / "prom_300_all" / "dev.csv") as fh:
        pool.write_text("".join(itertools.islice(fh, 1401)))
    abstracts = root / "abstracts.jsonl"
    with open(data / "papers" / "genia_bionlp_abstracts.jsonl") as fh:
        abstracts.write_text("".join(itertools.islice(fh, 80)))
    idx = root / "idx"
    add_files(idx, [pool], task="prom_300_all", tasks_json=data / "gue" / "tasks.json")
    add_files(idx, [data / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz", abstracts])
    return idx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--index", type=Path)
    ap.add_argument("--repeats", type=int, default=3)
    args, _ = ap.parse_known_args()

    from dnahlm.agents.graph import build_agent
    from dnahlm.examples import GLUT5_PROMOTER_300

    tmp = Path(tempfile.mkdtemp(prefix="dnahlm-bench-ask-"))
    os.environ.setdefault("DNAHLM_HOME", str(tmp / "home"))
    t0 = time.perf_counter()
    index = args.index or build_index(args.data, tmp)
    built = time.perf_counter() - t0
    agent = build_agent(index)
    t0 = time.perf_counter()
    for q in QUESTIONS:  # first pass: loads the model, profiles, pools; fits and caches fused
        agent.invoke({"question": q, "sequences": [GLUT5_PROMOTER_300]})
    first = time.perf_counter() - t0
    rows = []
    for q in QUESTIONS:
        times, tools = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            answer = agent.invoke({"question": q, "sequences": [GLUT5_PROMOTER_300]})["answer"]
            times.append(time.perf_counter() - t)
            tools = [c.tool for c in answer.tool_calls]
        rows.append((q, statistics.median(times), ", ".join(tools)))
    env = {**os.environ, "DNAHLM_HOME": os.environ["DNAHLM_HOME"]}
    cold = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        cmd = ["ask", QUESTIONS[0], "--seq", GLUT5_PROMOTER_300, "--index", str(index)]
        subprocess.run(
            [sys.executable, "-m", "dnahlm.cli.main", *cmd], env=env, check=True, capture_output=True
        )
        cold.append(time.perf_counter() - t)

    print(
        f"index: {index} (built in {built:.1f} s); first pass over {len(QUESTIONS)} questions {first:.1f} s\n"
    )
    print("| question | tools | warm median s |\n|---|---|---:|")
    for q, t, tools in rows:
        print(f"| {q} | {tools} | {t:.3f} |")
    p50 = statistics.median(t for _, t, _ in rows)
    print(f"\nwarm p50 over questions: {p50:.3f} s (goal < 2 s: {'met' if p50 < 2 else 'NOT met'})")
    c = statistics.median(cold)
    print(f"cold start (new process to answer, 'Is there a promoter'): median {c:.2f} s of {len(cold)} "
          f"(goal < 6 s: {'met' if c < 6 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
