"""Calibration error, temperature scaling and conformal sets (:mod:`dnahlm.retrieval.calibration`), checked
against loops and the split-conformal rule written here, on rows whose true probabilities are known."""

from __future__ import annotations

import numpy as np
import pytest

from dnahlm.errors import ConfigError, DataFormatError
from dnahlm.retrieval.calibration import Conformal, Temperature, describe_set, ece, log_loss


def _rows(n: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """True class probabilities and labels drawn from them: a perfectly calibrated source."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(classes, 0.7), size=n)
    y = np.array([rng.choice(classes, p=row) for row in p])
    return p, y


def _sharpen(p: np.ndarray, t: float) -> np.ndarray:
    q = p ** (1 / t)
    return q / q.sum(1, keepdims=True)


def _ece_loop(p: np.ndarray, y: np.ndarray, bins: int) -> float:
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        rows = [i for i in range(len(y)) if (lo < p[i].max() <= hi) or (b == 0 and p[i].max() == 0)]
        if rows:
            conf = np.mean([p[i].max() for i in rows])
            acc = np.mean([p[i].argmax() == y[i] for i in rows])
            total += len(rows) / len(y) * abs(acc - conf)
    return total


def test_ece_is_the_binned_gap_between_confidence_and_accuracy():
    p, y = _rows(800, 3, 0)
    over = _sharpen(p, 0.4)
    assert ece(over, y, bins=10) == pytest.approx(_ece_loop(over, y, 10), abs=1e-12)
    assert ece(p, y, bins=10) < 0.05 < ece(over, y, bins=10)


def test_temperature_recovers_the_sharpening_and_lowers_the_error():
    p, y = _rows(3000, 2, 1)
    over = _sharpen(p, 0.5)  # log p / 0.5: over-confident by a temperature of 2
    t = Temperature.fit(over, y)
    assert t.t == pytest.approx(2.0, rel=0.15)
    fixed = t(over)
    assert (fixed.argmax(1) == over.argmax(1)).all()  # the label never changes
    assert ece(fixed, y) < ece(over, y) / 2 and log_loss(fixed, y) < log_loss(over, y)


@pytest.mark.parametrize("coverage", [0.8, 0.9, 0.95])
def test_conformal_sets_cover_new_rows_at_the_stated_rate(coverage):
    cal_p, cal_y = _rows(2000, 3, 2)
    test_p, test_y = _rows(6000, 3, 3)
    conf = Conformal.fit(cal_p, cal_y)
    measured = conf.coverage_on(test_p, test_y, coverage)
    assert abs(measured["coverage"] - coverage) <= 0.02, measured
    # the split-conformal rule, written out: a label is in when (#calibration scores >= its score + 1) / (n + 1)
    # exceeds 1 - coverage, its score being 1 - p(label)
    cal_scores = 1 - cal_p[np.arange(len(cal_y)), cal_y]
    n = len(cal_scores)
    alpha = 1 - test_p[:300]
    expected = ((cal_scores[None, None, :] >= alpha[:, :, None]).sum(2) + 1) / (n + 1) > 1 - coverage
    assert (conf.sets(test_p[:300], coverage) == expected).all()


def test_sets_in_words_and_a_bad_coverage_or_calibration():
    labels = ["non-promoter", "promoter"]
    assert describe_set(labels, [True, True], 0.9) == "non-promoter or promoter cannot be told apart at 90%"
    assert describe_set(labels, [False, True], 0.9).startswith("promoter (the 90% prediction set")
    assert describe_set(labels, [False, False], 0.9).startswith("no label fits at 90%")
    conf = Conformal.fit(*_rows(50, 2, 4))
    with pytest.raises(ConfigError, match="coverage"):
        conf.sets(np.array([[0.5, 0.5]]), 1.5)
    back = Conformal.from_json(conf.to_json())
    probe = _rows(20, 2, 5)[0]
    assert (back.sets(probe, 0.9) == conf.sets(probe, 0.9)).all()
    for bad in ({"scores": []}, {"scores": [0.1, float("nan")]}, {"scores": "x"}, {}):
        with pytest.raises(DataFormatError, match="conformal"):
            Conformal.from_json(bad)
