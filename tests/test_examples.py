"""The scripts in docs/examples run end to end on tiny data (as a user would run them)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .conftest import motif_examples, write_csv

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
GC = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"


def run(script: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={"HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_few_shot_chain(tmp_path, sft_checkpoint_session):
    pool = write_csv(tmp_path / "motif.csv", motif_examples(80, 31))
    out = run(
        "few_shot_chain.py", GC, "--pool", str(pool), "--labels", "0=at-rich,1=gc-rich",
        "--kind", "generic", "--model", str(sft_checkpoint_session),
    )  # fmt: skip
    assert re.search(r"generated answer: '.*' \(a label: (True|False)\)", out)
    assert "scored prediction: gc-rich" in out
    assert out.count("(gc-rich,") >= 1 and "motif:motif:" in out


def test_qa_over_papers(tmp_path):
    papers = tmp_path / "papers.jsonl"
    rows = [
        {"pmid": "1001", "title": "TATA-binding protein", "abstract": "The TATA-binding protein (TBP) binds "
         "the TATA box about 30 bp upstream of the transcription start site. TBP bends the DNA sharply."},
        {"pmid": "1002", "title": "Splicing", "abstract": "Introns usually begin with GT and end with AG. "
         "The spliceosome removes introns from pre-mRNA."},
        {"doi": "10.1000/xyz", "title": "CpG islands", "abstract": "CpG islands overlap the promoters of most "
         "housekeeping genes in vertebrate genomes."},
    ]  # fmt: skip
    papers.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = run("qa_over_papers.py", str(papers), "What does the TATA-binding protein bind?",
              "--index", str(tmp_path / "idx"))  # fmt: skip
    assert "indexed 3 passages" in out
    cited = re.findall(r"^\[(\d+)\] (\S+)", out, flags=re.M)
    assert cited and cited[0][1] == "PMID:1001"
    answer = out.split("\n\n")[1]
    assert "TATA" in answer and "[1]" in answer


def test_predict_csv(tmp_path, sft_checkpoint_session):
    data = write_csv(tmp_path / "mine.csv", motif_examples(150, 41))
    out = run("predict_csv.py", str(data), "--labels", "0=at-rich,1=gc-rich", "--calibration", "40",
              "--model", str(sft_checkpoint_session))  # fmt: skip
    assert "pool 120 rows, validation 30 rows" in out
    scores = {m: float(a) for m, a in re.findall(r"^\| (knn|few-shot|fused) \| ([\d.]+) \|", out, flags=re.M)}
    assert set(scores) == {"knn", "few-shot", "fused"}
    assert scores["knn"] >= 0.9 and scores["fused"] >= 0.9
    assert re.search(r"evidence my_task:mine:\d+: (at|gc)-rich, similarity", out)
