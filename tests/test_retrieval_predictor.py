"""FewShotPredictor: kNN, few-shot and fused predictions with evidence, on the tiny models and real GUE rows."""

from __future__ import annotations

import csv
import itertools
import json

import numpy as np
import pytest
import torch

from dnahlm.errors import ConfigError, InvalidSequenceError, UserInputError
from dnahlm.metrics import classification_report
from dnahlm.prompts import format_prompt
from dnahlm.retrieval.pool import C_GRID, ExamplePool, LinearProbe, choose_c, knn_probs, probe_features
from dnahlm.retrieval.predictor import FIT_FORMAT, MIN_CNN_POOL, FewShotPredictor, PredictorConfig
from dnahlm.retrieval.prompting import centre, fit_shots
from dnahlm.tasks import Example, Task, get_task
from tests.conftest import SHARED_DATA, motif_examples, needs_shared_data


def accuracy(preds, examples) -> float:
    return float(np.mean([p.label == e.label for p, e in zip(preds, examples, strict=True)]))


@pytest.fixture(scope="module")
def pool():
    return motif_examples(200, 11)


@pytest.fixture(scope="module")
def test_rows():
    return motif_examples(40, 12)


def test_knn_separates_the_classes_and_reports_its_evidence(motif_task, pool, test_rows):
    predictor = FewShotPredictor(motif_task, pool, model_path="/nonexistent/model")  # knn needs no model
    preds = predictor.predict([e.sequence for e in test_rows], method="knn")
    assert accuracy(preds, test_rows) >= 0.9
    pool_ids = {e.id: e for e in pool}
    for p in preds:
        assert p.method == "knn"
        assert set(p.probs) == {"at-rich", "gc-rich"}
        assert sum(p.probs.values()) == pytest.approx(1.0)
        assert p.label_name == max(p.probs, key=p.probs.get)
        assert len(p.evidence) == 5
        scores = [e.score for e in p.evidence]
        assert scores == sorted(scores, reverse=True)
        for e in p.evidence:
            assert e.label == motif_task.labels[pool_ids[e.id].label]


def test_pool_search_can_leave_out_the_query_itself(motif_task, pool):
    p = ExamplePool(motif_task, pool)
    seqs = [e.sequence for e in pool[:10]]
    with_self = p.search(seqs, 3)
    without = p.search(seqs, 3, exclude_self=True)
    assert all(
        hits[0].example.sequence == s and hits[0].similarity == pytest.approx(1.0)
        for hits, s in zip(with_self, seqs, strict=True)
    )
    assert all(
        len(h) == 3 and all(n.example.sequence != s for n in h) for h, s in zip(without, seqs, strict=True)
    )


def test_knn_probs_follow_the_similarity_weighted_vote(motif_task, pool):
    p = ExamplePool(motif_task, pool)
    hits = p.search([pool[0].sequence], 4, exclude_self=True)
    probs = knn_probs(motif_task, hits, temperature=0.05, prior=0.0)
    sims = np.array([h.similarity for h in hits[0]])
    w = np.exp((sims - sims.max()) / 0.05)
    expected_gc = sum(wi for wi, h in zip(w, hits[0], strict=True) if h.example.label == 1) / w.sum()
    assert probs[0, 1] == pytest.approx(expected_gc)


def test_fused_combines_every_method_and_the_head(motif_task, pool, test_rows, sft_loaded):
    config = PredictorConfig(calibration=60, k=8, shots=2, batch_size=16, inputs="full")
    predictor = FewShotPredictor(motif_task, pool, model=sft_loaded, config=config).fit()
    # instruct, knn, few-shot, the k-mer probe and the checkpoint's head: two classes each
    assert predictor.fused_inputs == ["instruct", "knn", "tuned-knn", "few-shot", "probe", "onehot", "head"]
    assert predictor.input_losses is None  # no input selection unless asked for
    # (what fused adds over its inputs is measured on a task no single input can read: see the two-cue
    # tests below; on this one kNN alone is already right on every row)
    queries = [e.sequence for e in test_rows[:8]]
    few = predictor.predict(queries, method="few-shot")
    assert all(p.method == "few-shot" for p in few)
    # the same probabilities, computed here (with each tied choice of examples)
    sims = predictor.pool.embed(queries) @ predictor.pool.vectors.T
    for p, q, row in zip(few, queries, sims, strict=True):
        options = few_shot_reference(sft_loaded, motif_task, pool, q, row)
        got = [p.probs[n] for n in motif_task.label_names]
        assert any(got == pytest.approx(o, abs=1e-4) for o in options), (got, options)


def few_shot_reference(loaded, task, pool, query, sims) -> list[list[float]]:
    """Two-shot label probabilities, by label likelihood: the nearest pool row of each label by the
    similarities ``sims`` (N,), the less similar first, in the Alpaca few-shot prompt; each label's
    log-likelihood (with end-of-text) by one full forward pass. Short sequences share few 5-mers, so
    similarities tie: one list of probabilities for each tied choice of examples."""
    labels = np.array([e.label for e in pool])
    tied = [np.flatnonzero((labels == lab) & (sims >= sims[labels == lab].max() - 1e-6)) for lab in (0, 1)]
    options = []
    for a, b in itertools.product(*tied):
        first, second = (a, b) if sims[a] <= sims[b] else (b, a)
        for order in [(first, second)] + ([(second, first)] if sims[a] == sims[b] else []):
            prompt = format_prompt(task, query, [pool[i] for i in order])
            options.append(softmax([label_log_likelihood(loaded, prompt, n) for n in task.label_names]))
    return options


@torch.no_grad()
def label_log_likelihood(loaded, prompt: str, label: str) -> float:
    """log p(label, end-of-text | prompt) by one forward pass over the whole text."""
    tok = loaded.tokenizer
    ids = tok(prompt, add_special_tokens=False)["input_ids"]
    target = tok(label, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
    logits = loaded.model(input_ids=torch.tensor([ids + target[:-1]])).logits[0]  # (T, V)
    logp = torch.log_softmax(logits.float(), -1)[len(ids) - 1 :]
    return float(logp.gather(-1, torch.tensor(target)[:, None]).sum())


def softmax(scores: list[float]) -> list[float]:
    z = np.exp(np.array(scores) - max(scores))
    return (z / z.sum()).tolist()


WORD = 10
BLOCK = "TATATATATATA"
BAR = 0.9
"""Accuracy on held-out two-cue rows that fused must reach and that none of its inputs reaches alone."""


def two_cues(n: int, seed: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """120 bp random sequences, each with one of two cues to its label (half the rows each, at random).

    - Composition: three 10-mer words of vocabulary A or B and three of C or D, at random places in the
      middle; label 1 for the pairs (A, C) and (B, D), 0 for (A, D) and (B, C). An exclusive or: a linear
      model of k-mer counts cannot read it, the nearest neighbours (rows with the same words) can.
    - Position: words of the neutral vocabularies E and F, and TATATATATATA at the start (label 1) or at
      the end (label 0). The same k-mers either way: only counts by stretch can read it.

    Every input of ``fused`` can read one cue at most, so alone it is right on about 3 rows in 4; a
    combination that trusts each input where it is sure can be right on nearly all. Returns the
    sequences, the labels, and which rows carry the composition cue.
    """
    vocab_rng = np.random.default_rng(1234)  # the same vocabularies in every split
    vocab = {v: ["".join(vocab_rng.choice(list("ACGT"), WORD)) for _ in range(3)] for v in "ABCDEF"}
    rng = np.random.default_rng(seed)
    seqs, labels, composition = [], rng.integers(0, 2, n), rng.random(n) < 0.5
    for label, by_composition in zip(labels, composition, strict=True):
        s = list(rng.choice(list("ACGT"), 120))
        if by_composition:
            first = int(rng.integers(0, 2))
            pair = ("AB"[first], "CD"[first if label == 1 else 1 - first])
        else:
            pair = ("E", "F")
            at = 1 if label == 1 else 120 - 1 - len(BLOCK)
            s[at : at + len(BLOCK)] = BLOCK
        slots = rng.permutation(np.arange(15, 120 - 15 - WORD, WORD + 1))  # apart, clear of the ends
        for word, at in zip(vocab[pair[0]] + vocab[pair[1]], slots, strict=False):
            s[at : at + WORD] = word
        seqs.append("".join(s))
    return seqs, labels, composition


@pytest.fixture(scope="module")
def two_cue_task():
    task = Task("two-cues", "generic", {0: "no", 1: "yes"})
    seqs, labels, _ = two_cues(300, 10)
    pool = [
        Example(f"two-cues:{i}", s, int(v), task.name)
        for i, (s, v) in enumerate(zip(seqs, labels, strict=True))
    ]
    test, y_test, composition = two_cues(200, 11)
    return task, pool, test, y_test, composition


@pytest.mark.parametrize("inputs", ["fast", "full"])
def test_fused_reads_two_cues_that_no_single_input_reads(two_cue_task, tiny_loaded, inputs):
    """A new task, only a labelled pool, an untuned model: fused clears a bar that neither kNN nor any
    other of its inputs reaches alone, on held-out rows; with the model's inputs (near chance here) too."""
    task, pool, test, y_test, composition = two_cue_task
    config = PredictorConfig(calibration=100, shots=2, motif_cnn=False, batch_size=32, inputs=inputs)
    predictor = FewShotPredictor(task, pool, model=tiny_loaded, config=config).fit()
    assert (
        predictor.fused_inputs
        == {  # no head: the checkpoint has none for this task
            "fast": ["knn", "tuned-knn", "probe", "onehot"],
            "full": ["instruct", "knn", "tuned-knn", "few-shot", "probe", "onehot"],
        }[inputs]
    )
    methods = [m for m in ("instruct", "knn", "few-shot") if m in predictor.fused_inputs]
    probs, _ = predictor.method_probs(test, [*methods, "fused"], fused_inputs=True)
    right = {name: p.argmax(1) == y_test for name, p in probs.items()}  # columns: label ids 0, 1
    acc = {name: float(r.mean()) for name, r in right.items()}
    assert set(acc) == {*predictor.fused_inputs, "fused"}
    assert all(acc[name] < BAR for name in predictor.fused_inputs), acc
    assert acc["knn"] < BAR <= acc["fused"], acc
    # each cue is read by its own input: kNN the composition, the position-aware probe the position
    assert right["knn"][composition].mean() >= 0.9 and right["knn"][~composition].mean() < 0.7, acc
    assert right["probe"][~composition].mean() >= 0.9 and right["probe"][composition].mean() < 0.7, acc
    preds = predictor.predict(test[:20], method="fused")
    assert [p.label for p in preds] == probs["fused"][:20].argmax(1).tolist()
    assert {p.label_name for p in predictor.predict(test, method="fused")} == {"no", "yes"}


def test_fused_fits_are_cached_as_json_and_keyed_by_the_pool(
    motif_task, pool, test_rows, tiny_loaded, tmp_path
):
    config = PredictorConfig(calibration=40, batch_size=16, cache_dir=str(tmp_path / "fits"))
    first = FewShotPredictor(motif_task, pool, model=tiny_loaded, config=config).fit()
    files = list((tmp_path / "fits").glob("fused-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["inputs"] == first.fused_inputs
    again = FewShotPredictor(motif_task, pool, model=tiny_loaded, config=config)

    def no_scoring(*args, **kwargs):
        raise AssertionError("a cached fit must not score the calibration rows again")

    again.components = no_scoring  # the fit is read back, not recomputed
    again.fit()
    assert again.fit_state.calibration_rows == first.fit_state.calibration_rows
    assert again.fused_inputs == first.fused_inputs
    seqs = [e.sequence for e in test_rows[:6]]
    del again.components
    a = first.method_probs(seqs, ["fused"])[0]["fused"]
    b = again.method_probs(seqs, ["fused"])[0]["fused"]
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    flipped = [Example(e.id, e.sequence, 1 - e.label, e.task) if i == 0 else e for i, e in enumerate(pool)]
    FewShotPredictor(motif_task, flipped, model=tiny_loaded, config=config).fit()
    assert len(list((tmp_path / "fits").glob("fused-*.json"))) == 2  # another pool, another fit
    files[0].write_text("{not json")
    FewShotPredictor(motif_task, pool, model=tiny_loaded, config=config).fit()  # unreadable: refitted
    data = json.loads(files[0].read_text())
    assert data["format"] == FIT_FORMAT and data["trained"]["probe"]["c"] in C_GRID  # its strength is kept


def test_a_large_pool_adds_the_motif_cnn_and_caches_it(motif_task, tiny_loaded, tmp_path):
    pool = motif_examples(MIN_CNN_POOL + 100, 31)
    test = motif_examples(30, 32)
    config = PredictorConfig(calibration=60, batch_size=16, cache_dir=str(tmp_path))
    first = FewShotPredictor(motif_task, pool, model=tiny_loaded, config=config).fit()
    assert first.fused_inputs == [
        "knn",
        "tuned-knn",
        "probe",
        "onehot",
        "cnn",
    ]  # the default: the pool-trained inputs
    probs, _ = first.method_probs([e.sequence for e in test], ["fused"])
    cnn_alone = first.components(first.context([e.sequence for e in test]), ["cnn"])["cnn"]
    assert np.mean(cnn_alone.argmax(1) == [e.label for e in test]) >= 0.9  # it learnt the task itself
    again = FewShotPredictor(motif_task, pool, model=tiny_loaded, config=config).fit()  # from the cache
    np.testing.assert_allclose(again.method_probs([e.sequence for e in test], ["fused"])[0]["fused"],
                               probs["fused"], rtol=1e-5, atol=1e-7)  # fmt: skip
    quick = FewShotPredictor(
        motif_task, pool, model=tiny_loaded, config=PredictorConfig(calibration=60, motif_cnn=False)
    ).fit()
    assert "cnn" not in quick.fused_inputs


def test_a_small_pool_is_calibrated_on_all_rows_without_the_probe(motif_task, tiny_loaded):
    small = motif_examples(30, 5)
    predictor = FewShotPredictor(
        motif_task, small, model=tiny_loaded, config=PredictorConfig(batch_size=16)
    ).fit()
    assert predictor.trained == {} and predictor.fit_state.calibration_rows == list(range(30))
    assert predictor.fused_inputs == ["knn"]
    full = PredictorConfig(batch_size=16, inputs="full")
    predictor = FewShotPredictor(motif_task, small, model=tiny_loaded, config=full).fit()
    assert predictor.fused_inputs == ["instruct", "knn", "few-shot"]


def test_fused_drops_the_model_inputs_only_when_they_do_not_help(motif_task, pool):
    """The input set is chosen by cross-validated log-loss on the calibration rows alone."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)

    def probs(signal):  # (300, 2) probabilities, informative in proportion to ``signal``
        p1 = 1 / (1 + np.exp(-(signal * (2 * y - 1) + rng.normal(0, 1, len(y)))))
        return np.stack([1 - p1, p1], 1)

    predictor = FewShotPredictor(motif_task, pool, config=PredictorConfig(inputs="auto"))
    weak_model = {"instruct": probs(0.0), "few-shot": probs(0.0), "knn": probs(1.5), "probe": probs(1.5)}
    names, losses = predictor.choose_inputs(weak_model, y)
    assert names == ["knn", "probe"] and losses["pool only"] < losses["all"]
    strong_model = {"instruct": probs(3.0), "few-shot": probs(0.0), "knn": probs(0.5), "probe": probs(0.0)}
    names, losses = predictor.choose_inputs(strong_model, y)
    assert names == list(strong_model) and losses["all"] < losses["pool only"]
    fixed = FewShotPredictor(motif_task, pool, config=PredictorConfig(inputs="full"))  # keeps every input
    assert fixed.choose_inputs(weak_model, y) == (list(weak_model), None)


def test_fused_without_the_model_inputs_does_not_run_the_model(two_cue_task, tiny_loaded):
    task, pool, test, y_test, _ = two_cue_task
    config = PredictorConfig(calibration=100, shots=2, motif_cnn=False, inputs="full")
    predictor = FewShotPredictor(task, pool, model=tiny_loaded, config=config)
    predictor.choose_inputs = lambda components, labels: (["knn", "probe"], None)
    predictor.fit()
    assert predictor.fused_inputs == ["knn", "probe"] and "instruct" in predictor.calibration[0]

    def no_model(*args, **kwargs):
        raise AssertionError("fused on pool inputs only must not score with the language model")

    for name in ("instruct", "few-shot", "head"):
        predictor.methods[name].probs = no_model
    fused = np.array([p.label for p in predictor.predict(test, method="fused")])
    knn = np.array([p.label for p in predictor.predict(test, method="knn")])
    assert np.mean(knn == y_test) < BAR <= np.mean(fused == y_test)  # the two pool inputs still combine


def test_bad_queries_and_pools_are_clear_errors(motif_task, pool):
    predictor = FewShotPredictor(motif_task, pool)
    with pytest.raises(InvalidSequenceError, match=r"query 2.*position 3"):
        predictor.predict(["ACGT", "ACXT"], method="knn")
    with pytest.raises(ConfigError, match="unknown method"):
        predictor.predict(["ACGT"], method="vote")
    with pytest.raises(UserInputError, match="empty"):
        FewShotPredictor(motif_task, [])
    with pytest.raises(UserInputError, match=r"labels \[7\]"):
        FewShotPredictor(motif_task, [Example("x", "ACGT", 7, "motif")])
    one_label = [e for e in pool if e.label == 0]
    with pytest.raises(ConfigError, match="two labels"):
        FewShotPredictor(motif_task, one_label).fit()


def test_linear_probe_learns_kmer_profiles(motif_task, pool, test_rows):
    p = ExamplePool(motif_task, pool)
    probe = LinearProbe(motif_task).fit(p.vectors, p.labels)
    probs = probe.predict_proba(p.embed([e.sequence for e in test_rows]))
    assert probs.shape == (40, 2)
    assert np.mean(probs.argmax(1) == np.array([e.label for e in test_rows])) >= 0.9


def placed_motif(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """300 bp random sequences with TATAAAAG at offset 30 (label 1) or at offset 240 (label 0): the same
    k-mers either way, only the place differs."""
    rng = np.random.default_rng(seed)
    seqs, labels = [], rng.integers(0, 2, n)
    for label in labels:
        s = list(rng.choice(list("ACGT"), 300))
        at = 30 if label == 1 else 240
        s[at : at + 8] = "TATAAAAG"
        seqs.append("".join(s))
    return seqs, labels


def test_the_probe_sees_where_a_motif_sits(motif_task):
    seqs, y = placed_motif(400, 1)
    test, y_test = placed_motif(200, 2)
    probe = LinearProbe(motif_task, c=None).fit(probe_features(seqs), y)
    assert probe_features(test).shape == (200, 1024 + 12 * 64)
    assert np.mean(probe.predict_proba(probe_features(test)).argmax(1) == y_test) >= 0.9
    pool = ExamplePool(
        motif_task,
        [Example(str(i), q, int(v), "motif") for i, (q, v) in enumerate(zip(seqs, y, strict=True))],
    )
    profile = LinearProbe(motif_task).fit(pool.vectors, pool.labels)  # position-free k-mer profile
    assert np.mean(profile.predict_proba(pool.embed(test)).argmax(1) == y_test) < 0.7


def test_the_probe_strength_is_chosen_by_cross_validation():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 120)
    signal = (y * 2.0 - 1.0)[:, None] + rng.normal(0, 1.0, (120, 1))
    noisy = np.hstack([signal, rng.normal(0, 1, (120, 400))])  # one useful column among 400 of noise
    assert choose_c(noisy, y) <= 0.01  # strong regularisation wins
    clean = np.hstack([signal * 3, rng.normal(0, 1, (120, 2))])
    assert choose_c(clean, y) >= 0.1  # little to fear from overfitting: weak regularisation wins
    assert choose_c(noisy[:4], np.array([0, 1, 1, 1])) == 1.0  # too few rows of a label to cross-validate


def test_few_shot_prompts_fit_the_context_and_keep_the_query_centre(motif_task, sft_loaded):
    tok, model = sft_loaded.tokenizer, sft_loaded.model
    rng = np.random.default_rng(0)
    long_query = "".join(rng.choice(list("ACGT"), 6000))
    shots = [Example(f"s{i}", "".join(rng.choice(list("ACGT"), 3000)), i % 2, "motif") for i in range(4)]
    prompt = fit_shots(tok, model, motif_task, long_query, shots, budget=300)
    assert len(tok(prompt, add_special_tokens=False)["input_ids"]) <= 300
    assert centre(long_query, 100) in prompt
    short = "ACGTACGTAA"
    fitted = fit_shots(tok, model, motif_task, short, shots[:2])
    assert fitted.count(" -> ") == 2  # both examples stay, cut to the query's length around their centre
    assert centre(shots[0].sequence, len(short)) in fitted


@pytest.mark.slow
@pytest.mark.data
@needs_shared_data()
def test_real_tf_binding_pool_with_the_embedded_model():
    """GUE tf_0 (ChIP-seq peaks vs background): 3,000 pool rows, 150 dev rows; fused uses only the pool.

    Measured: kNN accuracy 0.687 and MCC 0.412, fused 0.753 and 0.505 (kNN, probe and motif CNN)."""
    task = get_task(SHARED_DATA / "gue" / "tasks.json", "tf_0")

    def rows(name: str, n: int) -> list[Example]:
        with open(SHARED_DATA / "gue" / "tf_0" / name) as fh:
            r = list(csv.DictReader(fh))[:n]
        return [Example(f"{name}:{i}", x["sequence"], int(x["label"]), "tf_0") for i, x in enumerate(r)]

    pool, test = rows("train.csv", 3000), rows("dev.csv", 150)
    predictor = FewShotPredictor(task, pool, config=PredictorConfig(calibration=120))
    y = [e.label for e in test]
    report = {}
    for method in ("knn", "fused"):
        preds = predictor.predict([e.sequence for e in test], method=method)
        report[method] = classification_report(y, [p.label for p in preds], task.labels)
    assert report["knn"]["accuracy"] > 0.55
    assert report["fused"]["mcc"] >= report["knn"]["mcc"] + 0.05  # a bar kNN alone does not reach
    assert report["fused"]["accuracy"] > report["knn"]["accuracy"]
