"""What a prediction is worth: the domain check, the measured reliability, prediction sets, windows.

:func:`judge` is the last step of every prediction the service makes (:mod:`.service`). It reads what the
prediction rests on (a :class:`Basis`: the summary of the pool or of the head's tuning rows, the method's
held-out record) and fills the :class:`~dnahlm.types.Prediction` fields a reader needs before acting on
a label:

- ``call``: False, with a ``caveat`` sentence, when the query lies outside the data (a 300 bp homopolymer
  for a promoter model), or when the label is only the best of many windows and sequences without the
  label reach that probability in as many windows by chance;
- ``reliability``: the method's held-out MCC and n on this pool or task, and where it was measured;
- ``prediction_set`` at a stated ``coverage`` (split conformal, :mod:`.calibration`), when asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dnahlm.checkfiles import read_json
from dnahlm.domain import Domain
from dnahlm.errors import UserInputError
from dnahlm.tasks import Task, positive_label
from dnahlm.types import Prediction

from .calibration import HeldOut, describe_set

CHANCE = 0.01
"""A best-of-windows label is no call when sequences without it reach it this often by chance (or more)."""


@dataclass
class Basis:
    """What a prediction rests on: the summary of its data, its held-out record, its reliability in words."""

    domain: Domain | None = None
    held: HeldOut | None = None
    reliability: str | None = None


def judge(
    task: Task,
    preds: Sequence[Prediction],
    seqs: Sequence[str],
    basis: Basis,
    coverage: float | None = None,
) -> list[Prediction]:
    """The predictions with ``call``, ``caveat``, ``reliability`` and (with ``coverage``) the prediction set."""
    what = " / ".join(task.label_names)
    positive = positive_label(task.label_names)
    conformal = basis.held.conformal() if (coverage and basis.held and basis.held.scores) else None
    out = []
    for p, seq in zip(preds, seqs, strict=True):
        part = seq[p.window[0] : p.window[1]] if p.window else seq
        update: dict = {"reliability": basis.reliability}
        nearest = p.evidence[0].score if p.evidence else None
        check = basis.domain.check(part, nearest=nearest) if basis.domain else None
        if check is not None and not check.inside:
            update |= {"call": False, "caveat": check.caveat(len(part), what)}
        elif p.windows > 1 and p.label_name == positive:
            update |= _windows_caveat(p, positive, basis.held)
        if coverage:
            update["coverage"] = coverage
            if conformal is not None:
                row = [[p.probs[name] for name in task.label_names]]
                members = conformal.sets(row, coverage)[0]
                update["prediction_set"] = [
                    n for n, keep in zip(task.label_names, members, strict=True) if keep
                ]
                update["set_text"] = describe_set(task.label_names, members, coverage)
            else:
                update["set_text"] = (
                    f"no prediction set at {coverage:.0%}: it needs held-out rows of this method "
                    "('fused' on a fitted pool, or a head with a calibration record)"
                )
        out.append(p.model_copy(update=update))
    return out


def _windows_caveat(p: Prediction, positive: str, held: HeldOut | None) -> dict:
    """A positive label that is the best of many windows: how often chance alone gets there."""
    prob = p.probs[positive]
    chance = held.chance_in_windows(prob, p.windows) if held is not None else None
    if chance is None:
        return {
            "caveat": f"{positive} {prob:.2f} is the best of {p.windows} windows; the best of many windows "
            "is higher than any one window's probability by chance (no held-out record to say how much)"
        }
    if chance >= CHANCE:
        return {
            "call": False,
            "caveat": f"The best of {p.windows} windows reaches {positive} {prob:.2f}, but {chance:.0%} of "
            f"sequences without a {positive} reach that in one of {p.windows} windows by chance; no call.",
        }
    return {
        "caveat": f"{positive} {prob:.2f} is the best of {p.windows} windows; sequences without one reach "
        f"that in one of {p.windows} windows {chance:.1%} of the time by chance"
    }


HEAD_RECORD = "calibration.json"
"""In ``heads/<task>/``: the summary of the head's tuning pool and its record on untuned rows
(``scripts/head_calibration.py`` writes it)."""


def head_basis(model_dir: str | Path, task: Task, method: str) -> Basis:
    """What the checkpoint's ``method`` (``classifier``: the head; ``instruct``) rests on for ``task``: the
    head's record (domain summary, held-out record on rows it was not tuned on) where it has one, and the
    reliability from that record or from the checkpoint's card (``dnahlm.json``, validation split).

    Raises:
        DataFormatError: a damaged record (one line naming the file).
    """
    folder = Path(model_dir)
    domain = held = None
    record = folder / "heads" / task.name / HEAD_RECORD
    if record.is_file():
        data = read_json(record)
        domain = Domain.from_json(data.get("domain"), f"{record}, domain")
        if method == "classifier" and data.get("held_out") is not None:
            held = HeldOut.from_json(data["held_out"], f"{record}, held_out")
    if held is not None:
        reliability = (
            f"the checkpoint's {task.name} head: held-out MCC {held.mcc:.2f}, accuracy {held.accuracy:.2f} "
            f"(n = {held.n:,} pool rows it was not tuned on)" + _weak(held.mcc)
        )
        return Basis(domain, held, reliability)
    card = _card_metric(folder, f"{task.name}/{method}")
    reliability = (
        f"{method} of the checkpoint on {task.name}: validation MCC {card['mcc']:.2f} (n = {card['n']:,}, "
        "model card)" + _weak(card["mcc"])
        if card
        else f"{method} of the checkpoint on {task.name}: no measured reliability"
    )
    return Basis(domain, None, reliability)


WEAK_MCC = 0.2
"""Below this held-out MCC a method is called barely better than chance in its reliability line."""


def _weak(mcc: float) -> str:
    return "; barely better than chance: treat its label as a guess" if mcc < WEAK_MCC else ""


def _card_metric(folder: Path, key: str) -> dict | None:
    """``validation[key]`` of the checkpoint's ``dnahlm.json`` when it has finite ``mcc`` and ``n``."""
    import math

    try:
        entry = read_json(folder / "dnahlm.json").get("validation", {}).get(key)
        mcc, n = float(entry["mcc"]), int(entry["n"])
    except (UserInputError, AttributeError, KeyError, TypeError, ValueError):
        return None
    return {"mcc": mcc, "n": n} if math.isfinite(mcc) and n > 0 else None


SAMPLE = 400
"""Pool rows a pool's summary measures neighbour distances and knn's leave-one-out reliability on."""


def pool_basis(predictor, method: str) -> Basis:
    """What a pool predictor's ``method`` rests on: the pool's summary (with each sampled row's nearest
    other row), and the method's reliability: ``fused``'s held-out record, ``knn``'s leave-one-out MCC on
    :data:`SAMPLE` pool rows, else none measured (the summary is computed once per predictor)."""
    domain, knn_line = predictor.summary
    fit = predictor.fit_state
    held = fit.held_out if method == "fused" and fit is not None else None
    if held is not None:
        reliability = held.describe("fused", f"on this pool of {len(predictor.pool):,}") + _weak(held.mcc)
    elif method == "knn":
        reliability = knn_line
    else:
        reliability = f"{method}: no held-out measure on this pool"
    return Basis(domain, held, reliability)


def pool_summary(predictor) -> tuple[Domain, str]:
    """A pool's :class:`~dnahlm.domain.Domain` (nearest-neighbour similarities of :data:`SAMPLE` rows
    included) and knn's leave-one-out reliability on the same rows, in words."""
    import numpy as np

    from dnahlm.metrics import mcc

    from .pool import knn_probs

    pool = predictor.pool
    rng = np.random.default_rng(predictor.config.seed)
    rows = np.sort(rng.choice(len(pool), size=min(SAMPLE, len(pool)), replace=False))
    seqs = [pool.examples[i].sequence for i in rows]
    found = pool.search(seqs, predictor.config.k, vectors=pool.vectors[rows], exclude_self=True)
    nearest = [hits[0].similarity for hits in found if hits]
    domain = Domain.from_sequences([e.sequence for e in pool.examples], neighbour_similarities=nearest)
    probs = knn_probs(predictor.task, found, temperature=predictor.config.temperature)
    truth = [predictor.task.label_ids.index(int(v)) for v in pool.labels[rows]]
    pred = probs.argmax(1).tolist()
    acc = float(np.mean(np.array(pred) == np.array(truth)))
    line = (
        f"knn on this pool of {len(pool):,}: leave-one-out MCC {mcc(truth, pred):.2f}, accuracy {acc:.2f} "
        f"(n = {len(rows):,} pool rows, each voted on by the others)"
    )
    return domain, line


__all__ = ["CHANCE", "SAMPLE", "Basis", "head_basis", "judge", "pool_basis", "pool_summary"]
