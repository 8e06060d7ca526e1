"""Every prediction says what it is worth (:mod:`dnahlm.retrieval.trust`): the sanity set through the one
prediction service with the embedded checkpoint's heads, best-of-windows answers against the head's own
record, conformal coverage on rows the record never saw, and fused's held-out record."""

from __future__ import annotations

import csv
import json
import random

import numpy as np
import pytest

from dnahlm.examples import GLUT5_PROMOTER_300
from dnahlm.retrieval.service import PredictionService
from dnahlm.settings import EMBEDDED_CHECKPOINTS
from tests.conftest import SHARED_DATA, needs_shared_data

TINY = EMBEDDED_CHECKPOINTS / "dnahlm-tiny"


@pytest.fixture(scope="module")
def service():
    return PredictionService()


def _record(task: str) -> dict:
    return json.loads((TINY / "heads" / task / "calibration.json").read_text())


@pytest.mark.parametrize(("task", "n"), [("prom_300_all", 300), ("tf_0", 101), ("splice", 400)])
def test_homopolymers_and_repeats_get_no_call_with_the_reason(service, task, n):
    rng = random.Random(3)
    cases = {
        "poly-A": ("A" * n, "homopolymer"),
        "poly-C": ("C" * n, "homopolymer"),
        "(CA)n": (("CA" * n)[:n], "simple repeat"),
        "(CAG)n": (("CAG" * n)[:n], "simple repeat"),
        "AT only": ("".join(rng.choice("AT") for _ in range(n)), "composition: GC"),
    }
    preds = service.predict(task, [s for s, _ in cases.values()])
    for (name, (seq, reason)), p in zip(cases.items(), preds, strict=True):
        assert not p.call, name
        assert p.caveat.startswith(f"This {len(seq)} bp sequence is unlike the ") and reason in p.caveat, name
        assert p.caveat.endswith("no call.")
        assert p.reliability.startswith(f"the checkpoint's {task} head: held-out MCC")


def test_the_issue_reproduction_300_a_is_no_call(service):
    """``dnahlm ask "Is this a promoter?" --seq A*300`` answered "promoter [0.93]"."""
    p = service.predict("promoter", ["A" * 300])[0]
    assert not p.call and "no call" in p.caveat
    assert p.task == "prom_300_all"


def test_a_real_promoter_is_a_call_with_its_measured_reliability(service):
    record = _record("prom_300_all")["held_out"]
    p = service.predict("prom_300_all", [GLUT5_PROMOTER_300])[0]
    assert p.call and p.caveat is None
    assert p.reliability == (
        f"the checkpoint's prom_300_all head: held-out MCC {record['mcc']:.2f}, accuracy "
        f"{record['accuracy']:.2f} (n = {record['n']:,} pool rows it was not tuned on)"
    )


def test_the_best_of_many_windows_is_judged_against_chance(service):
    """A random 2 kb sequence scored as tf_0 in 38 windows: the reported label is the best window's; the
    chance that a background sequence reaches it in as many windows comes from the head's own record."""
    rng = random.Random(1)
    seqs = ["".join(rng.choice("ACGT") for _ in range(2000)) for _ in range(6)]
    null = np.array(_record("tf_0")["held_out"]["null"])
    for p in service.predict("tf_0", seqs):
        assert p.windows == 38
        if p.label_name != "binding site" or "unlike the" in (p.caveat or ""):
            continue
        prob = p.probs["binding site"]
        q = max(0.5, float((null >= prob).sum())) / len(null)
        chance = 1 - (1 - q) ** 38  # computed here, from the record
        assert p.caveat is not None and "38 windows" in p.caveat
        if chance >= 0.01:
            assert not p.call and f"{chance:.0%} of sequences without a binding site" in p.caveat
        else:
            assert p.call and f"{chance:.1%} of the time by chance" in p.caveat


def test_a_coverage_gives_prediction_sets_in_words(service):
    preds = service.predict("prom_300_all", [GLUT5_PROMOTER_300, "A" * 300], coverage=0.9)
    for p in preds:
        assert p.coverage == 0.9 and p.prediction_set is not None
        assert set(p.prediction_set) <= {"non-promoter", "promoter"}
    words = preds[0].set_text
    assert ("cannot be told apart at 90%" in words) == (len(preds[0].prediction_set) == 2)


def _pool(task: str) -> tuple[list[str], np.ndarray]:
    from dnahlm.train.pipeline import pool_file

    with open(pool_file(SHARED_DATA, task), newline="") as fh:  # the rows as written, read with csv here
        rows = list(csv.DictReader(fh))
    return [r["sequence"].upper() for r in rows], np.array([int(r["label"]) for r in rows])


@needs_shared_data()
@pytest.mark.data
@pytest.mark.slow
def test_conformal_sets_cover_rows_the_record_never_saw(service):
    """tf_0's head: its record was made on 1,000 untuned pool rows; 2,000 other untuned rows are covered
    at the stated rate within 2.5 points (their standard error is 0.7)."""
    from dnahlm.tuned import untuned_for_task

    seqs, labels = _pool("tf_0")
    fresh = untuned_for_task(TINY, "tf_0", seqs)
    record = _record("tf_0")
    rng = np.random.default_rng(5)
    picked = rng.choice(fresh, size=2000, replace=False)
    preds = service.predict("tf_0", [seqs[i] for i in picked], coverage=0.9, window=False)
    names = ["background sequence", "binding site"]
    covered = np.mean([names[labels[i]] in p.prediction_set for i, p in zip(picked, preds, strict=True)])
    # the record's rows may be among them (a 1,000 of the untuned rows); at most about a third overlap
    assert abs(covered - 0.9) <= 0.025, covered
    assert record["held_out"]["n"] == 1000


@needs_shared_data()
@pytest.mark.data
@pytest.mark.parametrize("task", ["prom_300_all", "tf_0", "splice"])
def test_real_rows_are_calls(service, task):
    seqs, _ = _pool(task)
    rng = random.Random(4)
    sample = rng.sample(seqs, 60)
    preds = service.predict(task, sample, window=False)
    outside = [p.caveat for p in preds if not p.call]
    assert len(outside) <= 1, outside


def test_fused_keeps_its_held_out_record_and_applies_its_temperature(tmp_path, setting_env):
    from dnahlm.retrieval.methods import features
    from dnahlm.retrieval.predictor import METHODS, FewShotPredictor, PredictorConfig
    from dnahlm.tasks import Task
    from tests.conftest import motif_examples

    setting_env("DNAHLM_HOME", str(tmp_path / "home"))
    task = Task("motif", "generic", {0: "at-rich", 1: "gc-rich"})
    pool = motif_examples(400, 9)
    config = PredictorConfig(cache_dir=str(tmp_path / "fits"), motif_cnn=False)
    first = FewShotPredictor(task, pool, config=config).fit()
    held = first.fit_state.held_out
    assert held is not None and held.n == len(first.fit_state.calibration_rows)
    assert len(held.scores) == held.n and len(held.null) == sum(
        pool[i].label == 0 for i in first.fit_state.calibration_rows
    )
    again = FewShotPredictor(task, pool, config=config)
    assert again.load_fit()
    back = again.fit_state.held_out  # read back from JSON: the same record (scores kept to 6 decimals)
    assert (back.n, back.mcc, back.temperature) == (held.n, held.mcc, held.temperature)
    assert back.scores == pytest.approx(held.scores, abs=1e-6) and back.null == pytest.approx(
        held.null, abs=1e-6
    )
    query = ["GCGCGGCCATGCGGCCGCGCCGGCGCGCAATGCGCGGCGC"]
    fit = first.fit_state
    asked = ["fused", *(n for n in fit.inputs if n in METHODS)]
    parts = first.method_probs(query, asked, fused_inputs=True)[0]
    raw = fit.combination.predict_proba(features({n: parts[n] for n in fit.inputs}), task.label_ids)
    scaled = parts["fused"]
    z = np.log(raw) / held.temperature  # softmax(log p / t), computed here
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert scaled == pytest.approx(expected, abs=1e-9)


def test_a_large_pool_keeps_rows_out_of_the_whole_fit_to_judge_it(tmp_path):
    """2,400 rows: 500 are kept out of the calibration split and of every trained input; the record is their
    MCC, computed here from the fit's own probabilities of those rows (as a query would get them)."""
    from dnahlm.metrics import mcc
    from dnahlm.retrieval.predictor import FewShotPredictor, PredictorConfig
    from dnahlm.tasks import Task
    from tests.conftest import motif_examples

    task = Task("motif", "generic", {0: "at-rich", 1: "gc-rich"})
    pool = motif_examples(2400, 11)
    predictor = FewShotPredictor(task, pool, config=PredictorConfig(cache_dir=None, motif_cnn=False)).fit()
    fit = predictor.fit_state
    held = fit.held_out
    assert held.kind == "held-out pool rows" and held.n == len(fit.held_out_rows) == 500
    assert not set(fit.held_out_rows) & set(fit.calibration_rows)
    assert held.describe("fused", "here").count("pool rows kept out of the whole fit") == 1
    rows = fit.held_out_rows
    # the rows scored as new queries are: each left out of the pool search (a query is not in the pool)
    ctx = predictor.context([pool[i].sequence for i in rows], exclude_self=True)
    probs = fit.combine(predictor.components(ctx, fit.inputs), task.label_ids)
    truth = [pool[i].label for i in rows]
    assert held.mcc == pytest.approx(mcc(truth, probs.argmax(1).tolist()), abs=1e-9)
    assert 0.8 < held.mcc <= 1.0  # a task the k-mer inputs separate


def test_a_fitted_pool_keeps_its_summary_so_its_first_question_does_not_rebuild_it(tmp_path, monkeypatch):
    from dnahlm.retrieval import trust
    from dnahlm.retrieval.predictor import FewShotPredictor, PredictorConfig
    from dnahlm.tasks import Task
    from tests.conftest import motif_examples

    task = Task("motif", "generic", {0: "at-rich", 1: "gc-rich"})
    pool = motif_examples(300, 13)
    config = PredictorConfig(cache_dir=str(tmp_path / "fits"), motif_cnn=False)
    first = FewShotPredictor(task, pool, config=config).fit()
    domain, line = first.summary
    assert first.fit_state.pool_summary == {"domain": domain.to_json(), "knn": line}

    def rebuilt(_predictor):
        raise AssertionError("the kept summary should have been used")

    monkeypatch.setattr(trust, "pool_summary", rebuilt)
    again = FewShotPredictor(task, pool, config=config)
    assert again.load_fit()
    assert again.summary == (domain, line)
    p = again.predict(["A" * 40], method="fused")[0]
    basis = trust.pool_basis(again, "fused")
    assert basis.domain == domain and not trust.judge(task, [p], ["A" * 40], basis)[0].call
