"""Cold and warm latency of ``dnahlm ask`` for three question types, per offline planner (no index).

    python benchmarks/bench_ask_latency.py [--runs 5] [--planners retrieval,regex]

Cold: a new ``dnahlm ask`` process, start to exit (imports, the planner's model, the tool, the answer),
median of ``--runs``. Warm: the same question asked again of one agent in this process, median of
``--runs``. The sequence is 1,200 bp of a fixed random DNA; nothing needs an index or the language model.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

SEQ = "".join(random.Random(7).choice("ACGT") for _ in range(1200))
QUESTIONS = {
    "digest": "fragment sizes from an EcoRI + HindIII double digest?",
    "Tm": "Tm of AGCTTGCATGCCTGCAGGTC in 50 mM Na+, no Mg?",
    "protein mass": "MW in kDa of the protein this encodes?",
}


def cold(question: str, planner: str, runs: int) -> float:
    env = {**os.environ, "DNAHLM_PLANNER": planner}
    argv = [sys.executable, "-m", "dnahlm.cli.main", "ask", question]
    if "AGCTTG" not in question:
        argv += ["--seq", SEQ]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def warm(question: str, planner: str, runs: int) -> float:
    from dnahlm.agents.graph import build_agent

    agent = build_agent(None, planner=planner)
    seqs = [] if "AGCTTG" in question else [SEQ]
    agent.invoke({"question": question, "sequences": seqs})
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        agent.invoke({"question": question, "sequences": seqs})
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--planners", default="retrieval,regex")
    args = ap.parse_args()
    os.environ.setdefault("DNAHLM_HOME", tempfile.mkdtemp(prefix="dnahlm-bench-latency-"))
    print(f"median of {args.runs}; {len(SEQ):,} bp sequence; no index")
    print("| question | planner | cold (new process) | warm (same agent) |")
    print("|---|---|---:|---:|")
    for name, question in QUESTIONS.items():
        for planner in args.planners.split(","):
            c, w = cold(question, planner, args.runs), warm(question, planner, args.runs)
            print(f"| {name} | {planner} | {c:.2f} s | {w * 1000:.1f} ms |", flush=True)


if __name__ == "__main__":
    main()
