"""Annotated-sequence parsers: GenBank/EMBL features, GFF3 + FASTA pairs, whole FASTA records.

Small fixtures are written inline into ``tmp_path``; the real files in ``../shared/data/annotated`` are
used when present.
"""

from __future__ import annotations

import gzip
import logging
import os
from collections import Counter
from pathlib import Path

import pytest

from dnahlm.errors import ConfigError, DataFormatError, InvalidSequenceError
from dnahlm.index.annotated import (
    ANNOTATED_SUFFIXES,
    ParseStats,
    parse_annotated,
    parse_fasta,
    parse_genbank,
    parse_gff,
)
from dnahlm.sequences import parse, reverse_complement

from .conftest import SHARED_DATA, needs_shared_data

SEQ = "CAGATTTTCATATTATGCAGAAAATCTACTTCGCCTGATACGAGTCGGTTATCTTCGGAT"  # 60 bp, the ORIGIN below

GENBANK = """\
LOCUS       TEST0001                  60 bp    DNA              UNK 01-JAN-1980
DEFINITION  Test record with a minus-strand CDS.
ACCESSION   TEST0001
VERSION     TEST0001.1
KEYWORDS    .
SOURCE      .
  ORGANISM  Testus organismus
            .
FEATURES             Location/Qualifiers
     source          1..60
                     /organism="Testus organismus"
                     /mol_type="genomic DNA"
                     /db_xref="taxon:1"
     gene            complement(11..30)
                     /gene="abcA"
                     /locus_tag="T0001"
     CDS             complement(11..30)
                     /gene="abcA"
                     /locus_tag="T0001"
                     /product="test protein"
                     /db_xref="GI:1"
                     /db_xref="UniProtKB:X1"
                     /translation="MKVLA"
     CDS             join(1..5,41..50)
                     /gene="joinB"
     mRNA            complement(join(1..5,41..50))
                     /product="minus join"
     promoter        31..40
                     /note="a promoter"
     misc_feature    51..55
     misc_feature    51..55
ORIGIN
        1 cagattttca tattatgcag aaaatctact tcgcctgata cgagtcggtt atcttcggat
//
"""

CON_RECORD = """\
LOCUS       CONTEST01               1000 bp    DNA     linear   CON 01-JAN-2000
DEFINITION  A contig record without sequence.
ACCESSION   CONTEST01
VERSION     CONTEST01.1
KEYWORDS    .
SOURCE      .
  ORGANISM  .
            .
FEATURES             Location/Qualifiers
     source          1..1000
                     /organism="Testus organismus"
CONTIG      join(AB000001.1:1..500,AB000002.1:1..500)
//
"""

GFF = """\
##gff-version 3
##species Testus organismus
chr1\ttest\tregion\t1\t60\t.\t+\t.\tID=chr1
chr1\ttest\tgene\t11\t30\t.\t-\t.\tID=gene1;Name=abcA;note=a%3Bb%2Cc
chr1\ttest\tCDS\t11\t15\t.\t-\t0\tID=cds1;Parent=gene1
chr1\ttest\tCDS\t21\t30\t.\t-\t0\tID=cds1;Parent=gene1
chr2\ttest\trepeat_region\t1\t8\t.\t.\t.\t.
chr2\t.\texon\t3\t6\t.\t+\t.\tName=e1
"""

FASTA = ">chr1 first test chromosome\n" + SEQ[:30] + "\n" + SEQ[30:] + "\n>chr2\nACGTRACGTT\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def genbank(tmp_path: Path) -> Path:
    return write(tmp_path / "test.gb", GENBANK)


@pytest.fixture
def gff_pair(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "test.gff3", GFF), write(tmp_path / "test.fa", FASTA)


# --------------------------------------------------------------------------- GenBank / EMBL


def test_genbank_minus_strand_and_join_locations(genbank):
    recs = {r.id: r for r in parse_genbank(genbank)}
    cds = recs["TEST0001.1:CDS:abcA:11-30"]
    assert (cds.start, cds.end, cds.strand, cds.location) == (10, 30, -1, "11..30(-)")
    assert cds.sequence == reverse_complement(SEQ[10:30])
    joined = recs["TEST0001.1:CDS:joinB:1-50"]
    assert (joined.start, joined.end, joined.strand) == (0, 50, 1)
    assert joined.sequence == SEQ[0:5] + SEQ[40:50]
    minus_join = recs["TEST0001.1:mRNA:minus_join:1-50"]
    assert minus_join.strand == -1
    assert minus_join.sequence == reverse_complement(SEQ[0:5] + SEQ[40:50])
    assert recs["TEST0001.1:promoter:31-40"].sequence == SEQ[30:40]


def test_genbank_qualifiers_flattened_translation_dropped(genbank):
    cds = next(r for r in parse_genbank(genbank) if r.feature_type == "CDS")
    assert cds.qualifiers == {
        "gene": "abcA",
        "locus_tag": "T0001",
        "product": "test protein",
        "db_xref": "GI:1; UniProtKB:X1",
    }
    assert cds.organism == "Testus organismus"
    assert cds.record_id == "TEST0001.1"
    assert cds.description == "Test record with a minus-strand CDS"  # Biopython drops the final "."
    assert cds.source == str(genbank)
    assert cds.name == "abcA"


def test_genbank_types_source_and_unique_ids(genbank):
    recs = list(parse_genbank(genbank))
    types = ["gene", "CDS", "CDS", "mRNA", "promoter", "misc_feature", "misc_feature"]
    assert [r.feature_type for r in recs] == types
    assert len({r.id for r in recs}) == len(recs)
    assert recs[-1].id == "TEST0001.1:misc_feature:51-55#2"

    whole = list(parse_genbank(genbank, include_record=True))
    assert whole[0].feature_type == "source" and whole[0].id == "TEST0001.1"
    assert (whole[0].sequence, whole[0].start, whole[0].end, whole[0].strand) == (SEQ, 0, 60, 1)
    assert whole[0].qualifiers["mol_type"] == "genomic DNA"
    assert len(whole) == len(recs) + 1

    cds_only = list(parse_genbank(genbank, feature_types={"CDS"}))
    assert [r.feature_type for r in cds_only] == ["CDS", "CDS"]


def test_genbank_is_lazy_and_gzip_is_read(tmp_path):
    path = tmp_path / "test.gbk.gz"
    path.write_bytes(gzip.compress(GENBANK.encode()))
    stats = ParseStats()
    records = parse_annotated(path, stats=stats)
    assert stats.records == 0  # nothing read before iteration
    first = next(records)
    assert first.feature_type == "gene" and stats.records == 1
    assert len(list(records)) == 6 and stats.features == 7 and stats.skipped == 0


def test_genbank_iupac_letters_allowed_other_letters_rejected(tmp_path):
    iupac = write(tmp_path / "iupac.gb", GENBANK.replace("cagattttca", "cagatrttca"))
    promoter = next(r for r in parse_genbank(iupac, include_record=True))
    assert promoter.sequence[5] == "R"
    with pytest.raises(InvalidSequenceError):
        list(parse_genbank(iupac, iupac=False))
    bad = write(tmp_path / "bad.gb", GENBANK.replace("cagattttca", "cagatjttca"))
    with pytest.raises(InvalidSequenceError) as err:
        list(parse_genbank(bad))
    assert err.value.position == 6 and "TEST0001.1" in str(err.value)


def test_genbank_remote_location_skipped_with_warning(tmp_path, caplog):
    text = GENBANK.replace("join(1..5,41..50)\n", "join(1..5,AB000001.1:41..50)\n")
    path = write(tmp_path / "remote.gb", text)
    stats = ParseStats()
    with caplog.at_level(logging.WARNING, logger="dnahlm.index"):
        recs = list(parse_genbank(path, stats=stats))
    assert stats.skipped == 1 and len(recs) == 6
    assert "another record" in caplog.text and "remote.gb" in caplog.text


def test_genbank_record_without_sequence(tmp_path):
    path = write(tmp_path / "con.gb", CON_RECORD)
    with pytest.raises(DataFormatError, match=r"con\.gb: record CONTEST01\.1 has no sequence"):
        list(parse_genbank(path))


def test_genbank_empty_file(tmp_path):
    path = write(tmp_path / "empty.gb", "")
    with pytest.raises(DataFormatError, match="no records"):
        list(parse_genbank(path))


@pytest.mark.parametrize("cut", [300, 700, 1100, len(GENBANK) - 40, len(GENBANK) - 3])
def test_genbank_truncated_file(tmp_path, cut):
    path = write(tmp_path / "truncated.gb", GENBANK[:cut])
    with pytest.raises(DataFormatError, match=r"truncated\.gb"):
        list(parse_genbank(path))


@pytest.mark.parametrize("name", ["junk.gb", "junk.gb.gz", "junk.embl"])
def test_binary_junk(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\x89\xff\x00\xfe" + os.urandom(500))
    with pytest.raises(DataFormatError, match="junk"):
        list(parse_annotated(path))


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="cannot open"):
        list(parse_genbank(tmp_path / "absent.gb"))


# --------------------------------------------------------------------------- FASTA


def test_fasta_whole_records(tmp_path):
    path = write(tmp_path / "genome.fa", FASTA)
    recs = list(parse_fasta(path))
    assert [(r.id, r.start, r.end, r.strand, r.feature_type) for r in recs] == [
        ("chr1", 0, 60, 1, "record"),
        ("chr2", 0, 10, 1, "record"),
    ]
    assert recs[0].sequence == SEQ and recs[0].description == "chr1 first test chromosome"
    with pytest.raises(InvalidSequenceError):
        list(parse_fasta(path, iupac=False))  # chr2 holds an R
    with pytest.raises(DataFormatError, match="no records"):
        list(parse_fasta(write(tmp_path / "empty.fa", "")))


# --------------------------------------------------------------------------- GFF3


def test_gff_coordinates_strand_and_attributes(gff_pair):
    recs = {r.id: r for r in parse_gff(*gff_pair)}
    gene = recs["gene1"]
    assert (gene.start, gene.end, gene.strand, gene.record_id) == (10, 30, -1, "chr1")
    assert gene.sequence == reverse_complement(SEQ[10:30])
    assert gene.qualifiers["note"] == "a;b,c"  # %3B and %2C unescaped
    assert gene.qualifiers["gff_source"] == "test"
    assert gene.organism == "Testus organismus" and gene.name == "abcA"
    assert recs["cds1"].sequence == reverse_complement(SEQ[10:15])
    assert recs["cds1:21-30"].start == 20  # a repeated ID gets its span
    assert recs["chr2:repeat_region:1-8"].strand is None
    exon = recs["chr2:exon:3-6"]
    assert (exon.sequence, exon.strand, exon.qualifiers) == ("GTRA", 1, {"Name": "e1"})
    assert "chr1" not in recs  # region rows are left out by default


def test_gff_feature_types_and_organism_override(gff_pair):
    recs = list(parse_gff(*gff_pair, feature_types=["region", "CDS"], organism="Other"))
    assert [r.feature_type for r in recs] == ["region", "CDS", "CDS"]
    assert {r.organism for r in recs} == {"Other"}


def test_gff_embedded_fasta_and_gzip(tmp_path):
    path = tmp_path / "embedded.gff3.gz"
    path.write_bytes(gzip.compress((GFF + "##FASTA\n" + FASTA).encode()))
    recs = list(parse_annotated(path))
    assert len(recs) == 5 and recs[0].sequence == reverse_complement(SEQ[10:30])
    with pytest.raises(DataFormatError, match="no ##FASTA section"):
        list(parse_gff(write(tmp_path / "plain.gff", GFF)))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("chr9\ttest\tgene\t1\t5\t.\t+\t.\tID=g9", "line 10: seqid 'chr9' is not in the FASTA"),
        ("chr1\ttest\tgene\t1\t5\t.\t+", "line 10: expected 9 tab-separated columns, found 7"),
        ("chr1 test gene 1 5 . + . ID=g9", "line 10: expected 9 tab-separated columns, found 1"),
        ("chr1\ttest\tgene\tone\t5\t.\t+\t.\tID=g9", "line 10: start/end must be integers"),
        ("chr1\ttest\tgene\t9\t5\t.\t+\t.\tID=g9", "line 10: bad coordinates 9..5"),
        ("chr1\ttest\tgene\t50\t65\t.\t+\t.\tID=g9", "line 10: end 65 is beyond chr1"),
        ('chr1\ttest\tgene\t1\t5\t.\t+\t.\tgene_id "g9"', "line 10: attribute .* is not key=value"),
    ],
)
def test_gff_bad_rows_name_file_and_line(gff_pair, row, message):
    gff, fasta = gff_pair
    write(gff, GFF + "\n" + row + "\n")  # blank line 9 is skipped; the row is line 10
    with pytest.raises(DataFormatError, match=message) as err:
        list(parse_gff(gff, fasta))
    assert str(gff) in str(err.value)


# --------------------------------------------------------------------------- dispatch


def test_parse_annotated_dispatch(tmp_path, genbank, gff_pair):
    assert ".gff3" in ANNOTATED_SUFFIXES and ".gbff" in ANNOTATED_SUFFIXES and ".fa" in ANNOTATED_SUFFIXES
    assert len(list(parse_annotated(genbank, feature_types={"gene"}))) == 1
    assert len(list(parse_annotated(gff_pair[0], fasta=gff_pair[1]))) == 5
    assert [r.id for r in parse_annotated(gff_pair[1])] == ["chr1", "chr2"]
    with pytest.raises(ConfigError):
        parse_annotated(genbank, fasta=gff_pair[1])
    with pytest.raises(DataFormatError, match="not an annotated format"):
        parse_annotated(tmp_path / "notes.txt")


# --------------------------------------------------------------------------- real data

ANNOTATED = SHARED_DATA / "annotated"
BIOPYTHON_FILES = ["pri1.gb", "cor6_6.gb", "NC_005816.gb", "TRBG361.embl", "SC10H5.embl", "one_of.gb"]


@needs_shared_data()
@pytest.mark.data
def test_real_glut5_promoter():
    recs = list(parse_genbank(ANNOTATED / "biopython_tests" / "pri1.gb", include_record=True))
    whole = recs[0]
    assert whole.id == "U05344.1" and whole.organism == "Homo sapiens" and len(whole.sequence) == 741
    promoter = next(r for r in recs if r.feature_type == "promoter")
    assert (promoter.start, promoter.end, promoter.strand) == (0, 513, 1)
    assert promoter.sequence == whole.sequence[:513] and promoter.organism == "Homo sapiens"


@needs_shared_data()
@pytest.mark.data
@pytest.mark.parametrize("name", BIOPYTHON_FILES)
def test_real_biopython_files_parse_fully(name):
    stats = ParseStats()
    recs = list(parse_annotated(ANNOTATED / "biopython_tests" / name, include_record=True, stats=stats))
    assert stats.records >= 1 and stats.features >= 1
    assert len(recs) == stats.records + stats.features
    for rec in recs:
        assert rec.sequence and len(rec.sequence) <= rec.end - rec.start
    assert len({r.id for r in recs}) == len(recs)


@needs_shared_data()
@pytest.mark.data
def test_real_celegans_gff_against_genome():
    gff = ANNOTATED / "celegans_WS282_1pct.gff3.gz"
    genome_path = SHARED_DATA / "genome" / "celegans_WS282_1pct.fa.gz"
    with gzip.open(gff, "rt") as handle:
        rows = [line.split("\t") for line in handle if line.strip() and not line.startswith("#")]
    recs = list(parse_gff(gff, genome_path))
    assert Counter(r.feature_type for r in recs) == Counter(row[2] for row in rows)
    assert len({r.id for r in recs}) == len(recs)
    genome = {rec.id: rec.sequence for rec in parse(genome_path, iupac=True)}
    minus = [r for r in recs if r.feature_type == "gene" and r.strand == -1]
    assert minus
    for gene in minus[:20]:
        assert gene.sequence == reverse_complement(genome[gene.record_id][gene.start : gene.end])


@needs_shared_data()
@pytest.mark.data
def test_real_ecoli_genbank():
    stats = ParseStats()
    recs = list(parse_genbank(ANNOTATED / "ecoli_K12_MG1655_NC_000913.3.gbff.gz", stats=stats))
    assert len(recs) == 9260 and stats.skipped == 0  # 9,261 features, less the source
    assert Counter(r.feature_type for r in recs)["CDS"] == 4315
    thrl = next(r for r in recs if r.feature_type == "gene" and r.qualifiers.get("locus_tag") == "b0001")
    assert (thrl.start, thrl.end, thrl.strand, thrl.location) == (189, 255, 1, "190..255(+)")
    assert thrl.id == "NC_000913.3:gene:thrL:190-255" and thrl.sequence.startswith("ATG")
    assert thrl.organism.startswith("Escherichia coli")
    assert all("translation" not in r.qualifiers for r in recs)
