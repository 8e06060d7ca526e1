"""Collect the (question, passage) pairs of the citation-relevance set, unlabelled.

    python benchmarks/citations/collect.py --index TMPDIR/ix --out TMPDIR/candidates.jsonl

For every question of ``questions.json`` it takes the top 4 passages of JASPAR's annotations
(``literature.reference_retriever``) and the top 4 of a papers index (the BM25 + MiniLM hybrid that
``KnowledgeTools.papers`` searches, taken *before* any relevance test, so the labels see what the search
returns). Passage text is cut to 1,500 characters. The labels are added by hand (see README.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dnahlm.agents.knowledge_tools import KnowledgeTools
from dnahlm.agents.literature import reference_retriever
from dnahlm.retrieval.qa import citation_id
from dnahlm.retrieval.retrievers import BM25Retriever, HybridRetriever, TextRetriever

HERE = Path(__file__).parent
MAX_CHARS = 1500


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", type=Path, required=True, help="index with a 'papers' collection")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--k", type=int, default=4)
    args = ap.parse_args()
    questions = [q["question"] for q in json.loads((HERE / "questions.json").read_text())["questions"]]
    jaspar = reference_retriever()
    store = KnowledgeTools(args.index).store
    papers = HybridRetriever(
        retrievers=[BM25Retriever(store=store), TextRetriever(store=store)], names=["bm25", "text"]
    )
    with open(args.out, "w", encoding="utf-8") as out:
        for q in questions:
            for source, retriever in (("jaspar", jaspar), ("abstracts", papers)):
                for rank, d in enumerate(retriever.invoke(q, k=args.k)[: args.k], start=1):
                    row = {
                        "question": q,
                        "source": source,
                        "rank": rank,
                        "passage_id": d.id or citation_id(d.metadata, ""),
                        "citation": citation_id(d.metadata, d.id or ""),
                        "title": d.metadata.get("title"),
                        "text": d.page_content[:MAX_CHARS],
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
