"""The scripts in docs/examples run end to end on tiny data (as a user would run them)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from .conftest import motif_examples, write_csv

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
GC = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"
LABELS = {0: "at-rich", 1: "gc-rich"}


def kmer_counts(seq: str, k: int = 5) -> Counter:
    """Canonical k-mer counts (a k-mer and its reverse complement are one), written out here rather than
    taken from the index layer, so that similarities the scripts print can be checked against them."""
    out: Counter = Counter()
    for i in range(len(seq) - k + 1):
        w = seq[i : i + k]
        out[min(w, w[::-1].translate(str.maketrans("ACGT", "TGCA")))] += 1
    return out


def cosine(a: Counter, b: Counter) -> float:
    dot = sum(v * b[w] for w, v in a.items())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def nearest(query: str, rows: dict[int, str], n: int) -> list[tuple[int, float]]:
    """The ``n`` rows (CSV line number -> sequence) most similar to ``query``, best first."""
    q = kmer_counts(query)
    sims = {line: cosine(q, kmer_counts(s)) for line, s in rows.items()}
    return sorted(sims.items(), key=lambda kv: -kv[1])[:n]


def check_nearest(shown: list[tuple[int, str, float]], query: str, rows: dict[int, str], tol: float) -> None:
    """``shown`` (line, label, similarity), as a script printed them, are the rows nearest to ``query``
    best first, with their true labels and similarities (to ``tol``); rows that tie may come in any order."""
    q = kmer_counts(query)
    sims = {line: cosine(q, kmer_counts(s)) for line, s in rows.items()}
    nth_best = sorted(sims.values(), reverse=True)[len(shown) - 1]
    mine = [sims[line] for line, _, _ in shown]
    assert len({line for line, _, _ in shown}) == len(shown) == 5
    assert mine == sorted(mine, reverse=True) and min(mine) >= nth_best - 1e-9, (shown, nth_best)
    assert [score for *_, score in shown] == pytest.approx(mine, abs=tol)


def report(y: list[int], pred: list[int]) -> tuple[float, float, float]:
    """Accuracy, macro-F1 and MCC of two-class predictions, from the confusion counts."""
    tp = sum(t == 1 and p == 1 for t, p in zip(y, pred, strict=True))
    tn = sum(t == 0 and p == 0 for t, p in zip(y, pred, strict=True))
    fp = sum(t == 0 and p == 1 for t, p in zip(y, pred, strict=True))
    fn = sum(t == 1 and p == 0 for t, p in zip(y, pred, strict=True))
    f1 = [2 * a / (2 * a + fp + fn) if a else 0.0 for a in (tp, tn)]
    den = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp + tn) / len(y), sum(f1) / 2, (tp * tn - fp * fn) / den if den else 0.0


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
    assert sum(b in "GC" for b in GC) / len(GC) > 0.85  # the query is GC-rich: the answer is known
    assert "generated answer: 'gc-rich' (a label: True)" in out
    probs = re.search(r"scored prediction: (\S+)  at-rich=([\d.]+)  gc-rich=([\d.]+)", out)
    assert probs and probs[1] == "gc-rich" and float(probs[3]) > 0.5
    assert float(probs[2]) + float(probs[3]) == pytest.approx(1.0, abs=0.002)
    # the evidence: the five pool rows nearest by canonical 5-mer cosine, with their labels
    examples = motif_examples(80, 31)  # CSV line i + 2 (the header is line 1)
    shown = re.findall(r"motif:motif:(\d+) \((\S+), ([\d.]+)\)", out.split("evidence: ")[1])
    assert [lab for _, lab, _ in shown] == [LABELS[examples[int(i) - 2].label] for i, _, _ in shown]
    rows = {i + 2: e.sequence for i, e in enumerate(examples)}
    check_nearest([(int(i), lab, float(s)) for i, lab, s in shown], GC, rows, tol=0.006)


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
    """The table holds the true metrics of each method's predictions on the held-out rows, and the
    example prediction its row's true label and nearest pool rows."""
    from dnahlm.retrieval import FewShotPredictor, PredictorConfig
    from dnahlm.tasks import Task, read_pool, split_pool

    examples = motif_examples(150, 41)
    data = write_csv(tmp_path / "mine.csv", examples)
    out = run("predict_csv.py", str(data), "--labels", "0=at-rich,1=gc-rich", "--calibration", "40",
              "--model", str(sft_checkpoint_session))  # fmt: skip
    assert "pool 120 rows, validation 30 rows" in out
    table = {
        m: tuple(float(v) for v in vals)
        for m, *vals in re.findall(r"^\| (\S+) \| ([\d.-]+) \| ([\d.-]+) \| ([\d.-]+) \|$", out, flags=re.M)
    }
    assert set(table) == {"knn", "few-shot", "fused"}
    # the rows the script held out (its documented split), and what each method predicts for them
    task = Task("my_task", "generic", LABELS)
    pool, val = split_pool(read_pool(data, task), val_fraction=0.2, seed=0)
    line = {e.id: int(e.id.rsplit(":", 1)[1]) for e in pool + val}
    y = [examples[line[e.id] - 2].label for e in val]  # the labels as generated, not as read back
    # kNN, done here: the similarity-weighted vote (exp(similarity / 0.05)) of the 16 nearest pool rows
    pool_rows = {line[e.id]: e.sequence for e in pool}
    knn = []
    for e in val:
        votes = [0.0, 0.0]
        hits = nearest(e.sequence, pool_rows, 16)
        for row, sim in hits:
            votes[examples[row - 2].label] += math.exp((sim - hits[0][1]) / 0.05)
        knn.append(int(votes[1] > votes[0]))
    assert table["knn"] == pytest.approx(report(y, knn), abs=0.0006)
    predictor = FewShotPredictor(
        task, pool, model_path=str(sft_checkpoint_session), config=PredictorConfig(calibration=40)
    )
    pred = {}
    for method in ("few-shot", "fused"):
        pred[method] = [p.label for p in predictor.predict([e.sequence for e in val], method=method)]
        assert table[method] == pytest.approx(report(y, pred[method]), abs=0.0006), method
    # the example prediction: the first held-out row, its true label, its five nearest pool rows
    first = re.search(r"^my_task:mine:(\d+): (\S+) \(true: (\S+)\)", out, flags=re.M)
    assert first and int(first[1]) == line[val[0].id]
    assert first[3] == LABELS[examples[int(first[1]) - 2].label]
    assert first[2] == LABELS[pred["fused"][0]]  # the last method's prediction for that row
    shown = re.findall(r"evidence my_task:mine:(\d+): (\S+), similarity ([\d.]+)", out)
    assert [lab for _, lab, _ in shown] == [LABELS[examples[int(i) - 2].label] for i, _, _ in shown]
    check_nearest([(int(i), lab, float(s)) for i, lab, s in shown], val[0].sequence, pool_rows, tol=0.0006)
