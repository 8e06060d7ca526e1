"""Does a query lie inside the data behind a prediction (:mod:`dnahlm.domain`)? DUST against a brute-force count
of triplets, and the sanity set: homopolymers, dinucleotide repeats and off-composition DNA are outside real
GUE pools, while real rows, shuffled rows and random DNA of a pool's length are inside."""

from __future__ import annotations

import csv
import random
import statistics
from collections import Counter

import pytest

from dnahlm.domain import Domain, dust_score, gc_fraction, low_complexity
from dnahlm.errors import DataFormatError
from tests.conftest import SHARED_DATA, needs_shared_data


def _dust_windows(seq: str, window: int = 64) -> list[float]:
    """The DUST score of every window, counting triplets from scratch in each window."""
    scores = []
    for s in range(max(1, len(seq) - window + 1)):
        w = seq[s : s + window]
        if len(w) - 2 < 2:
            continue
        c = Counter(w[i : i + 3] for i in range(len(w) - 2) if "N" not in w[i : i + 3])
        scores.append(sum(v * (v - 1) / 2 for v in c.values()) / (len(w) - 3))
    return scores


def _dust_brute(seq: str) -> float:
    return max(_dust_windows(seq))


@pytest.mark.parametrize("seed", range(4))
def test_dust_is_the_brute_force_score_of_the_worst_window(seed):
    rng = random.Random(seed)
    seq = "".join(rng.choice("ACGT") for _ in range(150)) + "CAG" * 20 + "N" * 3 + "A" * 30
    seq += "".join(rng.choice("ACGT") for _ in range(80))
    assert dust_score(seq) == pytest.approx(_dust_brute(seq), abs=1e-9)
    short = seq[:40]
    assert dust_score(short) == pytest.approx(_dust_brute(short), abs=1e-9)
    assert low_complexity(seq) == pytest.approx(statistics.median(_dust_windows(seq)), abs=1e-9)


def test_gc_counts_only_exact_bases():
    assert gc_fraction("GGCCNNNNAT") == pytest.approx(4 / 6)
    assert gc_fraction("NNNN") == 0.5


def _pool(task: str) -> list[str]:
    from dnahlm.train.pipeline import pool_file

    with open(pool_file(SHARED_DATA, task), newline="") as fh:  # the rows as written, read with csv here
        return [row["sequence"] for row in csv.DictReader(fh)]


def _dinucleotide_shuffle(seq: str, rng: random.Random) -> str:
    from dnahlm.bio.motif_stats import dinucleotide_shuffle

    return dinucleotide_shuffle(seq, rng)


@needs_shared_data()
@pytest.mark.data
@pytest.mark.parametrize("task", ["prom_300_all", "tf_0", "splice"])
def test_the_sanity_set_against_real_pools(task):
    rows = _pool(task)
    rng = random.Random(1)
    domain = Domain.from_sequences(rows, source=task)
    n = len(rows[0])
    outside = {
        "poly-A": "A" * n,
        "poly-G": "G" * n,
        "(CA)n": ("CA" * n)[:n],
        "(AT)n": ("AT" * n)[:n],
        "(CAG)n": ("CAG" * n)[:n],
        "AT-only": "".join(rng.choice("AT") for _ in range(n)),
        "GC-only": "".join(rng.choice("GC") for _ in range(n)),
        "too short": rows[0][: n // 4],
    }
    for name, seq in outside.items():
        check = domain.check(seq)
        assert not check.inside, name
        assert "no call" in check.caveat(len(seq), "example")
    inside = [rows[i] for i in rng.sample(range(len(rows)), 200)]
    inside += [_dinucleotide_shuffle(s, rng) for s in inside[:50]]  # same CpG depletion as the real rows
    flagged = [s for s in inside if not domain.check(s).inside]
    assert len(flagged) <= 3, [domain.check(s).reasons for s in flagged]
    # random DNA has the composition of a CpG island: out only for its CpG ratio, where the pool is depleted
    for s in ("".join(rng.choice("ACGT") for _ in range(n)) for _ in range(50)):
        reasons = domain.check(s).reasons
        assert all(r.startswith("composition: CpG observed/expected") for r in reasons), reasons


def test_neighbour_distance_is_a_reason_when_known():
    rng = random.Random(2)
    rows = ["".join(rng.choice("ACGT") for _ in range(100)) for _ in range(300)]
    d = Domain.from_sequences(rows, neighbour_similarities=[0.4 + 0.001 * i for i in range(300)])
    assert d.neighbour == pytest.approx(0.4 + 0.001 * 1.495, abs=1e-6)  # numpy's linear 0.5th percentile
    assert d.check(rows[0], nearest=0.2).reasons[0].startswith("distance: its nearest example")
    assert d.check(rows[0], nearest=0.5).inside


def test_a_summary_round_trips_and_a_damaged_one_is_refused():
    d = Domain.from_sequences(["ACGTACGGTCA" * 10] * 20, source="pool")
    assert Domain.from_json(d.to_json()) == d
    for damage in ({"dust": float("nan")}, {"gc": [0.9, 0.1]}, {"format": 99}, {"n": "many"}):
        with pytest.raises(DataFormatError, match="domain"):
            Domain.from_json(d.to_json() | damage)
