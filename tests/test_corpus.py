from __future__ import annotations

import gzip
import json
import random

import numpy as np
import pytest

from dnahlm.corpus import CorpusConfig, KmerExclusion, build_pretraining_data, mixed_documents
from dnahlm.errors import ConfigError
from dnahlm.sequences import reverse_complement

from .conftest import ENGLISH, random_dna


@pytest.fixture
def corpus_files(tmp_path):
    rng = random.Random(3)
    genome = tmp_path / "genome.fa.gz"
    chrom = random_dna(rng, 20_000)
    with gzip.open(genome, "wt") as fh:
        fh.write(">chrA\n" + chrom.lower() + "\n>short\n" + random_dna(rng, 401) + "\n")
    wiki = tmp_path / "wiki.jsonl.gz"
    with gzip.open(wiki, "wt") as fh:
        for i in range(30):
            fh.write(json.dumps({"id": f"w{i}", "text": f"Heading.\n{ENGLISH * 2} {i}\nshort"}) + "\n")
    return genome, wiki, chrom


def test_stream_is_reproducible_mixed_and_sized(corpus_files):
    genome, wiki, chrom = corpus_files
    cfg = CorpusConfig(dna_paths=[genome], english_paths=[wiki], dna_fraction=0.5, seed=7)
    docs = list(mixed_documents(cfg))
    assert docs == list(mixed_documents(cfg))
    assert docs != list(mixed_documents(CorpusConfig(dna_paths=[genome], english_paths=[wiki], seed=8)))
    dna = [d for d in docs if d.kind == "dna"]
    eng = [d for d in docs if d.kind == "english"]
    assert dna and eng
    assert all(300 <= len(d.text) <= 1000 for d in dna)
    assert all(len(d.text) >= 200 for d in eng)
    strands = {d.id[-1] for d in dna}
    assert strands == {"+", "-"}
    for d in dna[:10]:  # upper-cased, and really from the genome on the strand it says
        assert d.text.isupper()
        assert (
            d.text if d.id.endswith("+") else reverse_complement(d.text)
        ) in chrom.upper() or "short" in d.id
    n_dna = sum(len(d.text) for d in dna)
    n_eng = sum(len(d.text) for d in eng)
    assert 0.4 < n_dna / (n_dna + n_eng) < 0.6


def test_classification_csvs_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="must not enter pretraining"):
        CorpusConfig(dna_paths=[tmp_path / "gue" / "tf_0" / "train.csv"], english_paths=[])


def test_held_out_rows_are_excluded_on_both_strands(corpus_files, tmp_path):
    genome, wiki, chrom = corpus_files
    held = chrom.upper()[5000:5100]
    csv = tmp_path / "heldout.csv"
    csv.write_text(f"sequence,label\n{reverse_complement(held)},1\n")
    ex = KmerExclusion.from_csvs([csv])
    assert ex.shares_stretch("AAAA" + held[:70] + "CCCC")
    assert not ex.shares_stretch(held[:50])  # below the 64 bp threshold
    stats: dict[str, int] = {}
    cfg = CorpusConfig(dna_paths=[genome], english_paths=[wiki], dna_fraction=1.0, exclude_csvs=[csv])
    docs = list(mixed_documents(cfg, stats))
    assert stats["dna_dropped_heldout"] >= 1
    assert not any(held in d.text or reverse_complement(held) in d.text for d in docs)


def test_build_pretraining_data_writes_uint16_splits(corpus_files, tmp_path, tiny_tokenizer):
    genome, wiki, _ = corpus_files
    cfg = CorpusConfig(dna_paths=[genome], english_paths=[wiki], val_fraction=0.2, seed=1)
    meta = build_pretraining_data(cfg, tiny_tokenizer, tmp_path / "data", progress=False)
    train = np.fromfile(tmp_path / "data" / "train.bin", dtype=np.uint16)
    assert len(train) == meta["train_dna_tokens"] + meta["train_english_tokens"]
    assert (train == tiny_tokenizer.eos_token_id).sum() == meta["train_dna_docs"] + meta["train_english_docs"]
    assert meta["val_dna_docs"] > 0 and meta["val_english_docs"] > 0
    val_dna = np.fromfile(tmp_path / "data" / "val_dna.bin", dtype=np.uint16)
    text = tiny_tokenizer.decode(val_dna.tolist())
    assert set(text.replace("<|endoftext|>", "")) <= set("ACGTN")


@pytest.mark.slow
@pytest.mark.data
def test_real_gue_promoters_never_enter_the_real_corpus():
    """Checked by plain substring search on both strands, independently of the k-mer filter."""
    from dnahlm.tasks import get_task, read_pool

    from .conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    gue = SHARED_DATA / "gue"
    csv = gue / "prom_300_all" / "dev.csv"
    rows = [e.sequence for e in read_pool(csv, get_task(gue / "tasks.json", "prom_300_all"))]
    genome = [SHARED_DATA / "genome" / "human_hg19_chr1_first3.0Mb.fa.gz"]

    def leaked(exclude):
        cfg = CorpusConfig(dna_paths=genome, english_paths=[], dna_fraction=1.0, exclude_csvs=exclude)
        text = "|".join(d.text for d in mixed_documents(cfg))
        return sum(r[50:250] in text or reverse_complement(r[50:250]) in text for r in rows)

    assert (
        leaked([]) > 0
    )  # without the filter, real GUE promoters (5 at the time of writing) are in the corpus
    assert leaked([csv]) == 0
