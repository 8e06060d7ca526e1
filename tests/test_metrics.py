from __future__ import annotations

import math

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
