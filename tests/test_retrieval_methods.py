"""The method objects of dnahlm.retrieval.methods and fused's saved state, on real tiny models and pools."""

from __future__ import annotations

import numpy as np
import pytest

from dnahlm.errors import ModelNotFoundError
from dnahlm.retrieval.methods import FewShot, FusedFit, Head, Knn, Probe, fit_combination, train_inputs
from dnahlm.retrieval.pool import ExamplePool
from dnahlm.retrieval.predictor import PredictorConfig
from dnahlm.tasks import Task
from tests.conftest import motif_examples


def context(task, pool, queries, **kwargs):
    from dnahlm.retrieval.methods import Context

    return Context(task, PredictorConfig(shots=4, k=8), queries, pool=pool, **kwargs)


def test_few_shot_examples_of_pool_rows_never_include_the_row_and_come_least_similar_first(motif_task):
    examples = motif_examples(60, 3)
    pool = ExamplePool(motif_task, examples)
    rows = [0, 1, 7]
    queries = [examples[i].sequence for i in rows]
    ctx = context(motif_task, pool, queries, vectors=pool.vectors[rows], exclude_self=True)
    shots = FewShot.shots(queries, ctx)
    sims = pool.vectors[rows] @ pool.vectors.T  # cosine: the vectors are unit length
    for q, (row, chosen) in enumerate(zip(rows, shots, strict=True)):
        assert examples[row] not in chosen and len(chosen) == 4
        assert sorted(e.label for e in chosen) == [0, 0, 1, 1]  # balanced: the best two of each label
        for label in (0, 1):  # each label's two are its most similar rows other than the query itself
            others = [i for i, e in enumerate(examples) if e.label == label and i != row]
            best = sorted(others, key=lambda i: -sims[q, i])[:2]
            assert {examples[i].id for i in best} == {e.id for e in chosen if e.label == label}
        got = [sims[q, examples.index(e)] for e in chosen]
        assert got == sorted(got)  # least similar first: the most similar sits next to the query
    # without exclude_self a pool row is its own nearest example
    own = FewShot.shots(queries, context(motif_task, pool, queries))
    assert all(chosen[-1] == examples[row] for row, chosen in zip(rows, own, strict=True))


def test_a_saved_fused_fit_scores_as_the_one_it_was_saved_from(motif_task):
    examples = motif_examples(300, 4)
    task = motif_task
    seqs = [e.sequence for e in examples]
    y = np.array([e.label for e in examples])
    trained = train_inputs(task, seqs[:200], y[:200], PredictorConfig(motif_cnn=False))
    assert list(trained) == ["tuned-knn", "probe", "onehot"]  # 200 rows: too few for the CNN (500)
    pool = ExamplePool(task, examples[:200])
    cal = seqs[200:]
    ctx = context(task, pool, cal)
    parts = {"knn": Knn().probs(cal, ctx), **{n: t.probs(cal, ctx) for n, t in trained.items()}}
    fit = FusedFit(list(parts), fit_combination(parts, y[200:], 0), trained, "pool", list(range(200, 300)))
    again = FusedFit.from_json(fit.to_json(), task, 0)
    assert again.calibration_rows == list(range(200, 300)) and again.inputs == ["knn", *trained]
    assert again.trained["probe"].c == trained["probe"].c
    # read back, the tuned kNN rebuilds its vote from the context's pool (the rows it was trained on)
    again_parts = {"knn": parts["knn"], **{n: t.probs(cal, ctx) for n, t in again.trained.items()}}
    np.testing.assert_allclose(  # weights kept as float32 in JSON
        again.combine(again_parts, task.label_ids), fit.combine(parts, task.label_ids), rtol=1e-5, atol=1e-7
    )
    # the combination reads the GC cue: right on (nearly) every calibration row
    assert np.mean(fit.combine(parts, task.label_ids).argmax(1) == y[200:]) >= 0.95
    damaged = fit.to_json()
    del damaged["trained"]["probe"]["c"]
    with pytest.raises(KeyError):
        FusedFit.from_json(damaged, task, 0)


def test_a_probe_refit_keeps_the_strength_it_chose(motif_task):
    examples = motif_examples(200, 5)
    seqs, y = [e.sequence for e in examples], np.array([e.label for e in examples])
    probe = Probe.train(motif_task, seqs[:100], y[:100], 0)
    again = probe.refit(motif_task, seqs, y, 0)
    assert again.c == probe.c and again is not probe
    assert again.probe.model.weights.shape == probe.probe.model.weights.shape


def test_a_missing_head_is_none_unless_strict(motif_task, tiny_checkpoint_session):
    ctx = context(motif_task, None, ["ACGT"], model_dir=tiny_checkpoint_session)
    assert Head().probs(["ACGT"], ctx) is None  # the tiny checkpoint has no heads
    with pytest.raises(ModelNotFoundError):
        Head(strict=True).probs(["ACGT"], ctx)
    other = Task("motif", "generic", {0: "x", 1: "y"})
    assert Head().probs(["ACGT"], context(other, None, ["ACGT"], model_dir=tiny_checkpoint_session)) is None
