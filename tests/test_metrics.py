from __future__ import annotations

import math

import numpy as np
import pytest

from dnahlm.metrics import classification_report, lenient_accuracy

NAMES = {0: "non-promoter", 1: "promoter"}


def test_binary_metrics_match_hand_computation():
    y = [1, 1, 1, 0, 0, 0, 0, 1]
    p = [1, 1, 0, 0, 0, 1, 0, 1]
    rep = classification_report(y, p, NAMES)
    tp, tn, fp, fn = 3, 3, 1, 1
    assert rep["accuracy"] == 6 / 8
    assert rep["mcc"] == pytest.approx(
        (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    )
    assert rep["macro_f1"] == pytest.approx(0.75)
    assert rep["per_class"]["promoter"] == {"precision": 0.75, "recall": 0.75, "f1": 0.75, "support": 4}


def test_mcc_extremes_and_constant_predictions():
    y = [0, 1, 2, 0, 1, 2]
    three = {0: "a", 1: "b", 2: "c"}
    assert classification_report(y, y, three)["mcc"] == pytest.approx(1.0)
    assert classification_report([0, 1, 0, 1], [1, 0, 1, 0], NAMES)["mcc"] == pytest.approx(-1.0)
    assert classification_report(y, [0] * 6, three)["mcc"] == 0.0


def test_lenient_match_reproduces_the_original_flaw():
    # answering "non-promoter" to a promoter counts as correct under substring matching
    assert lenient_accuracy(["non-promoter"], [1], NAMES) == 1.0
    assert classification_report([1], [0], NAMES)["accuracy"] == 0.0


def test_mcc_of_label_arrays_matches_the_report():
    from dnahlm.metrics import mcc

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 200)
    pred = np.where(rng.random(200) < 0.6, y, rng.integers(0, 3, 200))
    names = {0: "acceptor", 1: "donor", 2: "non-splice"}
    assert mcc(y, pred) == pytest.approx(classification_report(y.tolist(), pred.tolist(), names)["mcc"])


def test_paired_bootstrap_mcc_interval():
    from dnahlm.metrics import paired_bootstrap_mcc

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    good = np.where(rng.random(300) < 0.9, y, 1 - y)  # about 90 % right
    poor = np.where(rng.random(300) < 0.6, y, 1 - y)  # about 60 % right
    same = paired_bootstrap_mcc(y, good, good, n=200)
    assert same == {"diff": 0.0, "ci95": [0.0, 0.0]}
    better = paired_bootstrap_mcc(y, good, poor, n=500)
    assert better["diff"] > 0.4 and 0 < better["ci95"][0] < better["diff"] < better["ci95"][1]
    worse = paired_bootstrap_mcc(y, poor, good, n=500)  # the same resamples: the interval mirrors
    assert worse["diff"] == -better["diff"]
    assert worse["ci95"] == pytest.approx([-better["ci95"][1], -better["ci95"][0]], abs=1e-4)
    with pytest.raises(ValueError, match="same non-zero number of rows"):
        paired_bootstrap_mcc(y, good[:10], poor)
