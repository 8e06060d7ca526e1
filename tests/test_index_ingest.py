"""Ingestion into an index: windows that point back to features, dedup, one transaction per file, bad input."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from Bio.Seq import Seq
from Bio.SeqFeature import FeatureLocation, SeqFeature
from Bio.SeqIO import write as write_records
from Bio.SeqRecord import SeqRecord

from dnahlm.errors import ConfigError, DataFormatError, InvalidSequenceError
from dnahlm.index.embed import KmerEmbeddings
from dnahlm.index.ingest import WindowConfig, add_files, remove_source
from dnahlm.index.search import search
from dnahlm.index.store import KnowledgeStore
from dnahlm.sequences import reverse_complement
from tests.conftest import SHARED_DATA, needs_shared_data


def genbank(path, seed: int = 0) -> str:
    """A 3 kb record with a plus-strand gene and a minus-strand gene; returns the record's sequence."""
    rng = random.Random(seed)
    seq = "".join(rng.choice("ACGT") for _ in range(3000))
    rec = SeqRecord(Seq(seq), id="TEST1.1", name="TEST1", description="synthetic test record")
    rec.annotations.update(molecule_type="DNA", organism="Testus syntheticus")
    rec.features = [
        SeqFeature(
            FeatureLocation(0, 3000, 1), type="source", qualifiers={"organism": ["Testus syntheticus"]}
        ),
        SeqFeature(FeatureLocation(100, 1300, 1), type="gene", qualifiers={"gene": ["alpha"]}),
        SeqFeature(FeatureLocation(1500, 2700, -1), type="gene", qualifiers={"gene": ["beta"]}),
    ]
    write_records([rec], str(path), "genbank")
    return seq


def test_a_fragment_of_a_gene_finds_that_gene(tmp_path):
    seq = genbank(tmp_path / "t.gb")
    (report,) = add_files(tmp_path / "ix", [tmp_path / "t.gb"], window=WindowConfig(400, 200))
    assert (
        report.collection == "sequences" and report.added == 10
    )  # two 1.2 kb genes, 5 windows each (0, 200, .., 800)
    store = KnowledgeStore(tmp_path / "ix")
    beta = reverse_complement(seq[1500:2700])
    hits = search(store, beta[650:950], k=3)  # a 300 bp fragment inside the window at 600
    assert hits[0].metadata["name"] == "beta" and hits[0].metadata["parent"].startswith("TEST1.1:gene:beta")
    assert (
        hits[0].metadata["location"] == "1501..2700(-)"
        and hits[0].metadata["organism"] == "Testus syntheticus"
    )
    assert hits[0].metadata["offset"] == 600  # the window that holds the whole fragment


def test_readding_a_file_is_a_no_op_and_remove_by_source(tmp_path):
    genbank(tmp_path / "t.gb")
    add_files(tmp_path / "ix", [tmp_path / "t.gb"])
    (again,) = add_files(tmp_path / "ix", [tmp_path / "t.gb"])
    assert again.skipped and KnowledgeStore(tmp_path / "ix").generation == 1
    assert remove_source(tmp_path / "ix", tmp_path / "t.gb") > 0
    assert KnowledgeStore(tmp_path / "ix").count() == 0
    (back,) = add_files(tmp_path / "ix", [tmp_path / "t.gb"])  # removable means re-addable
    assert back.added > 0


def write_csv(path, rows):
    path.write_text("sequence,label\n" + "".join(f"{s},{y}\n" for s, y in rows))


def test_labelled_csv_goes_to_examples_keyed_by_task(tmp_path):
    write_csv(tmp_path / "pool.csv", [("ACGTACGTAAAT", 0), ("GGGCGGCCGCGC", 1), ("ACGTACGTAAAT", 0)])
    (r,) = add_files(tmp_path / "ix", [tmp_path / "pool.csv"], task="motif", labels="0=at-rich,1=gc-rich")
    assert (r.collection, r.added, r.duplicates) == ("examples", 2, 1)
    store = KnowledgeStore(tmp_path / "ix")
    hit = search(store, "GGGCGGCCGCG", k=1, filter={"task": "motif"})[0]
    assert (hit.metadata["label"], hit.metadata["task"], hit.metadata["kind"]) == (1, "motif", "example")
    with pytest.raises(ConfigError, match="needs its label names"):
        add_files(tmp_path / "ix", [tmp_path / "pool.csv"], task="other")


def test_a_bad_file_adds_nothing_and_earlier_files_stay(tmp_path):
    good = tmp_path / "good.fa"
    good.write_text(">ok\n" + "ACGT" * 50 + "\n")
    bad = tmp_path / "bad.fa"
    bad.write_text(">fine\nACGTACGT\n>broken\nACGTAJGT\n")
    with pytest.raises(InvalidSequenceError, match="broken at position 6"):
        add_files(tmp_path / "ix", [good, bad])
    store = KnowledgeStore(tmp_path / "ix")
    assert store.count() == 1 and [s[1] for s in store.sources()] == [str(good.resolve())]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.fa", b"", "no records"),
        ("cut.fa", b">r1 complete\nACGTACGTAC\n>r2 cut short\n", "record r2 has no sequence"),
        ("junk.gb", bytes(range(256)) * 4, "junk.gb"),
        ("junk.fa.gz", b"\x1f\x8b\x08\x00garbage", "junk.fa.gz"),
        (
            "cut.gb",
            b"LOCUS       X  20 bp    DNA     linear   UNK 01-JAN-1980\nORIGIN\n        1 acgtacgt",
            "cut.gb",
        ),
        ("notes.xyz", b"hello", "cannot tell what kind of file"),
    ],
)
def test_unreadable_files_are_one_clear_error_and_the_index_is_unchanged(tmp_path, name, content, message):
    write_csv(tmp_path / "pool.csv", [("ACGTACGTAAAT", 0), ("GGGCGGCCGCGC", 1)])
    add_files(tmp_path / "ix", [tmp_path / "pool.csv"], labels="0=a,1=b")
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataFormatError, match=message):
        add_files(tmp_path / "ix", [tmp_path / name])
    assert KnowledgeStore(tmp_path / "ix").count() == 2


def papers_jsonl(path, bad_line: bool) -> None:
    rows = [
        json.dumps(
            {"id": "PMID:1", "pmid": "1", "title": "TATA boxes", "abstract": "TBP binds the TATA box."}
        ),
        "{not json" if bad_line else json.dumps({"id": "x", "text": "filler"}),
        json.dumps(
            {"id": "PMID:2", "pmid": "2", "title": "Splicing", "abstract": "Donor sites start with GT."}
        ),
    ]
    path.write_text("\n".join(rows) + "\n")


def test_a_bad_jsonl_line_writes_nothing_unless_asked_to_skip(tmp_path, text_embeddings):
    """The policy: a bad line fails the whole file (nothing written), or with errors='skip' only that line."""
    papers_jsonl(tmp_path / "p.jsonl", bad_line=True)
    with pytest.raises(DataFormatError, match=r"p\.jsonl:2"):
        add_files(tmp_path / "ix", [tmp_path / "p.jsonl"], embedder=text_embeddings)
    assert not (tmp_path / "ix" / "manifest.json").exists()
    (r,) = add_files(tmp_path / "ix", [tmp_path / "p.jsonl"], embedder=text_embeddings, errors="skip")
    assert (r.collection, r.added) == ("papers", 2)
    store = KnowledgeStore(tmp_path / "ix")
    hit = search(store, "What binds the TATA box?", k=1, embedders={"papers": text_embeddings})[0]
    assert (hit.metadata["pmid"], hit.metadata["position"], hit.metadata["title"]) == ("1", 0, "TATA boxes")
    genbank(tmp_path / "t.gb")
    with pytest.raises(ConfigError, match="cannot go into collection 'papers'"):
        add_files(tmp_path / "ix", [tmp_path / "t.gb"], collection="papers")
    assert KnowledgeStore(tmp_path / "ix").count() == 2
    with pytest.raises(ConfigError, match="cannot go into collection 'dna'"):
        add_files(tmp_path / "ix", [tmp_path / "p.jsonl"], embedder=KmerEmbeddings(k=2), collection="dna")


@needs_shared_data()
def test_glut5_promoter_record_from_shared_data(tmp_path):
    f = SHARED_DATA / "annotated" / "biopython_tests" / "pri1.gb"  # U05344, the human GLUT5 promoter
    if not f.is_file():
        pytest.skip(f"{f} not found")
    add_files(tmp_path / "ix", [f])
    store = KnowledgeStore(tmp_path / "ix")
    promoter = store.ids("sequences", {"feature_type": "promoter"})
    assert promoter
    hit = store.get(promoter[:1])[0]
    assert hit.metadata["organism"] == "Homo sapiens" and hit.metadata["record_id"].startswith("U05344")
    fragment = hit.text[100:350]
    best = search(store, fragment, k=1)[0]
    assert best.metadata["feature_type"] in ("promoter", "misc_feature", "gene", "mRNA", "CDS", "exon")
    assert fragment in best.text


@needs_shared_data()
def test_gff_with_fasta_pair(tmp_path):
    gff = SHARED_DATA / "annotated" / "dmelanogaster_r6.42_1pct.gff3.gz"
    fasta = SHARED_DATA / "genome" / "dmelanogaster_r6.42_1pct.fa.gz"
    with gzip.open(gff, "rt") as fh:
        genes = sum(1 for line in fh if "\tgene\t" in line)
    (r,) = add_files(tmp_path / "ix", [gff], fasta=fasta)
    store = KnowledgeStore(tmp_path / "ix")
    parents = {h.metadata["parent"] for h in store.get(store.ids("sequences", {"feature_type": "gene"}))}
    assert len(parents) == genes and r.added >= genes


def test_dnahlm_embedder_indexes_and_the_manifest_pins_its_weights(tmp_path, tiny_checkpoint):
    from dnahlm.index.embed import DNAHLMEmbeddings, make_embedder

    genbank(tmp_path / "t.gb")
    emb = DNAHLMEmbeddings(model_path=str(tiny_checkpoint), max_tokens=64)
    (r,) = add_files(tmp_path / "ix", [tmp_path / "t.gb"], embedder=emb)
    store = KnowledgeStore(tmp_path / "ix")
    spec = store.collections["sequences"].embedder
    assert spec["name"] == "dnahlm" and len(spec["params"]["weights"]) == 16
    assert store.collections["sequences"].dimension == emb.dimension and r.added == 8
    window = store.get(store.ids("sequences")[:1])[0].text
    assert search(store, window, k=1)[0].text == window  # rebuilt from the manifest, same vectors
    (tiny_checkpoint / "model.safetensors").write_bytes((tiny_checkpoint / "model.safetensors").read_bytes())
    make_embedder(spec["name"], **spec["params"])  # same bytes: fine
    with open(tiny_checkpoint / "model.safetensors", "r+b") as fh:  # other weights: refused
        fh.seek(-4, 2)
        fh.write(b"\x00\x00\x00\x00")
    with pytest.raises(ConfigError, match="built with DNAHLM weights"):
        make_embedder(spec["name"], **spec["params"])
