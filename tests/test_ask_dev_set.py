"""The independent ask_dev evaluation set (benchmarks/ask_dev): it builds, covers every family and shape, its
expected values agree with independent hand calculations, and its checker grades hand-written answers right.

Needs ../shared/data (skipped when absent). No dnahlm code is involved: the set and its checker are standalone.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

pytestmark = pytest.mark.skipif(
    not (DATA / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz").is_file(),
    reason=f"shared data folder not found at {DATA}",
)

from ask_dev import items as I  # noqa: E402
from ask_dev.check import check, first_sentence, numbers  # noqa: E402

E = I.Expect


@pytest.fixture(scope="module")
def records():
    return I.build_records(DATA)


@pytest.fixture(scope="module")
def by_family(records):
    out: dict[str, list] = {}
    for item, ops in records:
        out.setdefault(item.family, []).append((item, ops))
    return out


# ----------------------------------------------------------------------------------------------------------
# Independent helpers (plain Python, no Biopython)

_PAIR = {"A": "T", "T": "A", "G": "C", "C": "G"}
_CODE = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"  # standard code, TCAG order
_CODONS = {a + b + c: _CODE[16 * i + 4 * j + k] for i, a in enumerate("TCAG") for j, b in enumerate("TCAG")
           for k, c in enumerate("TCAG")}  # fmt: skip


def rc(s: str) -> str:
    return "".join(_PAIR[x] for x in reversed(s))


def aa(dna: str) -> str:
    return "".join(_CODONS[dna[i : i + 3]] for i in range(0, len(dna) - 2, 3))


def aa_to_stop(dna: str) -> str:
    return aa(dna).split("*")[0]


def orf_lengths(seq: str) -> list[int]:
    """Complete ORFs (first M after a stop, to the next stop), both strands, via six-frame translation."""
    out = []
    for s in (seq, rc(seq)):
        for f in range(3):
            segments = aa(s[f:]).split("*")
            for seg in segments[:-1]:  # the last segment has no stop
                if "M" in seg:
                    out.append(len(seg) - seg.index("M"))
    return out


# hand-written cut offsets (top strand, after this many bases of the site) for plain palindromic sites
HAND_ENZ = {"EcoRI": ("GAATTC", 1), "BamHI": ("GGATCC", 1), "HindIII": ("AAGCTT", 1), "PstI": ("CTGCAG", 5),
            "SmaI": ("CCCGGG", 3), "EcoRV": ("GATATC", 3), "KpnI": ("GGTACC", 5), "SacI": ("GAGCTC", 5),
            "NdeI": ("CATATG", 2), "XhoI": ("CTCGAG", 1), "SalI": ("GTCGAC", 1), "PvuII": ("CAGCTG", 3),
            "ScaI": ("AGTACT", 3), "NcoI": ("CCATGG", 1), "SphI": ("GCATGC", 5), "ApaI": ("GGGCCC", 5),
            "NheI": ("GCTAGC", 1), "PvuI": ("CGATCG", 4), "MluI": ("ACGCGT", 1), "AatII": ("GACGTC", 5),
            "BglII": ("AGATCT", 1), "DraI": ("TTTAAA", 3), "SspI": ("AATATT", 3), "HpaI": ("GTTAAC", 3),
            "StuI": ("AGGCCT", 3), "NruI": ("TCGCGA", 3), "AflII": ("CTTAAG", 1), "MfeI": ("CAATTG", 1),
            "SpeI": ("ACTAGT", 1), "AgeI": ("ACCGGT", 1), "NsiI": ("ATGCAT", 5), "BsrGI": ("TGTACA", 1),
            "AvrII": ("CCTAGG", 1), "SacII": ("CCGCGG", 4)}  # fmt: skip


def hand_cuts(seq: str, enzymes, circular: bool) -> list[int]:
    """0-based cut offsets (between seq[p-1] and seq[p])."""
    cuts = set()
    n = len(seq)
    s = seq + seq[:20] if circular else seq
    for e in enzymes:
        site, off = HAND_ENZ[e]
        for i in range(n if circular else n - len(site) + 1):
            if s[i : i + len(site)] == site:
                cuts.add((i + off) % n if circular else i + off)
    return sorted(cuts)


def hand_fragments(n: int, cuts: list[int], circular: bool) -> list[int]:
    if circular:
        return [(cuts[(k + 1) % len(cuts)] - c) % n or n for k, c in enumerate(cuts)]
    bounds = [0, *cuts, n]
    return [b - a for a, b in itertools.pairwise(bounds) if b > a]


# ----------------------------------------------------------------------------------------------------------
# The set as a whole


def test_set_size_ids_families_and_shapes(records):
    items = [it for it, _ in records]
    assert len(items) >= 300
    assert len({it.id for it in items}) == len(items)
    fams, shapes = Counter(it.family for it in items), Counter(it.shape for it in items)
    assert set(fams) == set(I.FAMILIES) and min(fams.values()) >= 12, fams
    assert set(shapes) == set(I.SHAPES), shapes
    assert all(shapes[s] >= 40 for s in ("forum", "protocol", "textbook", "notebook")), shapes


def test_expectations_are_well_formed(records):
    for it, _ in records:
        ex = it.expect
        assert it.question.strip() and ex.tol >= 0, it.id
        if ex.kind in ("number", "count"):
            assert isinstance(ex.value, float) and all(isinstance(a, float) for a in ex.also), it.id
        elif ex.kind == "verdict":
            assert ex.value in ("yes", "no"), it.id
        elif ex.kind == "choice":
            assert isinstance(ex.value, str) and ex.value, it.id
        elif ex.kind == "sequence":
            assert re.fullmatch(r"[A-Z*]+", ex.value), it.id
        else:
            assert ex.kind == "ask_back" and ex.value and all(isinstance(k, str) for k in ex.value), it.id
    verdicts = Counter(it.expect.value for it, _ in records if it.expect.kind == "verdict")
    assert verdicts["yes"] >= 5 and verdicts["no"] >= 5, verdicts


def test_operands_are_realistic(records):
    for it, _ in records:
        for s in it.sequences:
            assert 18 <= len(s) <= 7000, it.id
        assert len(it.question) <= 8000, it.id


def test_a_family_is_deterministic():
    d = I._load(str(DATA.resolve()))
    runs = []
    for _ in range(2):
        b = I._Builder(d)
        I._gc(b)
        runs.append([(it.question, it.expect) for it, _ in b.records])
    assert runs[0] == runs[1]


# ----------------------------------------------------------------------------------------------------------
# Expected values re-derived independently


def test_gc_by_hand(by_family):
    assert I.gc_percent("GGCCAATT") == 50.0  # 4 of 8
    assert round(I.gc_percent("GCGCGCAT"), 2) == 75.0  # 6 of 8
    for it, ops in by_family["gc"]:
        s = ops["seq"].upper().replace("U", "T")
        assert abs(100 * (s.count("G") + s.count("C")) / len(s) - it.expect.value) < 0.01, it.id


def test_ecori_digest_of_a_constructed_sequence():
    seq = "AAAA" + "GAATTC" + "T" * 10 + "GAATTC" + "CCCC"  # sites at 4 and 20, cut after the G
    assert I.digest(seq, ["EcoRI"], circular=False) == [5, 16, 9]
    assert I.digest(seq, ["EcoRI"], circular=True) == [16, 14]
    # a site spanning the origin of a circle
    circ = "ATTC" + "G" * 20 + "GA"
    assert I.digest(circ, ["EcoRI"], circular=True) == [26]
    assert I.digest(circ, ["EcoRI"], circular=False) == [26]


def test_digest_items_by_hand(records):
    checked = 0
    for it, ops in records:
        if it.family != "digest" or not all(e in HAND_ENZ for e in ops["enzymes"]):
            continue
        cuts = hand_cuts(ops["seq"], ops["enzymes"], ops["circular"])
        frags = hand_fragments(len(ops["seq"]), cuts, ops["circular"])
        assert sorted(frags) == sorted(ops["sizes"]), it.id
        if it.expect.kind == "count":
            assert it.expect.value == len(frags), it.id
        else:
            assert it.expect.value in (max(frags), min(frags)), it.id
        checked += 1
    assert checked >= 10


def test_pcr_products_by_hand(by_family):
    for it, ops in by_family["pcr_product"]:
        t, f, r = ops["template"], ops["fwd"], ops["rev"]
        i = t.find(f[-15:])
        # extend the 15-nt 3' match towards the 5' end of the primer; the rest is a tail
        k = 15
        while k < len(f) and i - 1 >= 0 and t[i - 1] == f[-k - 1]:
            i, k = i - 1, k + 1
        tail_f = len(f) - k
        rr = rc(r)
        j = t.find(rr[:15]) + 15
        m = 15
        while m < len(rr) and j < len(t) and t[j] == rr[m]:
            j, m = j + 1, m + 1
        tail_r = len(rr) - m
        assert j - i + tail_f + tail_r == it.expect.value, it.id
        if it.id == "pcr_product-001":
            assert f in it.question and r in it.question


def test_tm_rules_by_hand(by_family):
    assert I.tm_wallace("ATGCATGCATGCATGCAT") == 2 * 10 + 4 * 8
    seen = set()
    for it, ops in by_family["tm"]:
        p = ops["primer"]
        at, gc = p.count("A") + p.count("T"), p.count("G") + p.count("C")
        if ops["method"] == "wallace":
            assert it.expect.value == 2 * at + 4 * gc, it.id
        elif ops["method"] == "basic":
            assert abs(it.expect.value - (64.9 + 41 * (gc - 16.4) / len(p))) < 0.01, it.id
        else:
            assert 45 < it.expect.value < 90, it.id
        seen.add(ops["method"])
    assert {"wallace", "basic"} <= seen


def test_orfs_by_six_frame_translation(by_family):
    seq = "CC" + "ATG" + "AAA" * 5 + "TAA" + "GG"  # one 6-aa ORF on the top strand
    assert max(o.aa for o in I.find_orfs(seq)[0]) == 6
    for it, ops in by_family["orf_longest"]:
        n = max(orf_lengths(ops["seq"]))
        unit = it.expect.unit
        assert it.expect.value == {"aa": n, "bp": 3 * n + 3, "codons": n + 1}[unit], it.id
    for it, ops in by_family["orf_count"]:
        assert it.expect.value == sum(x > ops["min_aa"] for x in orf_lengths(ops["seq"])), it.id


def test_translation_residues_and_strands_by_hand(by_family):
    for it, ops in by_family["translate"]:
        s = ops["seq"].replace("U", "T")
        prot = it.expect.value
        if "reverse (bottom) strand" in it.question:
            assert any(prot == aa_to_stop(rc(s)[i:]) for i in range(len(s)) if rc(s)[i : i + 3] == "ATG"), (
                it.id
            )
        elif "frame" in it.question and "{" not in it.question:
            fr = int(re.search(r"frame \+?(\d)", it.question).group(1))
            assert prot == aa(s[fr - 1 :]), it.id
        else:
            start = s.find("ATG")
            assert prot == aa_to_stop(s[start:]), it.id
    for it, ops in by_family["residue"]:
        assert it.expect.value == aa_to_stop(ops["seq"])[ops["position"] - 1], it.id
        assert str(ops["position"]) in it.question


def test_revcomp_and_transcription_by_hand(by_family):
    for it, ops in by_family["revcomp"]:
        assert it.expect.value == rc(ops["seq"]), it.id
    for it, ops in by_family["transcribe"]:
        shown = ops["seq"]
        coding = {"coding": shown, "template53": rc(shown), "template35": "".join(_PAIR[x] for x in shown)}
        assert it.expect.value == coding[ops["strand"]].replace("T", "U"), it.id


def test_protein_mass_by_residue_table(by_family):
    avg = {"A": 71.0788, "R": 156.1875, "N": 114.1038, "D": 115.0886, "C": 103.1388, "E": 129.1155,
           "Q": 128.1307, "G": 57.0519, "H": 137.1411, "I": 113.1594, "L": 113.1594, "K": 128.1741,
           "M": 131.1926, "F": 147.1766, "P": 97.1167, "S": 87.0782, "T": 101.1051, "W": 186.2132,
           "Y": 163.1760, "V": 99.1326}  # fmt: skip
    assert abs(I.protein_mass_kda("GG") * 1000 - (2 * 57.0519 + 18.01524)) < 0.05  # glycylglycine, 132.12 Da
    for it, ops in by_family["protein_mass"]:
        p = ops["protein"]
        assert abs(it.expect.value - (sum(avg[x] for x in p) + 18.01524) / 1000) < 0.01, it.id
        base = aa_to_stop(ops["seq"]) if set(ops["seq"]) <= set("ACGT") else ops["seq"]
        if "pET-28a" in it.question:
            assert p == "MGSSHHHHHHSSGLVPRGSH" + base, it.id
        elif "His" in it.question:
            assert p == base + "HHHHHH", it.id
        else:
            assert p == base, it.id


def test_pi_is_sane(by_family):
    acidic, basic = I.protein_pi("DDDDEEEE"), I.protein_pi("KKKKRRRR")
    assert acidic[0] <= 4.06 and max(acidic[1]) < 4 and min(basic[1]) > 9.5 and basic[0] > 9.5
    for it, _ in by_family["protein_pi"]:
        assert 4.1 < it.expect.value < 12, it.id  # Biopython's pI search does not go below pH 4.05
        assert all(abs(a - it.expect.value) < 1.5 for a in it.expect.also), it.id


def test_mutations_and_premature_stops_by_hand(by_family):
    for it, ops in by_family["mutation"]:
        ref, mut = ops["seq"], ops["mutant"]
        if len(mut) != len(ref):
            assert it.expect.value == "frameshift", it.id
            continue
        (pos,) = [i for i in range(len(ref)) if ref[i] != mut[i]]
        c = pos // 3
        a, b = _CODONS[ref[3 * c : 3 * c + 3]], _CODONS[mut[3 * c : 3 * c + 3]]
        want = "synonymous" if a == b else "nonsense" if b == "*" else "missense"
        assert it.expect.value == want, it.id
    for it, ops in by_family["premature_stop"]:
        n_ref, n_mut = len(aa_to_stop(ops["seq"])), len(aa_to_stop(ops["mutant"]))
        if it.expect.kind == "verdict":
            assert it.expect.value == ("yes" if n_mut < n_ref else "no"), it.id
        else:
            assert it.expect.value == n_mut + 1, it.id


def test_pattern_counts_by_hand(by_family):
    sets = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "N": "ACGT"}

    def count(seq, pat):
        return sum(
            all(seq[i + j] in sets[p] for j, p in enumerate(pat)) for i in range(len(seq) - len(pat) + 1)
        )

    def rc_pat(pat):
        comp = {"A": "T", "C": "G", "G": "C", "T": "A", "R": "Y", "Y": "R", "S": "S", "W": "W", "N": "N"}
        return "".join(comp[x] for x in reversed(pat))

    for it, ops in by_family["pattern_count"]:
        s, pat = ops["seq"], ops["pattern"]
        if ops["strands"] == "top":
            want = count(s, pat)
        elif ops["strands"] == "sites":
            assert rc_pat(pat) == pat
            want = count(s, pat)
        else:
            want = count(s, pat) + count(s, rc_pat(pat))
        assert it.expect.value == want, it.id


def test_identity_of_substitution_only_pairs(by_family):
    n = 0
    for it, ops in by_family["identity"]:
        a, b = ops["a"], ops["b"]
        if len(a) == len(b):
            same = sum(x == y for x, y in zip(a, b, strict=True))
            assert abs(it.expect.value - 100 * same / len(a)) < 0.01, it.id
            n += 1
    assert n >= 5


def test_cutters_and_choices_by_hand(by_family):
    for it, ops in by_family["cutters"]:
        e = ops["enzyme"]
        if e in HAND_ENZ:
            n = len(hand_cuts(ops["seq"], [e], ops["circular"]))
            if it.expect.kind == "verdict":
                assert it.expect.value == ("yes" if n == 1 else "no"), it.id
            else:
                assert n == 1 and e in it.expect.also, it.id
    for it, ops in by_family["choice"]:
        if "EcoRI site" in it.question or "recognition site for EcoRI" in it.question:
            hits = [k for k, s in enumerate(ops["options"]) if "GAATTC" in s]
            assert len(hits) == 1 and it.expect.also == (ops["options"][hits[0]],), it.id
        if "highest GC" in it.question:
            gcs = [(s.count("G") + s.count("C")) / len(s) for s in ops["options"]]
            assert it.expect.also == (ops["options"][gcs.index(max(gcs))],), it.id


def test_primer_design_ranges_match_the_question(by_family):
    for it, _ in by_family["primer_design_constraint"]:
        lo, hi = it.expect.value - it.expect.tol, it.expect.value + it.expect.tol
        m = re.search(r"(\d+)\s*(?:-|and)\s*(\d+) bp", it.question)
        if m:
            assert (lo, hi) == (float(m.group(1)), float(m.group(2))), it.id
        else:
            n = float(re.search(r"~\s*(\d+)\s*bp|around (\d+) bp", it.question).group(1) or 0) or None
            assert n is None or lo < n < hi, it.id


def test_chain_gc_and_ask_backs(by_family):
    for it, ops in by_family["chain"]:
        if ops["kind"] == "pcr_gc":
            p = ops["product"]
            assert abs(it.expect.value - 100 * (p.count("G") + p.count("C")) / len(p)) < 0.01, it.id
            assert p.startswith(ops["fwd"]) and p.endswith(rc(ops["rev"])), it.id
    for it, _ in by_family["ask_back"]:
        assert it.expect.kind == "ask_back" and len(it.expect.value) >= 1


# ----------------------------------------------------------------------------------------------------------
# Checker on hand-written answers

CASES = [
    # (answer, expect, strict, lenient)
    ("The GC content is 52.3%.", E("number", 52.34, 0.5, "%"), True, True),
    ("GC fraction = 0.523", E("number", 52.34, 0.5, "%"), True, True),
    ("GC content: 47.1%", E("number", 52.34, 0.5, "%"), False, False),
    ("Approx. 45.2 kDa (45,213 Da).", E("number", 45.213, 0.05, "kDa"), True, True),
    ("The protein weighs 45,213 Da.", E("number", 45.213, 0.05, "kDa"), True, True),
    ("It is 44 kDa.", E("number", 45.213, 0.05, "kDa"), False, False),
    ("Tm = −3.5 °C", E("number", -3.5, 0.1, "°C"), True, True),
    ("The product is 1,234 bp long.", E("number", 1234.0, 0.0, "bp"), True, True),
    ("Product: 500bp", E("number", 500.0, 0.0, "bp"), True, True),
    ("Here is the result.\n\nThe largest band is 2,686 bp", E("number", 2686.0, 0.0, "bp"), False, True),
    ("You will get three fragments: 1,200, 800 and 686 bp.", E("count", 3.0), True, True),
    ("There are two ORFs.", E("count", 2.0), True, True),
    ("There are 4 ORFs.", E("count", 3.0), False, False),
    ("Yes, NdeI cuts once.", E("verdict", "yes"), True, True),
    ("**No** - the clone is fine.", E("verdict", "no"), True, True),
    ("It cuts once, so yes.", E("verdict", "yes"), False, True),
    ("No, it cuts twice.", E("verdict", "yes"), False, False),
    ("The answer is B.", E("choice", "B", also=("EcoRI",)), True, True),
    ("Option (C).", E("choice", "B"), False, False),
    ("EcoRI is the single cutter.", E("choice", "B", also=("EcoRI",)), True, True),
    ("Residue 57 is Leu (L).", E("choice", "L", also=("Leu", "leucine")), True, True),
    ("Position 57 is isoleucine.", E("choice", "L", also=("Leu", "leucine")), False, False),
    ("This is a missense mutation (non-synonymous).", E("choice", "missense"), True, True),
    ("This is a non-synonymous change.", E("choice", "synonymous"), False, False),
    ("A silent (synonymous) change.", E("choice", "synonymous"), True, True),
    ("Could be missense or nonsense.", E("choice", "nonsense"), False, True),
    ("A frameshift; it also creates a premature stop.", E("choice", "frameshift"), True, True),
    ("Reverse complement:\nACGTACGTAC\nGGTT", E("sequence", "ACGTACGTACGGTT"), True, True),
    ("The reverse complement is 5'-acgtacgtac ggtt-3'.", E("sequence", "ACGTACGTACGGTT"), True, True),
    ("The reverse complement is ACGTACGTACGGTTA.", E("sequence", "ACGTACGTACGGTT"), False, False),
    ("mRNA: 5'-ACGUACGU-3'", E("sequence", "ACGUACGU"), True, True),
    ("mRNA: 5'-ACGTACGT-3'", E("sequence", "ACGUACGU"), False, False),
    ("Protein: MKVLAG* (6 aa).", E("sequence", "MKVLAG"), True, True),
    ("Protein: MKVLAGQ", E("sequence", "MKVLAG"), False, False),
    ("Which enzyme do you want to use?", E("ask_back", ["enzyme"]), True, True),
    ("I need the enzyme.", E("ask_back", ["enzyme"]), False, False),
    ("Traceback (most recent call last): 3", E("count", 3.0), False, False),
    ("1 validation error. Field required? enzyme", E("ask_back", ["enzyme"]), False, False),
]


@pytest.mark.parametrize("answer, expect, want_strict, want_lenient", CASES)
def test_checker_on_hand_written_answers(answer, expect, want_strict, want_lenient):
    assert check(answer, expect) == (want_strict, want_lenient)


def test_checker_ignores_a_repeated_size_range():
    ex = E("number", 150.0, 50.0, "bp")
    q = "Design primers for a 100-200 bp product on this template: ACGT"
    assert check("Here is a pair for a 100-200 bp product: F ACGTACGT, R TTGGCCAA.", ex, q) == (False, False)
    assert check("F ACGTACGT and R TTGGCCAA give a 168 bp product (within 100–200 bp).", ex, q) == (
        True,
        True,
    )


def test_sentences_and_numbers():
    assert first_sentence("It is 45.2 kDa. Next.") == "It is 45.2 kDa."
    assert first_sentence("Approx. 3 bands. Then") == "Approx. 3 bands."
    assert numbers("1,234 bp and −2.5 and pUC19") == [1234.0, -2.5]
