from __future__ import annotations

import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dnahlm.errors import DataFormatError, InvalidSequenceError
from dnahlm.sequences import IUPAC, gc_content, normalize, parse, read, reverse_complement, windows

from .conftest import SHARED_DATA, needs_shared_data


def test_normalize_uppercases_and_strips_whitespace():
    assert normalize("acg t\nNn") == "ACGTNN"


def test_bad_letter_names_record_and_position():
    with pytest.raises(InvalidSequenceError) as err:
        normalize("ACGTXA", record_id="chr7")
    assert err.value.position == 5 and err.value.letter == "X"
    assert "chr7" in str(err.value) and "position 5" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_iupac_only_when_asked():
    with pytest.raises(InvalidSequenceError):
        normalize("ACGR")
    assert normalize("acgr", iupac=True) == "ACGR"


@given(st.text(alphabet=IUPAC + IUPAC.lower()))
def test_reverse_complement_twice_is_identity(seq):
    assert reverse_complement(reverse_complement(seq)) == seq


def test_reverse_complement_known():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("ATGR") == "YCAT"


def test_gc_content_ignores_n():
    assert gc_content("GGCCNNNN") == 1.0
    assert gc_content("ATGC") == 0.5
    assert gc_content("NNNN") == 0.0


@given(st.text(alphabet="ACGT", min_size=1, max_size=300), st.integers(1, 50), st.integers(1, 50))
def test_windows_cover_every_base(seq, size, stride):
    stride = min(stride, size)
    got = list(windows(seq, size, stride))
    covered = set()
    for start, w in got:
        assert seq[start : start + len(w)] == w
        assert len(w) == min(size, len(seq))
        covered.update(range(start, start + len(w)))
    assert covered == set(range(len(seq)))
    starts = [s for s, _ in got]
    assert starts == sorted(starts)


def test_windows_overlap():
    assert [s for s, _ in windows("A" * 10, 4, 2)] == [0, 2, 4, 6]


def test_parse_fasta_gz_lazily(tmp_path):
    p = tmp_path / "x.fa.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(">a first\nacgt\nNN\n>b\nTTTT\n")
    recs = parse(p)
    first = next(recs)
    assert (first.id, first.sequence, first.description) == ("a", "ACGTNN", "a first")
    assert next(recs).sequence == "TTTT"


def test_parse_bad_letter_names_file_record_position(tmp_path):
    p = tmp_path / "bad.fasta"
    p.write_text(">ok\nACGT\n>seq2\nACGTAQ\n")
    with pytest.raises(InvalidSequenceError, match=r"bad.fasta:seq2 at position 6"):
        list(parse(p))


def test_read_wants_exactly_one(tmp_path):
    p = tmp_path / "two.fa"
    p.write_text(">a\nA\n>b\nC\n")
    with pytest.raises(DataFormatError, match="more than one"):
        read(p)


def test_unknown_extension_and_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="cannot tell"):
        list(parse(tmp_path / "x.txt"))
    with pytest.raises(DataFormatError, match="cannot open"):
        list(parse(tmp_path / "missing.fa"))


@needs_shared_data()
def test_parse_real_genbank_and_embl():
    gb = read(SHARED_DATA / "annotated" / "biopython_tests" / "NC_005816.gb")
    assert gb.id == "NC_005816.1" and len(gb.sequence) == 9609
    embl = next(parse(SHARED_DATA / "annotated" / "biopython_tests" / "AAA03323.embl"))
    assert embl.sequence and set(embl.sequence) <= set("ACGTN")


def test_is_dna_tells_sequences_from_text():
    from dnahlm.sequences import is_dna

    assert is_dna("acgt acgt\nNN")
    assert not is_dna("ACGT")  # shorter than min_length
    assert not is_dna("What does NF-kB bind?")
    assert is_dna("ACGTRYACGT", iupac=True) and not is_dna("ACGTRYACGT")
