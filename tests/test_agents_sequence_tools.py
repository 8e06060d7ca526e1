"""Sequence tools of the agent: figures checked against hand counts, Biopython and a naive ORF finder.

The real-data test takes E. coli K-12 CDS features from ``../shared/data/annotated`` and checks that
``find_orfs`` gives their GenBank /translation; it is skipped when the data is absent.
"""

from __future__ import annotations

import doctest
import gzip
import json
import random
import time
import warnings
from collections import Counter

import pytest
from Bio.Restriction import EcoRI
from Bio.Seq import Seq

from dnahlm.agents import sequence_tools as st
from dnahlm.agents.sequence_tools import (
    align_identity,
    find_orfs,
    restriction_sites,
    reverse_complement_tool,
    sequence_stats,
    sequence_tools,
    translate_frames,
)
from dnahlm.errors import InvalidSequenceError, UserInputError

from .conftest import SHARED_DATA, needs_shared_data

STOPS = {"TAA", "TAG", "TGA"}


def rand(rng: random.Random, n: int, alphabet: str = "ACGT", weights: list[float] | None = None) -> str:
    return "".join(rng.choices(alphabet, weights=weights, k=n))


def sense_codons(rng: random.Random, n: int) -> str:
    out = []
    while len(out) < n:
        c = rand(rng, 3)
        if c not in STOPS:
            out.append(c)
    return "".join(out)


def revcomp(s: str) -> str:
    return str(Seq(s).reverse_complement())


def test_the_docstring_examples_run():
    result = doctest.testmod(st)
    assert result.attempted >= 6 and result.failed == 0


# ---------------------------------------------------------------- statistics


def test_stats_match_hand_counts():
    seq = "acgtNNcgcgATTTAGCgcN"
    s = seq.upper()
    stats = sequence_stats(seq)
    assert stats.length == len(s)
    assert stats.composition == {b: s.count(b) for b in "ACGTN"}
    assert stats.n_count == 3 and stats.n_fraction == pytest.approx(3 / 20)
    gc = s.count("G") + s.count("C")
    assert stats.gc_fraction == pytest.approx(gc / (len(s) - 3))
    cpg = sum(s[i : i + 2] == "CG" for i in range(len(s) - 1))
    assert stats.cpg_count == cpg == 4
    assert stats.cpg_obs_exp == pytest.approx(cpg * len(s) / (s.count("C") * s.count("G")))
    assert sequence_stats("AAACCCTTT").cpg_obs_exp is None  # no G
    assert sequence_stats("NNNN").gc_fraction == 0.0


def test_cpg_island_is_found_where_it_was_planted():
    rng = random.Random(3)
    island = rand(rng, 600, weights=[0.15, 0.35, 0.35, 0.15])  # GC ~0.7, CpG not depleted
    seq = (
        rand(rng, 2000, weights=[0.35, 0.15, 0.15, 0.35])
        + island
        + rand(rng, 2000, weights=[0.35, 0.15, 0.15, 0.35])
    )
    stats = sequence_stats(seq)
    assert stats.cpg_island_count == len(stats.cpg_islands) == 1
    isl = stats.cpg_islands[0]
    assert 2000 - 200 < isl.start <= 2000 + 50 and 2600 - 50 <= isl.end < 2600 + 200
    sub = seq[isl.start : isl.end]
    assert isl.gc_fraction == pytest.approx((sub.count("G") + sub.count("C")) / len(sub), abs=1e-4)
    assert isl.obs_exp == pytest.approx(
        sub.count("CG") * len(sub) / (sub.count("C") * sub.count("G")), abs=1e-4
    )
    assert isl.gc_fraction > 0.5 and isl.obs_exp > 0.6


def test_low_complexity_homopolymer_and_dust():
    rng = random.Random(5)
    background = rand(rng, 3000)
    seq = (
        background[:500] + "C" + "A" * 15 + "C" + background[500 : 1024 - 17] + "CA" * 40 + background[1200:]
    )
    assert seq[1024:1104] == "CA" * 40
    stats = sequence_stats(seq)
    homopolymers = [r for r in stats.low_complexity if r.kind == "homopolymer"]
    assert (501, 516, "A") in [(r.start, r.end, r.unit) for r in homopolymers]
    dust = [r for r in stats.low_complexity if r.kind == "dust"]
    assert len(dust) == 1 and dust[0].start <= 1024 and dust[0].end >= 1104
    # the 64-bp window [1024, 1088) lies in the repeat: triplets CAC and ACA 31 times each
    window = seq[1024:1088]
    counts = Counter(window[i : i + 3] for i in range(62))
    assert dust[0].score == pytest.approx(sum(c * (c - 1) / 2 for c in counts.values()) / 61, abs=1e-3)
    covered = set()
    for r in stats.low_complexity:
        covered.update(range(r.start, r.end))
    assert stats.low_complexity_bp == len(covered)
    # random sequence alone has no dust region, and max_regions cuts the list but not the count
    assert not [r for r in sequence_stats(background).low_complexity if r.kind == "dust"]
    cut = sequence_stats(seq, max_regions=0)
    assert (
        cut.low_complexity == [] and cut.low_complexity_count == len(stats.low_complexity) and cut.truncated
    )


def test_reverse_complement_tool():
    rng = random.Random(1)
    seq = rand(rng, 200, "ACGTN")
    out = reverse_complement_tool(seq.lower())
    assert out.sequence == revcomp(seq) and out.length == 200
    assert reverse_complement_tool(out.sequence).sequence == seq


# ---------------------------------------------------------------- translation and ORFs


@pytest.mark.parametrize("n", [1, 2, 3, 100, 101, 257])
def test_six_frames_equal_biopython(n):
    rng = random.Random(n)
    seq = rand(rng, n, "ACGTN", weights=[1, 1, 1, 1, 0.05])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no partial-codon warning
        frames = translate_frames(seq)
    rc = revcomp(seq)
    expected = {}
    for k in range(3):
        for sign, s in ((1, seq), (-1, rc)):
            part = s[k:]
            part = part[: len(part) // 3 * 3]
            expected[sign * (k + 1)] = str(Seq(part).translate()) if part else ""
    assert [f.frame for f in frames] == [1, 2, 3, -1, -2, -3]
    assert {f.frame: f.protein for f in frames} == expected
    for f in frames:  # the span on the forward strand translates to the same protein
        span = seq[f.start : f.end]
        assert len(span) == 3 * len(f.protein)
        assert str(Seq(span if f.strand == 1 else revcomp(span)).translate()) == f.protein if span else True


def test_translation_table_and_truncation():
    assert translate_frames("TGAAGA", table=2)[0].protein == "W*"  # vertebrate mitochondrial code
    assert translate_frames("TGAAGA")[0].protein == "*R"
    long = translate_frames("GCT" * 100, max_aa=10)
    assert long[0].protein == "A" * 10 and long[0].truncated and (long[0].start, long[0].end) == (0, 30)
    with pytest.raises(UserInputError, match="genetic code table 99"):
        translate_frames("ACGT", table=99)


def naive_orfs(seq: str, min_aa: int) -> set[tuple[int, int, int, str]]:
    """Every frame, codon by codon: the first ATG after a stop opens an ORF that the next stop closes."""
    n, found = len(seq), set()
    for strand, s in ((1, seq), (-1, revcomp(seq))):
        for k in range(3):
            begin = None
            for i in range(k, n - 2, 3):
                codon = s[i : i + 3]
                if begin is None and codon == "ATG":
                    begin = i
                elif begin is not None and codon in STOPS:
                    protein = str(Seq(s[begin : i + 3]).translate())[:-1]
                    if len(protein) >= min_aa:
                        lo, hi = (begin, i + 3) if strand == 1 else (n - i - 3, n - begin)
                        found.add((lo, hi, strand, protein))
                    begin = None
    return found


def test_orfs_equal_a_naive_finder():
    rng = random.Random(11)
    seq = rand(rng, 4000)
    orfs = find_orfs(seq, min_protein_length=20)
    assert {(o.start, o.end, o.strand, o.protein) for o in orfs} == naive_orfs(seq, 20)
    assert [o.length_aa for o in orfs] == sorted((o.length_aa for o in orfs), reverse=True)
    for o in orfs:
        assert o.length_nt == o.end - o.start == 3 * (o.length_aa + 1) and o.complete


def test_longest_orf_planted_on_the_minus_strand():
    rng = random.Random(7)
    gene = "ATG" + sense_codons(rng, 299) + "TAG"  # 300 aa + stop = 903 nt
    left, right = rand(rng, 1501), rand(rng, 1300)
    seq = left + revcomp(gene) + right
    orfs = find_orfs(seq)
    top = orfs[0]
    n = len(seq)
    assert (top.start, top.end, top.strand) == (1501, 1501 + 903, -1)
    assert top.frame == -((n - top.end) % 3 + 1)
    assert top.protein == str(Seq(gene).translate())[:-1] and top.length_aa == 300
    assert (
        top.protein
        == next(f for f in translate_frames(seq) if f.frame == top.frame).protein[
            (n - top.end) // 3 : (n - top.end) // 3 + 300
        ]
    )
    assert all(o.strand == 1 for o in find_orfs(seq, both_strands=False))
    assert len(find_orfs(seq, max_orfs=2)) == 2


def test_alternative_starts_and_partial_orfs():
    rng = random.Random(2)
    plain = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"]
    plain = [c for c in plain if c not in STOPS | {"ATG", "GTG", "TTG", "CTG", "ATT", "ATC", "ATA"}]
    body = "".join(rng.choices(plain, k=59))  # no stop and no start codon of table 11 in frame
    gtg = "CC" + "GTG" + body + "TAA" + "CC"
    assert not [o for o in find_orfs(gtg, table=11, min_protein_length=60) if o.start == 2]
    orf = find_orfs(gtg, table=11, alternative_starts=True, min_protein_length=60)[0]
    assert (orf.start, orf.end, orf.frame, orf.protein[0]) == (2, 185, 3, "M")
    assert orf.protein[1:] == str(Seq(body).translate(table=11))
    open_end = "ATG" + body
    assert find_orfs(open_end, min_protein_length=50) == []
    partial = find_orfs(open_end, min_protein_length=50, include_partial=True)[0]
    assert (partial.start, partial.end, partial.complete, partial.length_aa) == (0, 180, False, 60)


# ---------------------------------------------------------------- restriction sites


def test_ecori_planted_site_gives_biopython_cut():
    rng = random.Random(4)
    filler = rand(rng, 400).replace("GAATTC", "GAATTA")
    seq = filler[:100] + "GAATTC" + filler[100:]
    result = restriction_sites(seq, ["EcoRI"])
    site = result.enzymes[0]
    assert site.count == 1 and site.cuts == [101]  # G^AATTC: between seq[100] and seq[101]
    assert site.cuts == [p - 1 for p in EcoRI.search(Seq(seq))]
    assert seq[: site.cuts[0]].endswith("G") and seq[site.cuts[0] :].startswith("AATTC")
    assert result.cutters == ["EcoRI"] and result.non_cutters == []


def test_restriction_default_set_names_and_circular():
    result = restriction_sites("GGATCCAAAGGATCC", linear=True)
    assert [e.enzyme for e in result.enzymes] == list(st.DEFAULT_ENZYMES)
    assert result.cutters == ["BamHI"] and {e.enzyme: e.cuts for e in result.enzymes}["BamHI"] == [1, 10]
    assert restriction_sites("ggatccaaaGGATCC", ["bamhi"], max_positions=1).enzymes[0].model_dump() == {
        "enzyme": "BamHI", "site": "G^GATC_C", "cuts": [1], "count": 2, "truncated": True,
    }  # fmt: skip
    across = "ATTC" + "A" * 30 + "GA"  # GAATTC only across the origin
    assert restriction_sites(across, ["EcoRI"]).enzymes[0].count == 0
    assert restriction_sites(across, ["EcoRI"], linear=False).enzymes[0].cuts == [35]
    with pytest.raises(UserInputError, match="'EcoRX'"):
        restriction_sites("ACGT", ["EcoRI", "EcoRX"])


# ---------------------------------------------------------------- alignment


def test_identity_self_and_mutated_copy():
    rng = random.Random(9)
    a = rand(rng, 2000)
    same = align_identity(a, a)
    assert same.identity == 1.0 and same.coverage == 1.0 and same.score == 2 * 2000
    assert (same.a_start, same.a_end, same.b_start, same.b_end) == (0, 2000, 0, 2000)
    b = list(a)
    for i in rng.sample(range(2000), 200):
        b[i] = rng.choice([c for c in "ACGT" if c != b[i]])
    mutated = align_identity(a, "".join(b), mode="global")
    assert mutated.identity == pytest.approx(0.9, abs=0.02) and mutated.coverage > 0.95
    lines = mutated.alignment.split("\n")
    assert mutated.truncated and len(lines[0]) == len(lines[1]) == len(lines[2]) == st.ALIGNMENT_COLUMNS


def test_alignment_with_a_gap_and_local_span():
    s = align_identity("ACGTACGTTTGACCA", "ACGTCGTTTGACCA", mode="global")
    assert (s.identities, s.mismatches, s.gaps, s.aligned_length) == (14, 0, 1, 15)
    assert s.alignment == "ACGTACGTTTGACCA\n|||| ||||||||||\nACGT-CGTTTGACCA"
    assert s.score == 14 * 2 - 5
    local = align_identity("TTTTT" + "GATTACAGATTACA" + "TTTTT", "CCC" + "GATTACAGATTACA")
    assert (local.a_start, local.a_end, local.b_start, local.b_end) == (5, 19, 3, 17)
    assert local.coverage == pytest.approx(14 / 17)
    assert align_identity("AAAA", "CCCC").aligned_length == 0
    with pytest.raises(UserInputError, match="too long"):
        align_identity("A" * 10_000, "C" * 10_000)


# ---------------------------------------------------------------- input errors


@pytest.mark.parametrize(
    "call",
    [
        lambda s: sequence_stats(s),
        lambda s: reverse_complement_tool(s),
        lambda s: translate_frames(s),
        lambda s: find_orfs(s),
        lambda s: restriction_sites(s),
        lambda s: align_identity("ACGT", s),
    ],
)
def test_bad_input_errors(call):
    with pytest.raises(InvalidSequenceError, match="position 5") as info:
        call("ACGTUACGT")
    assert info.value.position == 5 and info.value.letter == "U"
    with pytest.raises(UserInputError, match="empty"):
        call("  \n")
    with pytest.raises(UserInputError, match="more than one FASTA record"):
        call(">a\nACGT\n>b\nACGT")


def test_fasta_header_is_ignored():
    assert sequence_stats(">chr1 test\nACGT\nNNAC\n").length == 8
    with pytest.raises(InvalidSequenceError, match="chr1 at position 3"):
        sequence_stats(">chr1 test\nACXT")


# ---------------------------------------------------------------- long sequences


def test_two_megabases_are_handled_fast():
    import numpy as np

    rng = np.random.default_rng(0)
    seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 2_000_000)].tobytes().decode()
    t0 = time.perf_counter()
    stats = sequence_stats(seq, max_regions=10)
    orfs = find_orfs(seq, max_orfs=10)
    cuts = restriction_sites(seq)
    seconds = time.perf_counter() - t0
    assert stats.length == 2_000_000 and len(orfs) == 10 and cuts.length == 2_000_000
    assert stats.cpg_count == seq.count("CG")
    assert {e.enzyme: e.count for e in cuts.enzymes}["EcoRI"] == seq.count("GAATTC")
    assert seconds < 20, f"2 Mb took {seconds:.1f} s"  # about 2 s on a free machine


# ---------------------------------------------------------------- LangChain tools


def test_tools_have_schemas_json_content_and_artifacts():
    tools = {t.name: t for t in sequence_tools()}
    assert set(tools) == {
        "sequence_stats", "reverse_complement", "translate_frames", "find_orfs", "restriction_sites",
        "align_identity",
    }  # fmt: skip
    for tool in tools.values():
        assert tool.description and "Args:" not in tool.description and tool.args_schema is not None
    assert "0-based" in tools["find_orfs"].description and "0-based" in tools["restriction_sites"].description
    call = {
        "type": "tool_call",
        "id": "c1",
        "name": "find_orfs",
        "args": {"sequence": "ATG" + "GCT" * 40 + "TAA"},
    }
    message = tools["find_orfs"].invoke(call)
    assert message.status == "success"
    assert json.loads(message.content)[0]["length_aa"] == 41 and message.artifact[0].length_aa == 41
    stats = json.loads(tools["sequence_stats"].invoke({"sequence": "ACGCGT"}))
    assert stats["cpg_count"] == 2


def test_tool_errors_come_back_as_text():
    tools = {t.name: t for t in sequence_tools()}
    bad = {"type": "tool_call", "id": "c2", "name": "sequence_stats", "args": {"sequence": "ACGU"}}
    message = tools["sequence_stats"].invoke(bad)
    assert message.status == "error" and "'U'" in message.content and "position 4" in message.content
    enzyme = tools["restriction_sites"].invoke({"sequence": "ACGT", "enzymes": ["NotAnEnzyme"]})
    assert "NotAnEnzyme" in enzyme
    schema = tools["find_orfs"].invoke({"sequence": "ACGT", "min_protein_length": 0})
    assert isinstance(schema, str) and "error" in schema.lower()


# ---------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def ecoli():
    from Bio import SeqIO

    path = SHARED_DATA / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz"
    if not path.is_file():
        pytest.skip(f"E. coli GenBank record not found at {path}")
    with gzip.open(path, "rt") as handle:
        return SeqIO.read(handle, "genbank")


@needs_shared_data()
@pytest.mark.data
def test_ecoli_cds_translations_equal_genbank(ecoli):
    genome = str(ecoli.seq)
    picked = {1: [], -1: []}
    for f in ecoli.features:
        q = f.qualifiers
        if f.type != "CDS" or "translation" not in q or "transl_except" in q or "pseudo" in q:
            continue
        if len(f.location.parts) != 1 or q.get("codon_start", ["1"])[0] != "1":
            continue
        strand = f.location.strand
        if len(picked[strand]) < 6:
            picked[strand].append(f)
        if all(len(v) == 6 for v in picked.values()):
            break
    starts = {str(f.extract(ecoli.seq)[:3]) for v in picked.values() for f in v}
    assert "GTG" in starts  # b0005 starts with GTG: alternative starts are exercised
    for strand, features in picked.items():
        for f in features:
            lo, hi = int(f.location.start), int(f.location.end)
            # the region begins at the start codon (on the gene's strand) and has 150 bp past the stop
            region = genome[lo : hi + 150] if strand == 1 else genome[max(lo - 150, 0) : hi]
            offset = lo if strand == 1 else max(lo - 150, 0)
            orfs = find_orfs(region, min_protein_length=10, table=11, alternative_starts=True)
            match = [o for o in orfs if o.strand == strand and (o.start + offset, o.end + offset) == (lo, hi)]
            assert match, f"{q_tag(f)}: no ORF at {lo}..{hi} on strand {strand}"
            assert match[0].protein == f.qualifiers["translation"][0], q_tag(f)


def q_tag(feature) -> str:
    return feature.qualifiers.get("locus_tag", ["?"])[0]


def test_negative_limits_and_bad_arguments_are_user_errors():
    for call in (
        lambda: sequence_stats("ACGT", max_regions=-1),
        lambda: find_orfs("ACGT", max_orfs=-1),
        lambda: find_orfs("ACGT", min_protein_length=0),
        lambda: translate_frames("ACGT", max_aa=-1),
        lambda: restriction_sites("ACGT", max_positions=-1),
        lambda: restriction_sites("ACGT", []),
        lambda: align_identity("ACGT", "ACGT", mode="semiglobal"),  # type: ignore[arg-type]
    ):
        with pytest.raises(UserInputError):
            call()
