"""Few-shot intent retrieval: which tools answer a question, voted by labelled example questions.

The toolkit predicts a new DNA task from retrieved labelled examples; the planner does the same for
language. A bank of example questions, each labelled with the tools that answer it (``data/
intent_bank.jsonl``, data rather than code), is embedded once; a user's question is embedded the same way
and scored against every intent. Intents scoring at least :data:`MULTI` are planned (several for a
multi-part question), in the order the question asks for them; below :data:`THRESHOLD`, or when the best
intent is ``none`` (nothing here computes it), the agent does not guess and says what it can do instead.
The arguments of each call (enzymes, positions, base changes, primers, conditions...) come from the
question's own words (:func:`.router.step_args`, :mod:`.slots`), never from retrieved text.

Two question embedders, compared in ``benchmarks/bench_planner.py``:

- ``tfidf`` (the default): character 2-5-grams within word boundaries plus words, TF-IDF, and a one-vs-rest
  logistic regression per intent; fitted on the bank when first used (a fraction of a second), robust to
  typos and lab shorthand, no model to load;
- ``minilm``: the packaged all-MiniLM-L6-v2 sentence embeddings and a similarity-weighted vote of the
  nearest examples; the bank's vectors are computed once and kept in ``DNAHLM_HOME`` (keyed by the bank's
  hash), but loading the model costs seconds at the first question.

Example:
    >>> planner = IntentPlanner()
    >>> planner.guess("RE digest w/ EcoRI + BamHI, fragment sizes?").intents
    ['digest']
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from . import router, slots
from .router import Plan, Step, enzymes_named, finish_plan, is_regulatory, route, step_args, subsumed_by

NONE = "none"
"""The intent of a question no tool answers."""
THRESHOLD = 0.10
"""Below this confidence (the best intent's score) the planner abstains; chosen by cross-validation on the
bank (``benchmarks/bench_planner.py --calibrate``)."""
MULTI = 0.80
"""Every intent scoring at least this is planned (a question may ask several things); chosen with
:data:`THRESHOLD`."""
FALLBACK = 0.2
"""When no planned intent's call is complete, one of the next three scoring at least this may stand in."""
CONFIRM = 0.5
"""An intent the regex router's patterns find is planned when the examples score it at least this (0.2 let
"amplicon length" also plan GC statistics: 96% on the first held-out set instead of 98%)."""
UNSURE = 0.3
"""Below this confidence the examples are unsure: a bench calculation the regex router's patterns find with
all its arguments (a pI, a Tm...), else a call both the patterns and the three best intents name, is planned
instead of the weak guess."""
C = 30.0
"""Inverse L2 strength of the shipped intent model's logistic regressions (cross-validated on the bank)."""
KEEP = 800
"""Weights kept per intent in the shipped model (the largest in magnitude)."""


@dataclass(frozen=True)
class BankExample:
    """One labelled example question."""

    question: str
    intents: tuple[str, ...]


def model_path() -> Path:
    """The shipped intent model (``scripts/build_planner.py`` writes it from the bank)."""
    from dnahlm.settings import EMBEDDED_CHECKPOINTS

    return EMBEDDED_CHECKPOINTS / "planner" / "intent-tfidf.json"


def bank_path() -> Path:
    """The packaged example bank."""
    return Path(str(resources.files("dnahlm.agents") / "data" / "intent_bank.jsonl"))


def load_bank(path: str | Path | None = None) -> list[BankExample]:
    """The labelled example questions of a JSON-lines bank (``{"question", "intents"}`` per line)."""
    p = Path(path) if path is not None else bank_path()
    out = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        intents = tuple(row["intents"])
        if not intents or not all(isinstance(i, str) for i in intents):
            raise ValueError(f"{p}:{n}: 'intents' must be a non-empty list of labels")
        out.append(BankExample(str(row["question"]), intents))
    return out


def bank_hash(bank: Sequence[BankExample]) -> str:
    """A short hash of a bank's questions and labels (keys the cached MiniLM vectors)."""
    h = hashlib.sha256()
    for ex in bank:
        h.update(json.dumps([ex.question, list(ex.intents)]).encode())
    return h.hexdigest()[:16]


def _targets(bank: Sequence[BankExample], labels: Sequence[str]) -> np.ndarray:
    """(N, L) 0/1 matrix: which labels each example has."""
    index = {label: j for j, label in enumerate(labels)}
    y = np.zeros((len(bank), len(labels)), dtype=np.int8)
    for i, ex in enumerate(bank):
        for intent in ex.intents:
            y[i, index[intent]] = 1
    return y


class TfidfIntents:
    """Character n-gram TF-IDF and a logistic regression per intent (one-vs-rest, L2, balanced classes).

    Trained with scikit-learn (:meth:`fit`: the build script and the benchmark), scored with numpy alone
    from the shipped JSON (:meth:`load`): a question's grams, sublinear TF times IDF, L2-normalised, then
    one dot product per intent. Only each intent's :data:`KEEP` largest weights are kept (cross-validated
    exact-set accuracy 0.762 against 0.769 with all of them).
    """

    name = "tfidf"

    def __init__(self, c: float = 30.0, keep: int | None = None) -> None:
        self.c, self.keep = c, keep
        self.labels: list[str] = []
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.weights = np.zeros((0, 0), dtype=np.float32)  # (L, F)
        self.bias = np.zeros(0, dtype=np.float32)

    def fit(self, bank: Sequence[BankExample]) -> TfidfIntents:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.labels = sorted({i for ex in bank for i in ex.intents})
        vectorizer = TfidfVectorizer(analyzer=question_grams, sublinear_tf=True)
        x = vectorizer.fit_transform([ex.question for ex in bank])
        y = _targets(bank, self.labels)
        weights, bias = [], []
        for j in range(len(self.labels)):
            m = LogisticRegression(C=self.c, solver="liblinear", class_weight="balanced", random_state=0)
            w = m.fit(x, y[:, j]).coef_.ravel()
            if self.keep is not None:
                w = np.where(np.abs(w) >= np.sort(np.abs(w))[-min(self.keep, len(w))], w, 0.0)
            weights.append(w)
            bias.append(float(m.intercept_[0]))
        self.vocab = {g: int(i) for g, i in vectorizer.vocabulary_.items()}
        self.idf = vectorizer.idf_.astype(np.float32)
        self.weights = np.round(np.array(weights), 4).astype(np.float32)
        self.bias = np.round(np.array(bias), 4).astype(np.float32)
        return self

    def to_json(self, bank: Sequence[BankExample]) -> dict[str, Any]:
        """The model as JSON: only the grams some intent weighs, with their IDF and weights."""
        used = np.flatnonzero(np.any(self.weights != 0, axis=0))
        grams = sorted(self.vocab, key=self.vocab.get)
        return {
            "format": 1,
            "bank": bank_hash(bank),
            "c": self.c,
            "keep": self.keep,
            "labels": self.labels,
            "bias": [round(float(b), 4) for b in self.bias],
            "grams": {
                grams[f]: [round(float(self.idf[f]), 4), {
                    str(j): round(float(self.weights[j, f]), 4) for j in np.flatnonzero(self.weights[:, f])
                }]
                for f in used
            },
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TfidfIntents:
        """A model read back from :meth:`to_json`'s output (numpy only)."""
        model = cls(c=data["c"], keep=data["keep"])
        model.labels = list(data["labels"])
        grams = data["grams"]
        model.vocab = {g: f for f, g in enumerate(grams)}
        model.idf = np.array([grams[g][0] for g in grams], dtype=np.float32)
        model.weights = np.zeros((len(model.labels), len(grams)), dtype=np.float32)
        for f, g in enumerate(grams):
            for j, w in grams[g][1].items():
                model.weights[int(j), f] = w
        model.bias = np.array(data["bias"], dtype=np.float32)
        return model

    def features(self, questions: Sequence[str]) -> np.ndarray:
        """(Q, F) TF-IDF rows as scikit-learn makes them: (1 + log count) x IDF, L2-normalised over the
        grams the model knows (unknown grams are dropped, as in its ``transform``)."""
        x = np.zeros((len(questions), len(self.vocab)), dtype=np.float32)
        for r, text in enumerate(questions):
            counts: dict[int, int] = {}
            for g in question_grams(text):
                f = self.vocab.get(g)
                if f is not None:
                    counts[f] = counts.get(f, 0) + 1
            for f, c in counts.items():
                x[r, f] = (1.0 + np.log(c)) * self.idf[f]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.where(norms > 0, norms, 1.0)

    def scores(self, questions: Sequence[str]) -> np.ndarray:
        """(Q, L) probability of each intent, each scored on its own (several may be high)."""
        z = self.features(questions) @ self.weights.T + self.bias
        return 1.0 / (1.0 + np.exp(-z))


DNA_RUN = re.compile(r"(?<![A-Za-z])[ACGTUNacgtun]{12,}(?![A-Za-z])")
"""DNA written in a question: one token for the embedders, whatever its letters (they are no intent)."""


def question_grams(text: str) -> list[str]:
    """The grams a question is embedded by: DNA runs become one word, then :func:`_grams`."""
    return _grams(DNA_RUN.sub(" dnaseq ", text))


def _grams(text: str, lo: int = 2, hi: int = 5) -> list[str]:
    """Character ``lo``-``hi``-grams inside each word padded with spaces (as ``char_wb``), and the words."""
    out = []
    for word in text.lower().split():
        padded = f" {word} "
        out += [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]
        out.append(f"w:{word.strip('.,;:?!()[]')}")
    return out


def _vote(sims: np.ndarray, y: np.ndarray, k: int, temperature: float) -> np.ndarray:
    """Each question's ``k`` most similar examples vote for their intents, weighted by a softmax of the
    similarities: (Q, L) shares of the vote."""
    k = min(k, sims.shape[1])
    top = np.argsort(-sims, axis=1)[:, :k]
    out = np.zeros((len(sims), y.shape[1]), dtype=np.float32)
    for i, idx in enumerate(top):
        w = np.exp((sims[i, idx] - sims[i, idx].max()) / temperature)
        out[i] = (w / w.sum()) @ y[idx]
    return out


class MiniLMIntents:
    """Packaged MiniLM sentence embeddings; the ``k`` most similar examples vote, weighted by similarity."""

    name = "minilm"

    def __init__(self, k: int = 7, temperature: float = 0.05, cache: str | Path | None = None) -> None:
        self.k, self.temperature, self.cache = k, temperature, cache
        self.labels: list[str] = []
        self._embedder: Any = None
        self._vectors: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._embedder is None:
            from dnahlm.index.embed import TextEmbeddings

            self._embedder = TextEmbeddings()
        return self._embedder.embed_array(list(texts))

    def fit(self, bank: Sequence[BankExample]) -> MiniLMIntents:
        self.labels = sorted({i for ex in bank for i in ex.intents})
        self._y = _targets(bank, self.labels).astype(np.float32)
        path = Path(self.cache) / f"intent-bank-minilm-{bank_hash(bank)}.npy" if self.cache else None
        if path is not None and path.is_file():
            self._vectors = np.load(path, allow_pickle=False)
        else:
            self._vectors = self._embed([ex.question for ex in bank])
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, self._vectors, allow_pickle=False)
                tmp.replace(path)
        return self

    def scores(self, questions: Sequence[str]) -> np.ndarray:
        """(Q, L) share of the neighbours' similarity-softmax weight that votes for each intent."""
        return _vote(self._embed(questions) @ self._vectors.T, self._y, self.k, self.temperature)


EMBEDDERS = {"tfidf": TfidfIntents, "minilm": MiniLMIntents}


@dataclass
class Guess:
    """What the planner read a question as."""

    intents: list[str]
    """Intents planned, best first (empty when it abstains)."""
    confidence: float
    """The best intent's score."""
    scores: dict[str, float] = field(default_factory=dict)
    abstained: bool = False


class IntentPlanner:
    """Plans tool calls for a question from the intents its nearest example questions vote for.

    Args:
        embedder: ``"tfidf"`` or ``"minilm"`` (see the module docstring), or a fitted scorer.
        bank: labelled examples (default: the packaged bank).
        threshold: abstain below this confidence (0 never abstains, except on ``none``).
        multi: plan every intent scoring at least this.
    """

    def __init__(
        self,
        embedder: str | Any = "tfidf",
        *,
        bank: Sequence[BankExample] | None = None,
        threshold: float = THRESHOLD,
        multi: float = MULTI,
    ) -> None:
        self.threshold, self.multi = threshold, multi
        if isinstance(embedder, str):
            embedder = _fitted(embedder) if bank is None else EMBEDDERS[embedder]().fit(bank)
        self.model = embedder

    def guess(self, question: str) -> Guess:
        row = self.model.scores([question])[0]
        order = np.argsort(-row)
        labels = self.model.labels
        scores = {labels[j]: round(float(row[j]), 4) for j in order}
        best = labels[order[0]]
        confidence = float(row[order[0]])
        chosen = [labels[j] for j in order if row[j] >= self.multi and labels[j] != NONE]
        if best == NONE or confidence < self.threshold:
            return Guess([], confidence, scores, abstained=True)
        return Guess(chosen or [best], confidence, scores)

    def plan(self, question: str, has_sequence: bool, n_sequences: int | None = None) -> Plan:
        """The tool calls for ``question`` (the same :class:`~.router.Plan` the regex router makes)."""
        guess = self.guess(question)
        if guess.abstained:
            return Plan([], unanswerable=True)
        enzymes = enzymes_named(question)
        n = int(has_sequence) if n_sequences is None else n_sequences
        if guess.confidence < UNSURE:  # the patterns' bench calculation, or what both signals name
            found = router.bench_steps(question, max(n, 1), enzymes) or [
                s for s in route(question, True, max(n, 1)).steps if _intent_of(s) in list(guess.scores)[:3]
            ]
            if found:
                return finish_plan(question, found, has_sequence=bool(n))

        def call(intent: str) -> tuple[str, dict[str, Any] | None]:
            """The tool and arguments for an intent (None: the question lacks what the call needs)."""
            tool, _, task = intent.partition(":")
            if task and not (slots.mutation_change(question) and is_regulatory(question)):
                return tool, {"task": task}
            if task:  # a prediction asked about a named base change is a variant question: before and after
                tool = "variant_effect"
            tool = _regulatory_or_coding(tool, question)
            if tool == "align_identity" and n_sequences is not None and n_sequences < 2:
                return tool, None  # an alignment needs two sequences
            return tool, step_args(tool, question, enzymes)

        # the regex router's patterns are one more signal: an intent they find is planned too when the
        # examples give it at least CONFIRM (recall of a multi-part question from the patterns, precision
        # from the examples)
        found = [_intent_of(s) for s in route(question, True, max(n, 1)).steps]
        also = [i for i in found if i not in guess.intents and guess.scores.get(i, 0.0) >= CONFIRM]
        calls = list(dict(map(call, [*guess.intents, *also])).items())  # one call per tool, in order
        # an intent whose call lacks what it needs (a frame, a position, two primers) was not what the
        # question asked for: the next-best intents whose calls are complete are, if any scores FALLBACK;
        # alone, the best is kept and says what is missing
        complete = [(tool, args) for tool, args in calls if args is not None]
        if not complete:
            for intent, score in list(guess.scores.items())[:3]:
                if intent != NONE and score >= FALLBACK:
                    tool, args = call(intent)
                    if args is not None:
                        complete = [(tool, args)]
                        break
        steps = [Step(tool, args if args is not None else {}) for tool, args in (complete or calls[:1])]
        subsumed = subsumed_by(question, steps)
        steps = [s for s in steps if s.tool not in subsumed]
        return finish_plan(question, steps, has_sequence=bool(n))


def _intent_of(step: Step) -> str:
    """The bank's label of a planned step (``predict`` carries its task: ``predict:promoter``)."""
    return f"predict:{step.args['task']}" if step.tool == "predict" and step.args.get("task") else step.tool


def _regulatory_or_coding(intent: str, question: str) -> str:
    """A base change's tool follows where the question puts it (a promoter or a coding sequence): the
    examples vote that a change is asked about, the words say which kind (:func:`.router.is_regulatory`)."""
    if intent in ("mutation_effect", "variant_effect"):
        return "variant_effect" if is_regulatory(question) else "mutation_effect"
    return intent


@lru_cache(maxsize=2)
def _fitted(embedder: str) -> Any:
    """The packaged bank fitted with one embedder, once per process."""
    if embedder == "minilm":
        from dnahlm.settings import get_settings

        return MiniLMIntents(cache=get_settings().home / "planner").fit(load_bank())
    if embedder == "tfidf":  # the shipped fit: numpy only, no training at start-up
        return TfidfIntents.from_json(json.loads(model_path().read_text(encoding="utf-8")))
    return EMBEDDERS[embedder]().fit(load_bank())


__all__ = ["EMBEDDERS", "BankExample", "Guess", "IntentPlanner", "MiniLMIntents", "TfidfIntents", "load_bank"]
