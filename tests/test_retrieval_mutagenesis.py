"""In-silico mutagenesis: exact deltas for hand-made predictors, batching, N positions, errors, the chart,
and a real kNN predictor that must care most about the bases of a planted motif."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from dnahlm.errors import ConfigError, InvalidSequenceError, UserInputError
from dnahlm.retrieval.mutagenesis import MAX_LENGTH, Mutagenesis, mutagenesis
from dnahlm.retrieval.predictor import FewShotPredictor
from dnahlm.tasks import Example, Task
from tests.conftest import random_dna


def g_at_5(seqs):
    """P(class 1) = 0.8 when position 5 (1-based) is G, else 0.3."""
    p = np.array([0.8 if s[4] == "G" else 0.3 for s in seqs])
    return np.stack([1 - p, p], axis=1)


def gc_fraction(seqs):
    gc = np.array([(s.count("G") + s.count("C")) / len(s) for s in seqs])
    return np.stack([1 - gc, gc], axis=1)


def test_only_a_g_at_position_5_changes_the_class():
    r = mutagenesis("ACGTACGTAC", g_at_5, 1, labels=["no", "yes"])
    assert r.label == "yes" and r.column == 1
    assert r.reference == pytest.approx(0.3)
    assert len(r.deltas) == 10 and all(len(row) == 4 for row in r.deltas)
    expected = [[None if b == ref else 0.0 for b in "ACGT"] for ref in "ACGTACGTAC"]
    expected[4] = [None, 0.0, pytest.approx(0.5), 0.0]  # A at 5: only A>G matters
    assert r.deltas == expected
    assert r.variants == 30 and r.skipped == []
    assert r.summary("max_abs") == [0.0] * 4 + [pytest.approx(0.5)] + [0.0] * 5
    assert r.summary("mean")[4] == pytest.approx(0.5 / 3)
    [best] = r.top(1)
    assert (best.position, best.base, best.alternative) == (5, "A", "G")
    assert best.delta == pytest.approx(0.5) and best.mean_delta == pytest.approx(0.5 / 3)


def test_gc_fraction_deltas_are_a_quarter_per_gc_change_and_the_other_column_mirrors_them():
    gc = mutagenesis("ATGC", gc_fraction, 1)
    assert gc.label == "class 1" and gc.reference == pytest.approx(0.5)
    q, m = pytest.approx(0.25), pytest.approx(-0.25)
    assert gc.deltas == [
        [None, q, q, 0.0],  # A: to C or G adds one GC of four
        [0.0, q, q, None],  # T
        [m, 0.0, None, m],  # G: to A or T loses one
        [m, None, 0.0, m],  # C
    ]
    at = mutagenesis("ATGC", gc_fraction, 0)
    np.testing.assert_allclose(at.matrix(), -gc.matrix())
    assert np.isnan(gc.matrix()[[0, 1, 2, 3], [0, 3, 2, 1]]).all()  # the reference bases
    assert gc.summary("mean") == [pytest.approx(v) for v in (0.5 / 3, 0.5 / 3, -0.5 / 3, -0.5 / 3)]
    # every position ties at 0.25: the order is by position, and the first strongest substitution wins
    assert [(e.position, e.alternative) for e in gc.top(3)] == [(1, "C"), (2, "C"), (3, "A")]
    assert len(gc.top(10)) == 4 and gc.top(0) == []


def test_input_is_normalised_and_n_positions_are_kept_but_not_mutated():
    seen: list[str] = []

    def record(seqs):
        seen.extend(seqs)
        return gc_fraction(seqs)

    r = mutagenesis(" ac\nNgt ", record, 1)
    assert r.sequence == "ACNGT"
    assert r.skipped == [3] and r.deltas[2] == [None] * 4 and r.summary()[2] is None
    assert len(seen) == 1 + 12 and seen[0] == "ACNGT"
    assert all(len(s) == 5 and s[2] == "N" for s in seen)
    assert len(set(seen[1:])) == 12  # every variant once
    assert r.deltas[0] == [None, pytest.approx(0.2), pytest.approx(0.2), 0.0]  # GC over 5 letters
    assert r.effect(3) is None and [e.position for e in r.top(10)] == [1, 2, 4, 5]


def test_batch_size_does_not_change_the_result_and_is_respected():
    rng = np.random.default_rng(3)
    weights = {b: w for b, w in zip("ACGT", rng.random(4), strict=True)}

    def weighted(seqs):  # a position- and base-dependent score in (0, 1)
        p = np.array([sum(weights[b] * (i + 1) for i, b in enumerate(s)) / (len(s) ** 2) for s in seqs])
        return np.stack([1 - p, p], axis=1)

    seq = random_dna(random.Random(4), 37)
    sizes: list[int] = []
    steps: list[tuple[int, int]] = []

    def counted(seqs):
        sizes.append(len(seqs))
        return weighted(seqs)

    whole = mutagenesis(seq, weighted, 1, batch_size=10_000)
    small = mutagenesis(seq, counted, 1, batch_size=7, progress=lambda d, t: steps.append((d, t)))
    one = mutagenesis(seq, weighted, 1, batch_size=1)
    assert whole == small == one
    assert sum(sizes) == 1 + 3 * 37 and max(sizes) == 7 and len(sizes) == -(-112 // 7)
    assert steps[-1] == (112, 112) and [d for d, _ in steps] == sorted(d for d, _ in steps)
    # an independent check of one delta: position 10's base to each alternative, by the formula
    ref = seq[9]
    for j, b in enumerate("ACGT"):
        want = None if b == ref else (weights[b] - weights[ref]) * 10 / 37**2
        assert whole.deltas[9][j] == (None if want is None else pytest.approx(want))


def test_the_result_round_trips_through_json_with_nulls_for_reference_bases():
    r = mutagenesis("GATTACA", g_at_5, 1, labels=["no", "yes"])
    data = json.loads(r.model_dump_json())
    assert data["deltas"][0] == [0.0, 0.0, None, 0.0]  # the G at 1
    assert data["variants"] == 21 and data["skipped"] == [] and data["label"] == "yes"
    assert data["deltas"][4] == [None, 0.0, pytest.approx(0.5), 0.0]  # the A at 5
    assert Mutagenesis.model_validate_json(r.model_dump_json()) == r


@pytest.mark.parametrize(
    ("sequence", "kwargs", "error", "match"),
    [
        ("", {}, UserInputError, "sequence is empty"),
        ("  \n", {}, UserInputError, "sequence is empty"),
        ("A" * (MAX_LENGTH + 1), {}, UserInputError, "2,001 bases; at most 2,000"),
        ("ACXT", {}, InvalidSequenceError, "mutagenesis sequence at position 3"),
        ("ACRT", {}, InvalidSequenceError, "IUPAC ambiguity code"),
        ("NNNN", {}, UserInputError, "all N"),
        ("ACGT", {"column": 2}, UserInputError, r"column 2 is not a class; choose 0\.\.1"),
        ("ACGT", {"column": 1, "labels": ["a", "b", "c"]}, ConfigError, "3 labels given for 2 classes"),
        ("ACGT", {"column": 5, "labels": ["a", "b"]}, UserInputError, "column 5"),
        ("ACGT", {"batch_size": 0}, UserInputError, "batch_size must be at least 1"),
    ],
)
def test_bad_input_is_one_clear_error(sequence, kwargs, error, match):
    kwargs = {"column": 1, **kwargs}
    with pytest.raises(error, match=match):
        mutagenesis(sequence, gc_fraction, **kwargs)


def test_a_probs_function_of_the_wrong_shape_is_named():
    with pytest.raises(ConfigError, match=r"shape \(1, 2\) for 16 sequences"):
        mutagenesis("ACGTA", lambda seqs: np.array([[0.5, 0.5]]), 1)
    with pytest.raises(ConfigError, match=r"shape \(16,\)"):
        mutagenesis("ACGTA", lambda seqs: np.full(len(seqs), 0.5), 0)
    with pytest.raises(UserInputError, match="position 9 is outside"):
        mutagenesis("ACGT", gc_fraction, 1).effect(9)
    with pytest.raises(ConfigError, match="unknown summary"):
        mutagenesis("ACGT", gc_fraction, 1).summary("median")


def test_the_chart_has_a_cell_per_base_and_a_bar_per_position():
    from dnahlm.ui.charts import mutagenesis_chart

    seq = random_dna(random.Random(5), 300)
    seq = seq[:4] + "A" + seq[5:150] + "NN" + seq[152:]
    r = mutagenesis(seq, g_at_5, 1, labels=["no", "yes"])
    spec = mutagenesis_chart(r).to_dict()
    tables = sorted(spec["datasets"].values(), key=len)
    bars, cells = tables
    assert len(bars) == 298 and len(cells) == 4 * 298
    refs = [c for c in cells if c["kind"] == "reference"]
    assert "".join(c["substitution"] for c in refs) == seq.replace("N", "")  # the grey cells spell it
    assert all(c["delta"] is None for c in refs)
    g5 = next(c for c in cells if c["position"] == 5 and c["substitution"] == "G")
    assert g5["delta"] == pytest.approx(0.5) and g5["kind"] == "variant"
    assert "P(yes)" in json.dumps(spec["title"])
    bar5 = next(b for b in bars if b["position"] == 5)
    assert bar5["value"] == pytest.approx(0.5) and bar5["effect"] == "raises"
    gc_bars = min(
        mutagenesis_chart(mutagenesis("GAT", gc_fraction, 1), summary="mean").to_dict()["datasets"].values(),
        key=len,
    )
    assert [(b["base"], b["effect"]) for b in gc_bars] == [("G", "lowers"), ("A", "raises"), ("T", "raises")]
    assert gc_bars[0]["value"] == pytest.approx(-2 / 9)  # G to A or T loses a third; to C keeps it
    # 8,000 cells: more than altair's 5,000-row guard on data frames allows, so the data is inline
    long = mutagenesis(random_dna(random.Random(6), MAX_LENGTH), gc_fraction, 1)
    assert len(max(mutagenesis_chart(long, summary="mean").to_dict()["datasets"].values(), key=len)) == 8000


MOTIF = "TGACGTCATGCA"


def planted(rng: random.Random, n: int, at: int | None = None) -> str:
    s = random_dna(rng, n)
    at = rng.randrange(0, n - len(MOTIF)) if at is None else at
    return s[:at] + MOTIF + s[at + len(MOTIF) :]


def test_knn_cares_more_about_a_planted_motif_than_about_bases_far_from_it():
    rng = random.Random(7)
    task = Task("motif12", "generic", {0: "background", 1: "bound"})
    pool = [Example(f"p{i}", planted(rng, 60) if i % 2 else random_dna(rng, 60), i % 2, "motif12")
            for i in range(400)]  # fmt: skip
    predictor = FewShotPredictor(task, pool, model_path="/nonexistent/model")  # knn needs no model

    def knn(seqs):
        return predictor.method_probs(seqs, ["knn"])[0]["knn"]

    query = planted(rng, 60, at=24)  # motif at positions 25..36
    r = mutagenesis(query, knn, 1, labels=task.label_names, batch_size=64)
    assert r.label == "bound" and r.reference > 0.8
    importance = np.array(r.summary("max_abs"))
    inside = importance[24:36]
    far = np.concatenate([importance[:12], importance[48:]])  # at least 12 bp from the motif
    assert inside.mean() > 0.05 and inside.mean() > 3 * far.mean()  # 0.11 vs 0.0 with these seeds
    assert all(24 < e.position <= 36 for e in r.top(5))
    mean = np.array(r.summary("mean"))
    assert mean[24:36].mean() < -0.03  # breaking the motif lowers P(bound)
