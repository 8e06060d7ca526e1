"""The motif CNN that ``fused`` trains on a pool: motifs on either strand, where a motif sits, JSON round trip."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from dnahlm.errors import UserInputError
from dnahlm.retrieval.motif_cnn import MotifCNN, MotifCNNConfig, encode
from dnahlm.sequences import reverse_complement
from tests.test_retrieval_predictor import placed_motif

QUICK = MotifCNNConfig(filters=16, width=9)


def planted(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """100 bp random sequences; label 1 carries the AP-1 site TGAGTCAG at a random place on a random
    strand, label 0 the same eight letters shuffled into a non-site (so base composition is no clue)."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], rng.integers(0, 2, n)
    for label in labels:
        s = list(rng.choice(list("ACGT"), 100))
        site = "TGAGTCAG" if label else "GATCGAGT"
        if rng.random() < 0.5:
            site = reverse_complement(site)
        at = int(rng.integers(0, 92))
        s[at : at + 8] = site
        seqs.append("".join(s))
    return seqs, labels


def accuracy(cnn: MotifCNN, seqs: list[str], y: np.ndarray) -> float:
    return float(np.mean(np.array(cnn.label_ids)[cnn.predict_proba(seqs).argmax(1)] == y))


def test_the_cnn_finds_a_motif_anywhere_on_either_strand():
    seqs, y = planted(800, 1)
    test, y_test = planted(300, 2)
    cnn = MotifCNN([0, 1], QUICK).fit(seqs, y)
    assert accuracy(cnn, test, y_test) >= 0.9
    probs = cnn.predict_proba(test[:5])
    assert probs.shape == (5, 2) and np.allclose(probs.sum(1), 1.0)


def test_the_cnn_sees_where_a_motif_sits():
    seqs, y = placed_motif(600, 1)  # the same motif near the start (1) or near the end (0)
    test, y_test = placed_motif(200, 2)
    assert accuracy(MotifCNN([0, 1], QUICK).fit(seqs, y), test, y_test) >= 0.9


def test_a_fit_is_seeded_and_survives_json():
    seqs, y = planted(300, 3)
    a = MotifCNN([0, 1], QUICK, seed=4).fit(seqs, y)
    b = MotifCNN([0, 1], QUICK, seed=4).fit(seqs, y)
    test, _ = planted(20, 5)
    np.testing.assert_array_equal(a.predict_proba(test), b.predict_proba(test))
    back = MotifCNN.from_json(json.loads(json.dumps(a.to_json())))
    np.testing.assert_allclose(back.predict_proba(test), a.predict_proba(test), atol=1e-6)
    assert back.epochs == a.epochs and len(a.epochs) == QUICK.models == 2 and min(a.epochs) >= 1
    assert back.config == QUICK


def test_the_networks_are_averaged_and_each_has_its_own_seed():
    seqs, y = planted(300, 8)
    test, _ = planted(20, 9)
    one = dataclasses.replace(QUICK, models=1)
    pair = MotifCNN([0, 1], QUICK, seed=0).fit(seqs, y).predict_proba(test)
    first, second = (MotifCNN([0, 1], one, seed=s).fit(seqs, y).predict_proba(test) for s in (0, 1))
    np.testing.assert_allclose(pair, (first + second) / 2, atol=1e-6)
    assert not np.allclose(first, second)  # two different networks, not one counted twice


def test_labels_need_not_be_zero_based_and_short_queries_work():
    seqs, y = planted(400, 6)
    cnn = MotifCNN([3, 7], QUICK).fit(seqs, np.where(y == 1, 7, 3))
    assert cnn.predict_proba(["ACG", "TGAGTCAG"]).shape == (2, 2)  # shorter than a filter: padded
    test, y_test = planted(100, 7)
    assert accuracy(cnn, test, np.where(y_test == 1, 7, 3)) >= 0.8


def test_encoding_and_clear_errors():
    np.testing.assert_array_equal(encode(["ACGTN", "ac"]), [[0, 1, 2, 3, 4], [0, 1, 4, 4, 4]])
    with pytest.raises(UserInputError, match="20 labelled sequences"):
        MotifCNN([0, 1]).fit(["ACGT"] * 10, [0, 1] * 5)
    with pytest.raises(UserInputError, match="two labels"):
        MotifCNN([0, 1]).fit(["ACGT"] * 30, [0] * 30)
    seqs, y = planted(40, 10)
    with pytest.raises(ValueError, match="models must be 1 or more"):
        MotifCNN([0, 1], dataclasses.replace(QUICK, models=0)).fit(seqs, y)
    with pytest.raises(RuntimeError, match="diverged"):
        MotifCNN([0, 1], dataclasses.replace(QUICK, lr=1e20, models=1)).fit(seqs, y)


def test_numpy_scoring_equals_the_torch_networks_on_odd_lengths():
    """Scoring runs in NumPy (no torch import for a kept fit); it must be the torch module's eval forward:
    both strands, the best match, and adaptive average pooling in stretches of uneven sizes."""
    import torch

    seqs, y = planted(200, 7)
    cnn = MotifCNN([0, 1], dataclasses.replace(QUICK, stretches=3), seed=1).fit(seqs, y)
    queries = [seqs[0], seqs[1][:37], "ACGTN" * 13, "TTGAC"]  # 100, 37, 65 bp and shorter than the width
    codes = encode(queries, cnn.config.width)
    with torch.no_grad():
        expected = np.mean(
            [torch.softmax(net(torch.from_numpy(codes)), 1).double().numpy() for net in cnn.nets], axis=0
        )
    np.testing.assert_allclose(cnn.predict_proba(queries), expected, atol=1e-5)
