"""Question answering over your own papers, with numbered citations that map to PMIDs/DOIs.

    python docs/examples/qa_over_papers.py PAPERS.jsonl "What does TBP bind?" [--index DIR] [--model CKPT]

PAPERS.jsonl has one paper per line: ``{"title": ..., "abstract": ... or "text": ..., "pmid": ..., "doi": ...}``
(PDF, Markdown, plain text and MEDLINE files work too). The papers are indexed (chunked, embedded with the
packaged MiniLM, searched by BM25 and dense retrieval fused by reciprocal rank); the chain asks the model
and keeps its answer only when every sentence is supported by the passage it cites, else it quotes the
passages themselves. Pass ``--sequence ACGT...`` to also retrieve similar annotated sequences.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from dnahlm.index.ingest import add_files
from dnahlm.index.store import KnowledgeStore
from dnahlm.llm import DNAHLM
from dnahlm.retrieval import build_qa_chain


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("papers", type=Path, help="papers file (JSONL, PDF, Markdown, text, MEDLINE)")
    ap.add_argument("question")
    ap.add_argument("--sequence", help="optional DNA sequence the question is about")
    ap.add_argument("--index", type=Path, help="index folder to create or reuse (default: a temporary one)")
    ap.add_argument("--model", help="checkpoint folder (default: the embedded dnahlm-tiny)")
    args = ap.parse_args()

    index = args.index or Path(tempfile.mkdtemp(prefix="dnahlm-qa-"))
    for report in add_files(index, [args.papers], progress=False):
        print(f"indexed {report.added} passages from {args.papers.name} into {index}")
    with KnowledgeStore(index) as store:
        chain = build_qa_chain(store=store, llm=DNAHLM.from_pretrained(args.model, max_new_tokens=80))
        answer = chain.invoke({"question": args.question, "sequence": args.sequence})
    print(f"\n{answer.text}\n")
    print("generated text was grounded" if answer.grounded else "answer quoted from the sources (fallback)")
    for n, c in enumerate(answer.citations, 1):
        print(f"[{n}] {c.id}  {c.source}")


if __name__ == "__main__":
    main()
