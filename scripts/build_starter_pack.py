"""Build the starter knowledge pack that ships in the package (``dnahlm/knowledge/starter/``).

    python scripts/build_starter_pack.py [--data ../shared/data] [--out dnahlm/knowledge/starter]
        [--per-label 300] [--abstracts 300] [--ecoli-kb 60]

Contents, each with its provenance in ``PROVENANCE.md``:

- ``examples/<task>.csv``: a class-balanced sample (``--per-label`` rows per label, seeded) of each GUE
  task's pool, drawn only from the rows the default model's training split kept, so none of our
  validation rows is in the pack; ``tasks.json`` with the tasks' label names and kinds;
- ``sequences/ecoli_K12_first_<n>kb.gb``: the first ``--ecoli-kb`` kb of the E. coli K-12 MG1655
  GenBank record with its annotated features (thr operon, ...);
- ``sequences/<record>``: a few small real GenBank/EMBL records from Biopython's test data;
- ``papers/abstracts.jsonl``: ``--abstracts`` PubMed abstracts (GENIA / BioNLP) about transcription factors,
  promoters and gene regulation, with their PMIDs.

The index built from the pack lives in the user's cache (:mod:`dnahlm.index.starter`), not here.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
import re
import shutil
from pathlib import Path

from Bio import SeqIO

from dnahlm.tasks import load_tasks_json, read_pool, split_pool
from dnahlm.train.pipeline import pool_file

RECORDS = ("cor6_6.gb", "iro.gb", "pri1.gb", "U87107.embl", "pBAD30.gb", "EU851978.gbk")
"""Real GenBank/EMBL records from Biopython's test data (in the shared data's annotated/biopython_tests/)."""
TOPIC = re.compile(r"promoter|transcription factor|NF-kappa ?B|NF-kB|enhancer|binding site|TATA|splic", re.I)


def sample_examples(data: Path, out: Path, per_label: int, seed: int) -> dict[str, int]:
    tasks = load_tasks_json(data / "gue" / "tasks.json")
    counts = {}
    (out / "examples").mkdir(parents=True)
    for name, task in tasks.items():
        pool = read_pool(pool_file(data, name), task)
        train, _val = split_pool(pool, seed=0, val_fraction=0.1, max_val=500)  # the default model's split
        rng = random.Random(seed)
        rows = []
        for label in task.label_ids:
            group = [e for e in train if e.label == label]
            rows += rng.sample(group, min(per_label, len(group)))
        rng.shuffle(rows)
        with open(out / "examples" / f"{name}.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["sequence", "label"])
            w.writerows((e.sequence, e.label) for e in rows)
        counts[name] = len(rows)
    raw = json.loads((data / "gue" / "tasks.json").read_text())
    (out / "examples" / "tasks.json").write_text(json.dumps(raw, indent=2) + "\n")
    return counts


def ecoli_slice(data: Path, out: Path, kb: int) -> tuple[Path, int]:
    src = data / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz"
    with gzip.open(src, "rt") as fh:
        record = next(SeqIO.parse(fh, "genbank"))
    part = record[: kb * 1000]  # keeps the features that lie wholly inside
    part.annotations = {k: v for k, v in record.annotations.items() if k != "contig"}
    part.annotations["molecule_type"] = "DNA"
    part.annotations["topology"] = "linear"  # a slice of the circular chromosome
    part.id, part.name = record.id, record.name
    part.description = f"{record.description} (first {kb} kb)"
    buf = io.StringIO()
    SeqIO.write(part, buf, "genbank")
    dest = out / "sequences" / f"ecoli_K12_first_{kb}kb.gb"  # plain text: weights are the only binaries
    dest.parent.mkdir(parents=True)
    dest.write_text(buf.getvalue())
    return dest, len(part.features)


def records(data: Path, out: Path) -> list[str]:
    """Copy a selection of small real GenBank/EMBL records (Arabidopsis genes with TATA signals, a human
    gene, a Yersinia plasmid, influenza, pBAD30, ...)."""
    src = data / "annotated" / "biopython_tests"
    for name in RECORDS:
        shutil.copyfile(src / name, out / "sequences" / name)
    return list(RECORDS)


def abstracts(data: Path, out: Path, n: int) -> int:
    chosen = []
    with open(data / "papers" / "genia_bionlp_abstracts.jsonl") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("title_inferred") or not TOPIC.search(
                rec.get("title", "") + " " + rec.get("abstract", "")
            ):
                continue
            keep = {k: rec[k] for k in ("id", "pmid", "title", "abstract", "source") if k in rec}
            chosen.append(keep)
            if len(chosen) >= n:
                break
    (out / "papers").mkdir(parents=True)
    with open(out / "papers" / "abstracts.jsonl", "w") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen)
    return len(chosen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--out", type=Path, default=Path("dnahlm/knowledge/starter"))
    ap.add_argument("--per-label", type=int, default=300)
    ap.add_argument("--abstracts", type=int, default=300)
    ap.add_argument("--ecoli-kb", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    tmp = args.out.with_name(args.out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    counts = sample_examples(args.data, tmp, args.per_label, args.seed)
    gb, features = ecoli_slice(args.data, tmp, args.ecoli_kb)
    copied = records(args.data, tmp)
    n_abstracts = abstracts(args.data, tmp, args.abstracts)
    shared_readme = (args.data / "README.md").read_text()
    commits = sorted(set(re.findall(r"\b[0-9a-f]{40}\b", shared_readme)))
    (tmp / "PROVENANCE.md").write_text(
        "# Starter knowledge pack: provenance and licences\n\n"
        f"Built by `scripts/build_starter_pack.py --per-label {args.per_label} --abstracts {args.abstracts} "
        f"--ecoli-kb {args.ecoli_kb} --seed {args.seed}` from the project's shared data folder.\n\n"
        "| file | what | source | licence |\n|---|---|---|---|\n"
        + "".join(
            f"| examples/{t}.csv | {c} rows, class-balanced sample of the GUE `{t}` training pool, outside "
            "the default model's validation split | GUE benchmark (DNABERT-2, Zhou et al. 2023) | as GUE: "
            "derived from public genome annotations and ENCODE data, redistributed by its authors |\n"
            for t, c in counts.items()
        )
        + "| examples/tasks.json | label names and kinds of the GUE tasks (0 = acceptor, 1 = donor, 2 = "
        "non-splice for splice) | the shared data's `gue/tasks.json` | - |\n"
        f"| {gb.relative_to(tmp)} | E. coli K-12 MG1655 (NC_000913.3), first {args.ecoli_kb} kb, "
        f"{features} features | NCBI RefSeq | public domain (NCBI) |\n"
        + "".join(
            f"| sequences/{name} | a real GenBank/EMBL record | Biopython test data (biopython/biopython Tests/, "
            "commit 8b4d499f0e42567439e18a44986f342cc46e4faa) | Biopython License / BSD-3 |\n"
            for name in copied
        )
        + f"| papers/abstracts.jsonl | {n_abstracts} PubMed abstracts on transcription factors, promoters and "
        "gene regulation, with PMIDs | GENIA / BioNLP shared tasks (openbiocorpora mirrors) | as the corpora: "
        "GENIA and BioNLP-ST abstracts are distributed for research use |\n\n"
        + (
            f"Source snapshot commits named in the shared data's README: {', '.join(commits[:12])}.\n"
            if commits
            else ""
        )
    )
    size = sum(f.stat().st_size for f in tmp.rglob("*") if f.is_file())
    if args.out.exists():
        shutil.rmtree(args.out)
    tmp.rename(args.out)
    print(
        json.dumps({"examples": counts, "ecoli_features": features, "abstracts": n_abstracts, "bytes": size})
    )


if __name__ == "__main__":
    main()
