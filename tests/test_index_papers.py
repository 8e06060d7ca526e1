from __future__ import annotations

import gzip
import itertools
import json
import logging
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dnahlm.errors import ConfigError, DataFormatError
from dnahlm.index.papers import (
    PAPER_SUFFIXES,
    chunk_text,
    guess_paper_format,
    parse_jsonl,
    parse_medline,
    parse_papers,
    parse_pdf,
    parse_text,
)
from dnahlm.index.records import Passage

from .conftest import SHARED_DATA, needs_shared_data

PAPERS = SHARED_DATA / "papers"


def words_of(n: int, start: int = 0, every: int = 10) -> str:
    """``n`` numbered words, a full stop every ``every`` words, each sentence starting upper-case."""
    return " ".join(f"W{i}." if (i + 1) % every == 0 else f"W{i}" for i in range(start, start + n))


# --- chunking -----------------------------------------------------------------------------------------


def test_short_text_is_one_chunk_and_blank_text_none():
    assert chunk_text("Promoters drive transcription.") == [("Promoters drive transcription.", None)]
    assert chunk_text("") == [] and chunk_text(" \n\n\t\n") == []


def test_long_paragraph_splits_at_sentences_with_overlap():
    text = words_of(1000)
    chunks = chunk_text(text, max_tokens=100, overlap=20)
    assert 10 < len(chunks) < 20
    for prev, nxt in itertools.pairwise(chunks):
        a, b = prev.text.split(), nxt.text.split()
        assert len(a) <= 100 and len(b) <= 100
        shared = len(a) - a.index(b[0])
        assert 10 <= shared <= 20 and a[-shared:] == b[:shared]  # the tail is repeated
        assert b[0].rstrip(".")[1:].isdigit() and a[a.index(b[0]) - 1].endswith(".")  # at a sentence start
    assert chunks[-1].text.split()[-1] == "W999."


def test_no_overlap_and_paragraphs_packed():
    paras = [words_of(30, 30 * k) for k in range(10)]
    chunks = chunk_text("\n\n".join(paras), max_tokens=100, overlap=0)
    assert [len(c.text.split()) for c in chunks] == [90, 90, 90, 30]
    assert chunks[0].text.count("\n\n") == 2  # paragraph breaks are kept inside a chunk


def test_a_sentence_longer_than_the_budget_is_split_by_words():
    chunks = chunk_text(" ".join(f"w{i}" for i in range(250)), max_tokens=100, overlap=0)
    assert [len(c.text.split()) for c in chunks] == [100, 100, 50]


def test_title_fills_the_first_chunk_rather_than_standing_alone():
    chunks = chunk_text(words_of(95), max_tokens=100, overlap=10, title="A short title")
    assert chunks[0].text.startswith("A short title\n\nW0 ") and len(chunks[0].text.split()) > 50


def test_bad_budget_is_a_config_error():
    for kwargs in ({"max_tokens": 0}, {"max_tokens": 10, "overlap": 10}, {"overlap": -1}):
        with pytest.raises(ConfigError):
            chunk_text("x", **kwargs)


def test_headings_name_sections_and_start_chunks():
    text = (
        "Title of a paper\n\nAbstract\n\nBackground\n\n" + words_of(20) + "\n\nResults\n\n" + words_of(20, 20)
    )
    chunks = chunk_text(text, max_tokens=100, overlap=10)
    assert [c.section for c in chunks] == ["Background", "Results"]
    assert chunks[1].text.startswith("Results\n\nW20")  # guessed headings stay in the text, no overlap
    wiki = chunk_text("== Methods ==\nWe sequenced DNA.\n== Results ==\nIt worked.")
    assert wiki == [("We sequenced DNA.", "Methods"), ("It worked.", "Results")]


def test_hard_wrapped_lines_are_not_headings():
    text = "\n".join(f"the promoter region of gene {i} binds a factor" for i in range(30))
    assert {c.section for c in chunk_text(text, max_tokens=50, overlap=5)} == {None}


@st.composite
def documents(draw):
    n = draw(st.integers(1, 400))
    seps = draw(st.lists(st.sampled_from([" ", " ", " ", "\n", "\n\n", "  \n \n"]), min_size=n, max_size=n))
    forms = draw(st.lists(st.sampled_from(["w{}", "W{}", "W{}."]), min_size=n, max_size=n))
    words = [form.format(i) for i, form in enumerate(forms)]  # "W7" lines may be taken for headings
    return words, "".join(w + s for w, s in zip(words, seps, strict=True))


@settings(max_examples=150, deadline=None)
@given(documents(), st.integers(1, 60), st.integers(0, 59))
def test_chunks_are_windows_covering_every_word_within_budget(doc, max_tokens, overlap):
    words, text = doc
    overlap = min(overlap, max_tokens - 1)
    chunks = chunk_text(text, max_tokens=max_tokens, overlap=overlap)
    covered_to = 0
    for chunk in chunks:
        cw = chunk.text.split()
        assert 1 <= len(cw) <= max_tokens
        start = int(cw[0].strip("wW."))
        assert cw == words[start : start + len(cw)]  # a contiguous window of the input
        assert start <= covered_to < start + len(cw)  # no gap, and each chunk brings new words
        covered_to = start + len(cw)
    assert covered_to == len(words)


# --- JSONL --------------------------------------------------------------------------------------------


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_jsonl_keeps_ids_for_citation(tmp_path):
    rows = [
        {"pmid": "123", "doi": "10.1/x", "title": "A promoter study", "abstract": words_of(30)},
        {"id": "doc-7", "pmcid": "PMC9", "title": "T", "text": "T\n\nBody text here."},
        {"text": "Only a text."},
        {"pmcid": "PMC5", "abstract": "An abstract."},
    ]
    got = list(parse_jsonl(write_jsonl(tmp_path / "p.jsonl", rows), max_tokens=20, overlap=5))
    assert all(isinstance(p, Passage) and p.source == str(tmp_path / "p.jsonl") for p in got)
    first = [p for p in got if p.doc_id == "PMID:123"]
    assert [p.position for p in first] == [0, 1, 2] and first[2].id == "PMID:123#2"
    assert all(p.pmid == "123" and p.doi == "10.1/x" and p.title == "A promoter study" for p in first)
    assert first[0].text.startswith("A promoter study\n\nW0") and not first[1].text.startswith("A promoter")
    doc7 = [p for p in got if p.doc_id == "doc-7"]
    assert doc7[0].text == "T\n\nBody text here." and doc7[0].pmcid == "PMC9"  # title not repeated
    assert {p.doc_id for p in got} == {"PMID:123", "doc-7", "p.jsonl:3", "PMC5"}


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "p.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"pmid": "1", "abstract": "Hello DNA."}).encode() + b"\n"))
    assert [p.text for p in parse_papers(path)] == ["Hello DNA."]


BAD_ROWS = [{"pmid": "1", "abstract": "Good one."}, "", "{not json", "[1, 2]", {"pmid": "2"}, {"text": 5}]


def test_bad_jsonl_line_raises_with_its_line_number(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", BAD_ROWS)
    got = parse_jsonl(path)
    assert next(got).pmid == "1"  # lazy: the good first line comes out before the bad line is read
    with pytest.raises(DataFormatError, match=r"bad\.jsonl:3: not a JSON object"):
        next(got)


def test_bad_jsonl_lines_skipped_and_reported(tmp_path, caplog):
    path = write_jsonl(tmp_path / "bad.jsonl", BAD_ROWS)
    seen = []
    with caplog.at_level(logging.WARNING, logger="dnahlm.index"):
        got = list(parse_papers(path, errors="skip", on_error=lambda line, msg: seen.append((line, msg))))
    assert [p.pmid for p in got] == ["1"]
    assert [line for line, _ in seen] == [3, 4, 5, 6]
    assert "no text" in seen[2][1] and "must be strings" in seen[3][1] and "bad.jsonl:6" in seen[3][1]
    assert len([r for r in caplog.records if r.name == "dnahlm.index"]) == 4


def test_all_bad_lines_raise_even_when_skipping(tmp_path):
    path = write_jsonl(tmp_path / "x.jsonl", ["nope", "still nope"])
    with pytest.raises(DataFormatError, match="none of its 2"):
        list(parse_jsonl(path, errors="skip"))


@pytest.mark.parametrize("suffix", [".jsonl", ".txt", ".md", ".medline"])
def test_binary_junk_is_a_data_format_error(tmp_path, suffix):
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(random.Random(0).randbytes(4000))
    with pytest.raises(DataFormatError, match=f"junk\\{suffix}"):
        list(parse_papers(path, errors="skip"))


@pytest.mark.parametrize("suffix", [".jsonl", ".txt", ".md", ".medline"])
def test_empty_files_yield_nothing(tmp_path, suffix):
    (tmp_path / f"e{suffix}").write_text("\n  \n")
    assert list(parse_papers(tmp_path / f"e{suffix}")) == []


def test_missing_file(tmp_path):
    with pytest.raises(DataFormatError, match="cannot read"):
        list(parse_papers(tmp_path / "absent.jsonl"))


# --- text and Markdown --------------------------------------------------------------------------------

MARKDOWN = """# Promoters in yeast

Promoters sit upstream of genes.

## Methods

We sequenced DNA from *S. cerevisiae*.

## Results ##

The TATA box was found in 20% of promoters.
"""


def test_markdown_headings_become_sections(tmp_path):
    path = tmp_path / "note.md"
    path.write_text(MARKDOWN)
    got = list(parse_text(path))
    assert [(p.section, p.text) for p in got] == [
        (None, "Promoters in yeast\n\nPromoters sit upstream of genes."),
        ("Methods", "We sequenced DNA from *S. cerevisiae*."),
        ("Results", "The TATA box was found in 20% of promoters."),
    ]
    assert {p.title for p in got} == {"Promoters in yeast"} and got[2].id == "note.md#2"
    assert not any("#" in p.text for p in got)


def test_plain_text_title_is_first_line_or_stem(tmp_path):
    (tmp_path / "a.txt").write_text("A study of promoters\nPromoters matter.\nThey do.\n")
    (tmp_path / "b.txt").write_text("Promoters matter. They do.\n")
    a, b = list(parse_papers(tmp_path / "a.txt")), list(parse_papers(tmp_path / "b.txt"))
    assert a[0].title == "A study of promoters" and a[0].text.startswith("A study of promoters\n\n")
    assert b[0].title == "b" and b[0].text == "Promoters matter. They do." and b[0].doc_id == "b.txt"


# --- PDF ----------------------------------------------------------------------------------------------


def make_pdf(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica, with a correct cross-reference table."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ] + ([f"<< /Title ({title}) >>"] if title else [])
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    info = f" /Info {len(objs)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_tiny_pdf_parses(tmp_path):
    pytest.importorskip("pypdf")
    path = tmp_path / "tiny.pdf"
    path.write_bytes(make_pdf(["Promoters drive transcription.", "The TATA box is bound by TBP."], "Tiny"))
    (got,) = list(parse_papers(path))
    assert "Promoters drive transcription." in got.text and "TATA box" in got.text
    assert (got.title, got.doc_id, got.id, got.position) == ("Tiny", "tiny.pdf", "tiny.pdf#0", 0)


@pytest.mark.parametrize("cut", [20, 200, -60])
def test_truncated_or_fake_pdf_is_a_data_format_error(tmp_path, cut):
    pytest.importorskip("pypdf")
    path = tmp_path / "broken.pdf"
    path.write_bytes(make_pdf(["Some text."])[:cut])
    with pytest.raises(DataFormatError, match=r"broken\.pdf: cannot read PDF"):
        list(parse_pdf(path))
    path.write_text("this is not a PDF at all")
    with pytest.raises(DataFormatError, match=r"broken\.pdf"):
        list(parse_pdf(path))


# --- MEDLINE ------------------------------------------------------------------------------------------

MEDLINE = """PMID- 31234567
OWN - NLM
TI  - Promoter architecture in budding yeast.
AB  - Promoters sit upstream of genes. The TATA box is bound by TBP and
      recruits the transcription machinery.
AID - S0000-0000(19)00000-0 [pii]
AID - 10.1000/yeast.1 [doi]
PMC - PMC6543210

PMID- 31234568
TI  - A title without an abstract.
LID - 10.1000/other.2 [doi]
"""


def test_medline_records_parse(tmp_path):
    path = tmp_path / "refs.nbib"
    path.write_text(MEDLINE)
    got = list(parse_papers(path))
    assert [p.id for p in got] == ["PMID:31234567#0", "PMID:31234568#0"]
    first, second = got
    assert first.text.startswith("Promoter architecture in budding yeast.\n\nPromoters sit upstream")
    assert "TBP and recruits" in first.text
    assert (first.pmid, first.pmcid, first.doi) == ("31234567", "PMC6543210", "10.1000/yeast.1")
    assert second.text == "A title without an abstract." and second.doi == "10.1000/other.2"


def test_text_that_is_not_medline(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("Just some prose.\nNothing else.\n")
    with pytest.raises(DataFormatError, match="no MEDLINE records"):
        list(parse_medline(path))


# --- dispatch -----------------------------------------------------------------------------------------


def test_unknown_suffix_names_the_accepted_ones(tmp_path):
    with pytest.raises(DataFormatError, match=r"\.jsonl.*\.pdf.*\.nbib"):
        parse_papers(tmp_path / "paper.docx")  # raised at call time, before iteration
    assert guess_paper_format("a/b.JSONL.gz") == "jsonl" and guess_paper_format("x.markdown") == "markdown"
    assert set(PAPER_SUFFIXES.values()) == {"jsonl", "text", "markdown", "pdf", "medline"}


def test_bad_options_raise_at_call_time(tmp_path):
    with pytest.raises(ConfigError):
        parse_papers(tmp_path / "a.jsonl", format="docx")
    with pytest.raises(ConfigError):
        parse_papers(tmp_path / "a.txt", errors="ignore")
    with pytest.raises(ConfigError):
        parse_papers(tmp_path / "a.md", max_tokens=10, overlap=20)


# --- real shared data ---------------------------------------------------------------------------------


@needs_shared_data()
@pytest.mark.data
def test_genia_abstracts():
    path = PAPERS / "genia_bionlp_abstracts.jsonl"
    got = list(parse_papers(path))
    docs = {p.doc_id for p in got}
    n_lines = sum(1 for _ in path.open())
    assert len(docs) == n_lines and n_lines <= len(got) < 3 * n_lines
    assert all(p.pmid and p.doc_id == f"PMID:{p.pmid}" for p in got)
    assert sum(p.title is None for p in got) < 0.01 * len(got)  # a few records have no title
    assert max(len(p.text.split()) for p in got) <= 200
    assert len({p.id for p in got}) == len(got)


@needs_shared_data()
@pytest.mark.data
def test_craft_full_text_articles():
    path = PAPERS / "craft_fulltext.jsonl"
    got = list(parse_papers(path, max_tokens=200, overlap=40))
    by_doc: dict[str, list[Passage]] = {}
    for p in got:
        by_doc.setdefault(p.doc_id, []).append(p)
    rows = [json.loads(line) for line in path.open()]
    assert len(by_doc) == len(rows)
    for row in rows:
        chunks = by_doc[row["id"]]
        assert all((p.pmid, p.pmcid, p.doi) == (row["pmid"], row["pmcid"], row["doi"]) for p in chunks)
        assert [p.position for p in chunks] == list(range(len(chunks)))
        n_words = len(row["text"].split())
        assert n_words / 200 <= len(chunks) <= n_words / 40  # full chunks, not crumbs
        assert chunks[0].text.startswith(row["title"]) and chunks[1].text.count(row["title"]) == 0
    sections = {p.section for p in got}
    assert {"Introduction", "Discussion", "Results"} <= sections
