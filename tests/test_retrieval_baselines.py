"""The four simple baselines (dnahlm.retrieval.baselines) on small synthetic data with known answers."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import numpy as np
import pytest

from dnahlm.errors import UserInputError
from dnahlm.retrieval import baselines
from dnahlm.retrieval.baselines import CNN_CONFIG, KmerKNN, KmerLR, OneHotLR, SmallCNN, one_hot, vote
from dnahlm.retrieval.pool import ExamplePool, LinearProbe, Neighbour, knn_probs
from dnahlm.tasks import Example, Task

LABELS = [0, 1]


def dna(rng: random.Random, n: int, gc: float = 0.5) -> str:
    return "".join(rng.choice("GC") if rng.random() < gc else rng.choice("AT") for _ in range(n))


def swapped_pair(n: int, seed: int) -> tuple[list[str], list[int]]:
    """40 bp rows: label 1 has A at base 20 and C at base 25, label 0 the reverse. The two labels have the
    same composition and the same distribution of k-mer profiles: only the position tells them apart."""
    rng = random.Random(seed)
    seqs, labels = [], []
    for i in range(n):
        s = list(dna(rng, 40))
        s[20], s[25] = ("A", "C") if i % 2 else ("C", "A")
        seqs.append("".join(s))
        labels.append(i % 2)
    return seqs, labels


def accuracy(model, seqs: list[str], labels: list[int]) -> float:
    return float((model.predict_proba(seqs).argmax(1) == np.array(labels)).mean())


def test_one_hot_features_by_hand():
    # A C G T columns per base; N and padding are zeros
    assert one_hot(["ACGTN"], 5, "left").reshape(5, 4).tolist() == [
        [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0],
    ]  # fmt: skip
    # cropping 7 bases to 3: the middle three (start 2) or the first three
    assert one_hot(["AACGTTT"], 3, "centre").reshape(3, 4).argmax(1).tolist() == [1, 2, 3]  # C G T
    assert one_hot(["AACGTTT"], 3, "left").reshape(3, 4).argmax(1).tolist() == [0, 0, 1]  # A A C
    # padding 2 bases to 4: one empty base before them when centred, none when left-anchored
    assert one_hot(["AC"], 4, "centre").reshape(4, 4).sum(1).tolist() == [0, 1, 1, 0]
    assert one_hot(["AC"], 4, "left").reshape(4, 4).sum(1).tolist() == [1, 1, 0, 0]
    with pytest.raises(UserInputError, match="anchor 'right'"):
        one_hot(["AC"], 4, "right")


def test_one_hot_lr_finds_the_position_where_kmer_lr_cannot():
    train, test = swapped_pair(600, seed=1), swapped_pair(400, seed=2)
    onehot = OneHotLR(LABELS).fit(*train)
    kmer = KmerLR(LABELS).fit(*train)
    assert onehot.length == 40 and onehot.anchor == "centre"  # every row is 40 bp: nothing to choose
    assert accuracy(onehot, *test) >= 0.95
    assert accuracy(kmer, *test) <= 0.62  # chance is 0.5: the k-mer profiles carry no signal


@pytest.mark.parametrize("where, expected", [("start", "left"), ("middle", "centre")])
def test_one_hot_lr_chooses_the_anchor_by_cv(where, expected):
    """Lengths 36-44 bp (median 40); the label is the base at offset 5 from the start, or at the middle:
    only the matching anchor puts that base in one column of every row."""
    rng = random.Random(3)
    seqs, labels = [], []
    for i in range(600):
        s = list(dna(rng, rng.choice([36, 38, 40, 42, 44])))
        s[5 if where == "start" else len(s) // 2] = "A" if i % 2 else "C"
        seqs.append("".join(s))
        labels.append(i % 2)
    model = OneHotLR(LABELS).fit(seqs, labels)
    assert model.length == 40
    assert model.anchor == expected
    other = "centre" if expected == "left" else "left"
    assert model.cv_losses[f"{expected}/{model.c}"] < min(
        v for k, v in model.cv_losses.items() if k.startswith(other)
    )
    assert accuracy(model, seqs[:200], labels[:200]) >= 0.95


def test_kmer_lr_is_the_reports_earlier_baseline():
    """KmerLR(k=5) = LinearProbe with c=None on the pool's canonical 5-mer retrieval vectors."""
    rng = random.Random(4)
    seqs = [dna(rng, 60, gc=0.6 if i % 2 else 0.4) for i in range(300)]
    labels = [i % 2 for i in range(300)]
    task = Task("t", "generic", {0: "low", 1: "high"})
    pool = ExamplePool(
        task, [Example(str(i), s, y, "t") for i, (s, y) in enumerate(zip(seqs, labels, strict=True))]
    )
    probe = LinearProbe(task, c=None).fit(pool.vectors, pool.labels)
    ours = KmerLR(LABELS).fit(seqs, labels)
    assert ours.c == probe.c
    queries = [dna(rng, 60) for _ in range(20)]
    # the same fit, in float64 rather than float32
    np.testing.assert_allclose(
        ours.predict_proba(queries), probe.predict_proba(pool.embed(queries)), atol=1e-5
    )


def test_vote_is_the_pools_knn_vote():
    task = Task("t", "generic", {0: "a", 1: "b", 2: "c"})
    sims = np.array([[0.9, 0.8, 0.5], [0.7, 0.7, 0.1]])
    cols = np.array([[0, 2, 2], [1, 0, 1]])
    hits = [
        [Neighbour(Example("x", "A", int(c), "t"), float(s)) for s, c in zip(r, cr, strict=True)]
        for r, cr in zip(sims, cols, strict=True)
    ]
    np.testing.assert_allclose(vote(sims, cols, 3, temperature=0.1), knn_probs(task, hits, temperature=0.1))


def test_kmer_knn_chooses_short_kmers_for_a_composition_signal():
    """GC-rich against AT-rich 40 bp rows: two such rows share almost no 6-mers (the profiles are
    nearly orthogonal) but many 3-mers, so leave-one-out prefers the shortest k-mer, and many neighbours
    (a diffuse signal, no near-duplicates)."""
    rng = random.Random(5)
    seqs = [dna(rng, 40, gc=0.65 if i % 2 else 0.35) for i in range(400)]
    labels = [i % 2 for i in range(400)]
    model = KmerKNN(LABELS, cv_rows=400).fit(seqs, labels)
    assert model.kmer == 3
    assert model.neighbours >= 16
    test = [dna(rng, 40, gc=0.65 if i % 2 else 0.35) for i in range(200)]
    assert accuracy(model, test, [i % 2 for i in range(200)]) >= 0.8


def test_kmer_knn_leave_one_out_never_sees_the_row_itself():
    """Rows whose only near neighbour is themselves (every sequence unrelated, labels random): the
    leave-one-out log-loss must stay near log 2, not near 0 as it would if a row voted for itself."""
    rng = random.Random(6)
    seqs = [dna(rng, 60) for _ in range(200)]
    labels = [rng.randrange(2) for _ in range(200)]
    model = KmerKNN(LABELS, kmer=6, neighbours=4, temperature=0.01, cv_rows=200)
    model.fit(seqs, labels)
    assert model.cv_losses is None  # nothing was left to choose
    model = KmerKNN(LABELS, kmer=6, neighbours=4, cv_rows=200).fit(seqs, labels)
    assert min(model.cv_losses.values()) > 0.5  # log 2 = 0.69; a self-vote would give about 0.05


def small_cnn_data(n: int = 240):
    rng = random.Random(7)
    seqs = []
    for i in range(n):
        s = dna(rng, 50)
        seqs.append(s[:20] + ("GGGGGGGG" if i % 2 else "") + s[20 + 8 * (i % 2) :])
    return seqs, [i % 2 for i in range(n)]


def test_json_round_trip_gives_identical_probabilities():
    seqs, labels = small_cnn_data()
    queries = small_cnn_data(30)[0]
    fitted = [
        KmerLR(LABELS).fit(seqs, labels),
        KmerKNN(LABELS, cv_rows=200).fit(seqs, labels),
        SmallCNN(LABELS, config=replace(CNN_CONFIG, filters=8, max_epochs=3)).fit(seqs, labels),
        OneHotLR(LABELS).fit(seqs, labels),
    ]
    for model in fitted:
        text = json.dumps(model.to_json())
        back = baselines.from_json(json.loads(text))
        assert type(back) is type(model)
        np.testing.assert_array_equal(back.predict_proba(queries), model.predict_proba(queries))
    cnn = fitted[2]
    assert set(cnn.held_losses) == {"4", "16"} and cnn.stretches in (4, 16)
    assert cnn.held_losses[str(cnn.stretches)] == min(cnn.held_losses.values())
    assert accuracy(cnn, seqs, labels) >= 0.9  # eight Gs in half the rows: easy for 8 filters


def test_probabilities_follow_label_id_order():
    """Labels 3 and 7 (not 0, 1): column 0 is label 3 whatever order the rows come in."""
    seqs, labels = swapped_pair(300, seed=8)
    ids = [7 if y else 3 for y in labels]
    model = OneHotLR([7, 3]).fit(seqs, ids)
    p = model.predict_proba(seqs[:50])
    assert model.label_ids == [3, 7]
    assert ((p[:, 1] > 0.5) == (np.array(ids[:50]) == 7)).mean() >= 0.95


def test_user_errors_are_one_clear_line():
    seqs, labels = swapped_pair(40, seed=9)
    with pytest.raises(UserInputError, match=r"labels \[5\] are not among the task's labels \[0, 1\]"):
        KmerLR(LABELS).fit(seqs, [5, *labels[1:]])
    with pytest.raises(UserInputError, match="two labels or more"):
        OneHotLR(LABELS).fit(seqs, [0] * len(seqs))
    with pytest.raises(UserInputError, match="40 sequences but 39 labels"):
        KmerKNN(LABELS).fit(seqs, labels[:-1])
    with pytest.raises(UserInputError, match="not a saved baseline: kind 'svm'"):
        baselines.from_json({"kind": "svm"})
    with pytest.raises(RuntimeError, match=r"OneHotLR\.predict_proba before fit"):
        OneHotLR(LABELS).predict_proba(seqs)
