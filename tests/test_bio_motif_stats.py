"""What a motif scan is worth (:mod:`dnahlm.bio.motif_stats`, :mod:`dnahlm.bio.motif_report`): q-values
against SciPy's Benjamini-Hochberg and against a brute-force permutation estimate, the expected hit count
against hits counted in random DNA, the dinucleotide shuffle against its definition, and one line per site
for one family, checked against JASPAR's own annotation table."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter

import numpy as np
import pytest
import scipy.stats

from dnahlm.bio.jaspar import release_database
from dnahlm.bio.motif_report import motif_report
from dnahlm.bio.motif_stats import (
    bh_q_values,
    count_tests,
    dinucleotide_shuffle,
    expected_hits,
    hit_rates,
    window_counts,
)
from dnahlm.bio.motifs import MotifScanner

CTCF_SITE = "CCGCGCCCTCTGGTGGCC"  # matches JASPAR's CTCF profile at p ~ 1e-8
EGFP = (
    "ATGGTGAGCAAGGGCGAGGAGCTGTTCACCGGGGTGGTGCCCATCCTGGTCGAGCTGGACGGCGACGTAAACGGCCACAAGTTCAGCGTGTCCGGCGAG"
    "GGCGAGGGCGATGCCACCTACGGCAAGCTGACCCTGAAGTTCATCTGCACCACCGGCAAGCTGCCCGTGCCCTGGCCCACCCTCGTGACCACCCTGACC"
    "TACGGCGTGCAGTGCTTCAGCCGCTACCCCGACCACATGAAGCAGCACGACTTCTTCAAGTCCGCCATGCCCGAAGGCTACGTCCAGGAGCGCACCATC"
    "TTCTTCAAGGACGACGGCAACTACAAGACCCGCGCCGAGGTGAAGTTCGAGGGCGACACCCTGGTGAACCGCATCGAGCTGAAGGGCATCGACTTCAAG"
    "GAGGACGGCAACATCCTGGGGCACAAGCTGGAGTACAACTACAACAGCCACAACGTCTATATCATGGCCGACAAGCAGAAGAACGGCATCAAGGTGAAC"
    "TTCAAGATCCGCCACAACATCGAGGACGGCAGCGTGCAGCTCGCCGACCACTACCAGCAGAACACCCCCATCGGCGACGGCCCCGTGCTGCTGCCCGAC"
    "AACCACTACCTGAGCACCCAGTCCGCCCTGAGCAAAGACCCCAACGAGAAGCGCGATCACATGGTCCTGCTGGAGTTCGTGACCGCCGCCGGGATCACT"
    "CTCGGCATGGACGAGCTGTACAAGTAA"
)


@pytest.fixture(scope="module")
def scanner() -> MotifScanner:
    return MotifScanner.from_jaspar()


def _random(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ACGT") for _ in range(n))


def _pairs(s: str) -> Counter:
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


# ----------------------------------------------------------------------------- the shuffle


@pytest.mark.parametrize("seed", range(5))
def test_the_shuffle_keeps_every_dinucleotide_count_and_both_ends(seed):
    rng = random.Random(seed)
    s = _random(rng, 400) + "CGCGCGNNNNAT" + "A" * 30
    t = dinucleotide_shuffle(s, random.Random(seed + 100))
    assert _pairs(t) == _pairs(s) and Counter(t) == Counter(s)
    assert t[0] == s[0] and t[-1] == s[-1]
    assert t != s  # a 450 bp sequence has astronomically many shuffles


def test_the_shuffle_is_seeded_and_reaches_many_orders():
    s = "ACGTTGCAACGGTACCATGCA"
    assert dinucleotide_shuffle(s, random.Random(3)) == dinucleotide_shuffle(s, random.Random(3))
    seen = {dinucleotide_shuffle(s, random.Random(i)) for i in range(200)}
    assert len(seen) > 20 and all(_pairs(x) == _pairs(s) for x in seen)


# ----------------------------------------------------------------------------- multiple testing


def test_q_values_are_scipys_benjamini_hochberg_over_every_test():
    rng = np.random.default_rng(0)
    tests = 5_000
    p_all = rng.uniform(size=tests)
    p_all[:40] = rng.uniform(0, 1e-4, size=40)  # some real signal
    cut = 1e-3
    hits = p_all[p_all <= cut]
    ours = bh_q_values(hits, tests)
    theirs = scipy.stats.false_discovery_control(p_all, method="bh")[p_all <= cut]
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ((ours <= 0.05) == (theirs <= 0.05)).all() and (ours <= 0.05).sum() >= 30


def test_windows_and_tests_are_counted_without_windows_over_an_n(scanner):
    seq = "ACGT" * 10 + "N" + "ACGT" * 5  # 61 bp, an N at position 40
    counts = window_counts(scanner, [seq])
    for i, length in enumerate(scanner.lengths[:50]):
        brute = sum("N" not in seq[j : j + length] for j in range(len(seq) - length + 1))
        assert counts[i] == brute
    assert count_tests(scanner, [seq]) == 2 * sum(
        sum("N" not in seq[j : j + w] for j in range(len(seq) - w + 1)) for w in scanner.lengths.tolist()
    )


@pytest.mark.parametrize("p_value", [1e-4, 1e-5])
def test_the_expected_count_matches_hits_counted_in_random_dna(scanner, p_value):
    """60 random 1 kb sequences (uniform bases, the scanner's background): hits at the cut within 4% of the
    expected count (about 10,000 hits at 1e-4, 730 at 1e-5: Poisson spread 1% and 3.7%)."""
    rng = random.Random(11)
    seqs = [_random(rng, 1000) for _ in range(60)]
    observed = len(scanner.scan_table(seqs, p_value=p_value))
    expected = expected_hits(scanner, seqs, p_value)
    assert abs(observed - expected) <= 4 * np.sqrt(expected) + 0.02 * expected, (observed, expected)


def _permutation_q(scanner: MotifScanner, query: str, p_hits: np.ndarray, copies: int = 60) -> np.ndarray:
    """The permutation estimate of each hit's false-discovery rate: hits at least as strong per permuted
    copy of the query (its letters shuffled), over the hits at least as strong in the query itself."""
    rng = random.Random(7)
    letters = list(query)
    null = []
    for _ in range(copies):
        rng.shuffle(letters)
        null.append("".join(letters))
    null_p = np.sort(scanner.scan_table(null, p_value=1e-4).p_value)
    sorted_hits = np.sort(p_hits)
    out = []
    for p in p_hits:
        per_copy = np.searchsorted(null_p, p, side="right") / copies
        rank = np.searchsorted(sorted_hits, p, side="right")
        out.append(min(1.0, per_copy / rank))
    return np.array(out)


def test_q_values_agree_with_a_brute_force_permutation_estimate(scanner):
    rng = random.Random(5)
    query = _random(rng, 200) + CTCF_SITE + _random(rng, 200) + CTCF_SITE + _random(rng, 200)
    report = motif_report(scanner, query, top=500, shuffles=0)
    p = np.array([h.p_value for h in report.hits])
    q = np.array([h.q_value for h in report.hits])
    perm = _permutation_q(scanner, query, p)
    significant = q <= 0.05
    assert significant.sum() >= 2  # the two planted CTCF sites
    assert (perm[significant] <= 0.05).all()  # what BH calls significant, permutations do too
    assert (perm[~significant & (q >= 0.5)] > 0.05).all()  # what BH clearly rejects, permutations do too
    assert (perm <= q + 0.05).all()  # BH is the conservative of the two


def test_random_dna_has_no_significant_motif_and_planted_sites_do(scanner):
    rng = random.Random(9)
    for _ in range(5):
        r = motif_report(scanner, _random(rng, 720), shuffles=0)
        assert r.significant == 0 and r.total_hits > 50
        assert r.lead().startswith("No motif is significant after correction for 1,4")
        assert r.candidates() and all(s.q_value > 0.05 for s in r.candidates())
    planted = motif_report(scanner, _random(rng, 300) + CTCF_SITE + _random(rng, 300), shuffles=0)
    assert planted.significant >= 1 and "CTCF" in planted.lead().split(":")[1].split(";")[0]


def test_enrichment_is_judged_against_the_querys_own_shuffles(scanner):
    """A pure (CA)n repeat has only one dinucleotide-preserving order, so its shuffles are itself: many hits
    against a uniform background, none beyond its own background. Planted CTCF sites are enriched."""
    repeat = motif_report(scanner, "CA" * 150, shuffles=10)
    e = repeat.enrichment
    assert e is not None and e.background == "dinucleotide-shuffled" and e.sequences == 10
    assert repeat.total_hits > repeat.expected_hits
    assert e.background_mean == e.observed == repeat.total_hits and e.p_value == 1.0 and not e.enriched
    rng = random.Random(8)
    planted = "".join(_random(rng, 60) + CTCF_SITE for _ in range(8))
    r = motif_report(scanner, planted, shuffles=20)
    ctcf_here, ctcf_shuffled, corrected = r.enrichment.per_name["CTCF"]
    assert ctcf_here >= 8 and ctcf_shuffled < 2
    names = len(r.enrichment.per_name)
    ctcf_profiles = [i for i, prof in enumerate(scanner.profiles) if prof.name == "CTCF"]
    lam = max(
        ctcf_shuffled,
        0.5 / 20,
        2 * float(window_counts(scanner, [planted])[ctcf_profiles] @ hit_rates(scanner, 1e-4)[ctcf_profiles]),
    )
    tail = 1 - scipy.stats.poisson.cdf(ctcf_here - 1, lam)  # computed here with SciPy
    assert corrected == pytest.approx(min(1.0, names * tail), rel=1e-6)
    assert "CTCF" in r.enrichment.enriched_names() and "Enriched against them" in r.chance()
    random_dna = motif_report(scanner, _random(rng, 600), shuffles=20).enrichment
    assert not random_dna.enriched_names()


# ----------------------------------------------------------------------------- one line per site


def _families() -> dict[str, str]:
    """JASPAR's family annotation of each versioned matrix id, read straight from pyjaspar's database."""
    with sqlite3.connect(release_database()) as conn:
        rows = conn.execute(
            "SELECT m.BASE_ID || '.' || m.VERSION, a.VAL FROM MATRIX m JOIN MATRIX_ANNOTATION a "
            "ON a.ID = m.ID WHERE a.TAG = 'family'"
        ).fetchall()
    return dict(rows)


def test_one_ap2_site_in_egfp_is_one_line_naming_each_family_member(scanner):
    ap2 = scanner.subset(["TFAP2A", "TFAP2C"])
    hits = ap2.scan(EGFP)
    families = _families()
    assert {families[h.motif_id] for h in hits} == {"AP-2"}
    # a site both profiles hit (overlapping by half the shorter), found here by brute force
    shared = [
        (a, b)
        for a in hits
        for b in hits
        if a.name == "TFAP2A"
        and b.name == "TFAP2C"
        and min(a.end, b.end) - max(a.start, b.start) >= 0.5 * min(a.end - a.start, b.end - b.start)
    ]
    assert shared
    report = motif_report(scanner, EGFP, top=200, shuffles=0)
    lines = [s for s in report.sites if {"TFAP2A", "TFAP2C"} <= set(s.names)]
    a, b = shared[0]
    assert any(s.start <= max(a.start, b.start) < s.end and s.family == "AP-2" for s in lines)
    for i, s in enumerate(report.sites):  # no two lines for one site of one family
        for t in report.sites[i + 1 :]:
            overlap = min(s.end, t.end) - max(s.start, t.start)
            same = (s.family or s.names[0]) == (t.family or t.names[0])
            assert not (same and overlap >= 0.5 * min(s.end - s.start, t.end - t.start)), (s, t)


def test_the_report_numbers_are_the_ones_the_agent_answers_with(scanner):
    from dnahlm.agents.motif_tool import scan_result

    rng = random.Random(4)
    seq = _random(rng, 720)
    a = scan_result(scanner, seq, top=10)
    b = motif_report(scanner, seq, top=10)
    assert a.model_dump() == b.model_dump()
    assert a.tests == count_tests(scanner, [seq]) and a.total_hits == sum(a.counts.values())
    assert "Benjamini-Hochberg" in a.convention and "uniform base frequencies" in a.convention
