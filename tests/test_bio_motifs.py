"""The vectorised motif scanner (:mod:`dnahlm.bio.motifs`) against Biopython's Bio.motifs, planted sites, N
handling, chunking; the agent's tool around it is tested in ``test_agents_motif_tool.py``."""

from __future__ import annotations

import itertools
import random
import warnings

import numpy as np
import pytest

from dnahlm.bio.jaspar import UNIFORM, as_background, compile_profile, load_profiles
from dnahlm.bio.motif_hits import best_hits, hit_counts
from dnahlm.bio.motifs import MotifScanner
from dnahlm.errors import ConfigError, InvalidSequenceError, UserInputError
from dnahlm.examples import GLUT5_PROMOTER_300
from dnahlm.sequences import reverse_complement

# lengths 6 to 31: every length bucket is used (Arnt, TBP, SP1, CTCF, CTCF long, FOXA1, NR3C1)
IDS = ("MA0004", "MA0108", "MA0079", "MA0139", "MA1929", "MA0148", "MA0113")


def random_dna(n: int, seed: int, gc: float = 0.5) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices("ACGT", weights=[1 - gc, gc, gc, 1 - gc], k=n))


def with_ns(seq: str, seed: int, k: int = 6) -> str:
    rng = random.Random(seed)
    letters = list(seq)
    for i in rng.sample(range(len(seq)), k):
        letters[i] = "N"
    return "".join(letters)


@pytest.fixture(scope="module")
def profiles():
    return load_profiles(ids=IDS)


@pytest.fixture(scope="module")
def scanner(profiles):
    return MotifScanner(profiles)


@pytest.fixture(scope="module")
def bio_motifs():
    from pyjaspar import jaspardb

    db = jaspardb()
    try:
        return [db.fetch_motif_by_id(i) for i in IDS]
    finally:
        db.conn.close()


def bio_pssm(motif, pseudocounts, background):
    """Biopython's PSSM with the scanner's conventions (total pseudocount spread by the background)."""
    bg = dict(zip("ACGT", as_background(background), strict=True))
    if pseudocounts == "sqrt":
        from Bio.motifs.jaspar import calculate_pseudocounts

        motif.background = bg
        motif.pseudocounts = calculate_pseudocounts(motif)
    else:
        motif.background = bg
        motif.pseudocounts = {b: pseudocounts * bg[b] for b in "ACGT"}
    return motif.pssm


SEQUENCES = {
    "glut5": GLUT5_PROMOTER_300,
    "random": random_dna(400, 1),
    "random-gc-with-n": with_ns(random_dna(400, 2, gc=0.65), 3),
}


@pytest.mark.parametrize(
    ("pseudocounts", "background"), [(0.8, None), ("sqrt", None), (0.8, 0.62), (1.0, (0.3, 0.2, 0.2, 0.3))]
)
@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_every_score_equals_biopython(profiles, bio_motifs, name, pseudocounts, background):
    seq = SEQUENCES[name]
    scanner = MotifScanner(profiles, pseudocounts=pseudocounts, background=background)
    ours = scanner.scores(seq)
    assert ours.shape == (2, len(profiles), len(seq))
    for p, motif in enumerate(bio_motifs):
        assert motif.matrix_id == profiles[p].motif_id
        pssm = bio_pssm(motif, pseudocounts, background)
        n = len(seq) - motif.length + 1
        for strand, matrix in ((0, pssm), (1, pssm.reverse_complement())):
            theirs = np.asarray(matrix.calculate(seq), dtype=np.float64)
            np.testing.assert_allclose(ours[strand, p, :n], theirs, atol=1e-4, equal_nan=True)
            assert np.isnan(ours[strand, p, n:]).all()  # windows running off the end


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_hits_above_a_score_are_biopythons_search(profiles, bio_motifs, scanner, name):
    seq = SEQUENCES[name]
    rel = 0.75
    hits = scanner.scan(seq, p_value=None, rel_score=rel)
    for p, motif in enumerate(bio_motifs):
        c = compile_profile(profiles[p])
        cut = c.min_score + rel * (c.max_score - c.min_score)
        pssm = bio_pssm(motif, 0.8, None)
        theirs = {
            (int(pos) if pos >= 0 else int(pos) + len(seq), 1 if pos >= 0 else -1): float(score)
            for pos, score in pssm.search(seq, threshold=cut, both=True)
        }
        ours = {(h.start, h.strand): h.score for h in hits if h.motif_id == motif.matrix_id}
        for key in set(ours) ^ set(theirs):  # only float noise right at the threshold may differ
            assert abs(ours.get(key, theirs.get(key)) - cut) < 1e-4
        for key in set(ours) & set(theirs):
            assert ours[key] == pytest.approx(theirs[key], abs=1e-4)
    assert len(hits) > 10


@pytest.mark.parametrize(("resolution", "worst"), [(0.01, 0.25), (0.002, 0.05)])
@pytest.mark.parametrize("background", [UNIFORM, (0.2, 0.3, 0.3, 0.2)])
def test_p_values_match_exhaustive_enumeration(profiles, background, resolution, worst):
    """P-values are exact for the rounded matrix; k-mers scoring within rounding of a site blur them a little."""
    c = compile_profile(profiles[1], background=background, resolution=resolution)  # TBP: all 16,384 7-mers
    kmers = np.array(list(itertools.product(range(4), repeat=c.profile.length)))
    scores = c.pssm[np.arange(c.profile.length), kmers].sum(1)
    probs = np.prod(np.asarray(background)[kmers], axis=1)
    order = np.argsort(scores)
    tail = np.cumsum(probs[order][::-1])[::-1]  # P(S >= scores[order][i]), ties counted below
    exact = tail[np.searchsorted(scores[order], scores - 1e-9)]
    ours = c.tail.site_p_values(kmers)
    rare = exact <= 0.01
    error = np.abs(ours[rare] / exact[rare] - 1)
    assert np.median(error) < 1e-6 and error.max() < worst
    cut = c.tail.threshold(1e-3)
    assert (scores[ours <= 1e-3] >= cut).all()  # the score cut never loses a site
    assert probs[ours <= 1e-3].sum() <= 1e-3


def plant(background: str, site: str, at: int) -> str:
    return background[:at] + site + background[at + len(site) :]


@pytest.mark.parametrize("motif_id", ["MA0108.3", "MA0139.2"])
def test_a_planted_consensus_is_found_on_its_strand(profiles, scanner, motif_id):
    profile = next(p for p in profiles if p.motif_id == motif_id)
    site = profile.consensus
    seq = plant(plant(random_dna(600, 7), site, 100), reverse_complement(site), 400)
    hits = [h for h in scanner.scan(seq) if h.motif_id == motif_id]
    found = {(h.start, h.end, h.strand, h.matched) for h in hits}
    assert (100, 100 + len(site), 1, site) in found
    assert (400, 400 + len(site), -1, site) in found
    best = max(hits, key=lambda h: h.score)
    assert best.rel_score == pytest.approx(1.0, abs=1e-6)
    assert best.p_value == min(h.p_value for h in hits) <= 1e-4
    assert [h.p_value for h in hits] == sorted(h.p_value for h in hits)


def test_n_is_never_part_of_a_hit(scanner):
    tata = "TATAAAA"
    seq = "GCGCGC" + tata + "GCGCGC"
    assert any(h.name == "TBP" and h.start == 6 for h in scanner.scan(seq))
    broken = seq[:8] + "N" + seq[9:]
    assert not any(h.name == "TBP" and h.start <= 8 < h.end for h in scanner.scan(broken, p_value=0.01))
    beside = "GCGCGN" + tata + "NCGCGC"  # N right outside the site
    assert any(h.name == "TBP" and h.start == 6 for h in scanner.scan(beside.lower()))
    scores = scanner.scores(broken)
    tbp = 1
    assert np.isnan(scores[:, tbp, 2:9]).all() and np.isfinite(scores[:, tbp, [1, 9]]).all()
    assert scanner.scan("N" * 500) == []
    assert scanner.scan("ACG") == []  # shorter than every profile


def test_chunked_scan_equals_unchunked(profiles, scanner):
    small = MotifScanner(profiles, memory_mb=0.01)  # 256 window starts per chunk
    assert small.max_positions == 256
    seq = with_ns(random_dna(5000, 11), 5, k=20)
    ctcf = next(p for p in profiles if p.motif_id == "MA1929.2").consensus  # 31 bp, longest
    for at in (256 - 10, 512 - 30, 4096 - 1):  # sites straddling chunk boundaries
        seq = plant(seq, ctcf, at)

    def key(h):
        return (h.motif_id, h.start, h.strand, round(h.score, 3), h.matched)

    whole = [key(h) for h in scanner.scan(seq, p_value=1e-3)]
    chunked = [key(h) for h in small.scan(seq, p_value=1e-3)]
    assert sorted(whole) == sorted(chunked)
    assert len(set(chunked)) == len(chunked)  # nothing twice
    assert {("MA1929.2", 246), ("MA1929.2", 482), ("MA1929.2", 4095)} <= {(m, s) for m, s, *_ in chunked}
    np.testing.assert_allclose(small.scores(seq), scanner.scores(seq), atol=1e-5, equal_nan=True)


@pytest.mark.parametrize(("buckets", "method"), [((), "gemm"), ((), "conv1d"), ((12, 20), "conv1d")])
def test_one_padded_weight_and_conv1d_score_alike(profiles, scanner, buckets, method):
    other = MotifScanner(profiles, length_buckets=buckets, method=method)
    assert len(other._buckets) == (1 if not buckets else 3) and len(scanner._buckets) == 3
    seq = SEQUENCES["random-gc-with-n"]
    np.testing.assert_allclose(other.scores(seq), scanner.scores(seq), atol=1e-5, equal_nan=True)
    key = [(h.motif_id, h.start, h.strand) for h in scanner.scan(seq, p_value=1e-3)]
    assert [(h.motif_id, h.start, h.strand) for h in other.scan(seq, p_value=1e-3)] == key


def test_scan_many_keeps_sequences_apart(scanner):
    seqs = [GLUT5_PROMOTER_300, "GCGCTATAAAAGGCGC", random_dna(50, 3)]
    many = scanner.scan_many(seqs, p_value=1e-3)
    assert [len(h) for h in many] == [len(scanner.scan(s, p_value=1e-3)) for s in seqs]
    assert all(h.end <= len(s) for hits, s in zip(many, seqs, strict=True) for h in hits)
    assert len(scanner.scan(GLUT5_PROMOTER_300, p_value=1e-3, top=3)) == 3


def test_scan_table_holds_the_same_hits_as_scan_many_in_the_same_order(scanner):
    seqs = [GLUT5_PROMOTER_300, "GCGCTATAAAAGGCGC", random_dna(50, 3), "GGGG"]
    table = scanner.scan_table(seqs, p_value=1e-3)
    many = scanner.scan_many(seqs, p_value=1e-3)
    assert len(table) == sum(map(len, many)) > 0
    for i, hits in enumerate(many):
        rows = table.rows_of(i)
        assert [table.hit(r) for r in rows] == hits
        assert (table.end[rows.start : rows.stop] == [h.end for h in hits]).all()
        p = table.p_value[rows.start : rows.stop]
        assert (np.diff(p) >= 0).all()  # best p-value first within a sequence
    assert table.rows_of(3) == range(len(table), len(table))  # GGGG: no hits
    assert [len(h) for h in table.hits(top=2)] == [min(2, len(h)) for h in many]


def test_bad_input_is_a_user_error(scanner):
    with pytest.raises(InvalidSequenceError, match="position 5"):
        scanner.scan("ACGTXACGT")
    with pytest.raises(InvalidSequenceError, match=r"sequence\[1\]"):
        scanner.scan_many(["ACGT", "ACGU"])
    for empty in ("", " \n"):
        with pytest.raises(UserInputError, match="empty"):
            scanner.scan(empty)
    with pytest.raises(ConfigError):
        scanner.scan("ACGT", p_value=None, rel_score=None)
    with pytest.raises(ConfigError):
        scanner.scan("ACGT", p_value=0)
    with pytest.raises(UserInputError, match="unknown JASPAR matrix id"):
        load_profiles(ids=["MA9999"])
    with pytest.raises(ConfigError, match="unknown JASPAR release"):
        load_profiles(release="JASPAR1999")
    with pytest.raises(UserInputError, match="named nope"):
        scanner.subset(["nope"])


def test_summaries(scanner):
    hits = scanner.scan(GLUT5_PROMOTER_300, p_value=1e-3)
    counts = hit_counts(hits)
    assert sum(counts.values()) == len(hits)
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    top = best_hits(hits, k=2)
    assert all(n <= 2 for n in hit_counts(top).values())
    assert set(hit_counts(top)) == set(counts)
    assert top[0] == hits[0]
    assert hit_counts(hits, by="motif_id").keys() <= {p.motif_id for p in scanner.profiles}


@pytest.mark.slow
def test_default_selection_is_the_vertebrate_core_of_the_latest_release():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pyjaspar prints or warns on bad selections; the default has none
        scanner = MotifScanner.from_jaspar()
    assert scanner is MotifScanner.from_jaspar()  # built once per process
    assert len(scanner.profiles) > 900
    assert {p.collection for p in scanner.profiles} == {"CORE"}
    assert {p.tax_group for p in scanner.profiles} == {"vertebrates"}
    assert scanner.profiles[0].release == "JASPAR2026"
    assert np.isfinite(scanner.threshold(1e-4)).sum() > 900  # 4-5 bp profiles never reach p <= 1e-4
