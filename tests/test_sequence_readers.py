"""One checked reader of sequence files, used by ``predict --fasta``, ``ask --fasta``, the index and the UI:
a GenBank record cut short is refused everywhere, in one line that names the file and the record."""

from __future__ import annotations

import gzip

import pytest

from dnahlm.cli.main import main
from dnahlm.errors import DataFormatError, UserInputError
from dnahlm.sequences import parse
from dnahlm.ui.uploads import check_upload, read_sequences, staged

from .conftest import SHARED_DATA, needs_shared_data
from .test_index_annotated import GENBANK, SEQ


def origin_cut(text: str) -> str:
    """``text`` cut half way through its ORIGIN section's lines."""
    head, origin = text.split("ORIGIN", 1)
    lines = origin.splitlines(keepends=True)
    return head + "ORIGIN" + "".join(lines[: max(2, len(lines) // 2)])


def test_the_fixture_is_cut_where_the_test_says():
    cut = origin_cut(GENBANK)
    assert "LOCUS       TEST0001                  60 bp" in cut and "//" not in cut


def test_parse_refuses_a_genbank_record_cut_in_its_origin(tmp_path):
    path = tmp_path / "cut.gb"
    path.write_text(origin_cut(GENBANK))
    with pytest.raises(DataFormatError, match=r"cut\.gb: record TEST0001.1 is truncated or damaged"):
        list(parse(path))
    (tmp_path / "whole.gb").write_text(GENBANK)
    assert [len(r.sequence) for r in parse(tmp_path / "whole.gb")] == [60]


@pytest.mark.parametrize("command", ["predict", "ask"])
def test_cli_fasta_options_refuse_a_truncated_genbank(tmp_path, capsys, command):
    path = tmp_path / "cut.gb"
    path.write_text(origin_cut(GENBANK))
    args = (
        ["predict", "--fasta", str(path)]
        if command == "predict"
        else ["ask", "How long?", "--fasta", str(path)]
    )
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cut.gb: record TEST0001.1 is truncated" in err[0]


def test_a_fasta_without_a_header_and_a_genbank_cut_in_its_features_are_one_line(tmp_path):
    (tmp_path / "noheader.fa").write_text("ACGTACGT\nACGT\n")
    with pytest.raises(DataFormatError) as info:
        list(parse(tmp_path / "noheader.fa"))
    assert "noheader.fa: not readable as fasta" in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "features.gb").write_text(GENBANK[: GENBANK.index("/product")])
    with pytest.raises(DataFormatError, match=r"features\.gb") as info:
        list(parse(tmp_path / "features.gb"))
    assert "\n" not in str(info.value)


def test_uploads_refuse_a_truncated_genbank():
    with pytest.raises(DataFormatError, match=r"up\.gb: record TEST0001.1 is truncated"):
        read_sequences("up.gb", origin_cut(GENBANK).encode())
    assert read_sequences("up.gb.gz", gzip.compress(GENBANK.encode())) == [("TEST0001.1", SEQ)]


def test_a_small_gzip_that_decompresses_past_the_limit_is_refused():
    bomb = gzip.compress(b">x\n" + b"A" * (3 * 2**20))  # 3 MB of sequence in a few kB
    assert len(bomb) < 20_000
    with pytest.raises(UserInputError, match=r"bomb\.fa\.gz: decompresses to more than the 2 MB"):
        check_upload("bomb.fa.gz", len(bomb), (".fa",), max_mb=2, data=bomb)
    check_upload("bomb.fa.gz", len(bomb), (".fa",), max_mb=4, data=bomb)  # within the limit: accepted


class Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


def test_uploads_whose_names_fold_together_are_both_staged(tmp_path):
    files = [Upload("sample 1.fa", b">a\nACGT\n"), Upload("sample_1.fa", b">b\nGGCC\n")]
    with staged(tmp_path / "ix", files) as paths:
        assert len(set(paths)) == 2
        assert sorted(p.read_bytes() for p in paths) == [b">a\nACGT\n", b">b\nGGCC\n"]


@needs_shared_data()
def test_half_an_ecoli_genbank_is_refused_not_read_as_half_a_genome(tmp_path):
    whole = gzip.decompress((SHARED_DATA / "annotated/ecoli_K12_MG1655_NC_000913.3.gbff.gz").read_bytes())
    origin = whole.index(b"\nORIGIN")
    half = whole[: origin + (len(whole) - origin) // 2]  # half of the sequence lines: about 2.3 Mbp
    (tmp_path / "half.gbff").write_bytes(half)
    with pytest.raises(DataFormatError, match=r"half\.gbff: record NC_000913\.3 is truncated"):
        list(parse(tmp_path / "half.gbff"))
    with pytest.raises(DataFormatError, match="truncated"):
        read_sequences("half.gbff", half)
