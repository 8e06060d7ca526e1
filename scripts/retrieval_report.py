"""Per-task quality of every prediction method on our own validation splits, against four simple baselines.

    python scripts/retrieval_report.py --splits runs/tiny/splits --tasks-json ../shared/data/gue/tasks.json \
        [--model DIR] [--tasks tf_0,tf_1] [--limit N] [--seed 0] [--fast-only] \
        [--out runs/tiny/retrieval_report.json]

For each task the pool is ``<splits>/<task>/train.csv`` and the scored rows ``<splits>/<task>/val.csv``
(never tuned on, never used to choose anything). Methods: ``instruct``, ``knn``, ``few-shot``, ``fused`` (one
FewShotPredictor, inputs computed once and shared), ``classifier`` (the checkpoint's head, where it has
one), ``probe`` and ``cnn`` (``fused``'s own position-aware k-mer probe and motif CNN alone), and:

- the four baselines of :mod:`dnahlm.retrieval.baselines`, each fitted on the whole pool and tuned on it
  alone by cross-validation: ``kmer-lr`` (canonical 5-mer LR), ``kmer-knn``, ``small-cnn``, ``onehot-lr``
  (position-specific one-hot LR);
- ``fused+onehot``: ``fused``'s combination refitted with the one-hot LR as one more input, stacked as
  ``fused`` stacks its probe: a one-hot LR trained (and tuned) on the pool rows outside ``fused``'s
  calibration rows scores those rows out of sample, the combination is refitted on them
  (``FewShotPredictor.fit_combination``), and for the validation rows the one-hot LR is retrained on the
  whole pool with the anchor and strength chosen before (a predictor that has the one-hot input itself
  does exactly this inside its fit, and then its own scores are used);
- ``fast fused`` and ``fast fused+onehot``: the same refit with only the pool-trained inputs (knn, tuned-knn, probe,
  cnn, and onehot), none of the language model's (instruct, few-shot, head).

``fused - X`` etc. are paired bootstrap 95% intervals of the MCC difference over the scored rows (2,000
resamples). ``_meta.seconds`` has fit and predict seconds of every method; a fast variant's seconds are
those of the full ``fused`` less the time its language-model calls took (timed inside the same fit and
pass), plus the one-hot LR and the refit. ``--fast-only`` skips the language model altogether (a predictor
whose inputs are the pool-trained ones; for tasks where the model's passes are too slow): then ``fused``
*is* the fast variant and the model's methods are missing.
``instruct (pool rows)`` scores instruct on 300 pool rows: for a task the model was tuned on, those rows
are its tuning data, so the gap to the validation figure shows how in-sample ``fused``'s calibration is.
Results are saved after each task (atomic JSON) and a re-run skips finished tasks. Prints markdown tables.

``--extra-untuned N`` scores more rows, for tighter intervals: N pool rows that neither the checkpoint nor
the task's head was tuned on (``tuned_rows.json``, :mod:`dnahlm.tuned`; stratified, seeded) are taken out
of the pool and scored together with the validation rows. Tasks with fewer than N such rows keep the
validation rows alone. Write these runs to their own ``--out`` file: their pools are smaller.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import time
from pathlib import Path

import numpy as np

from dnahlm.files import write_json_atomic
from dnahlm.metrics import classification_report, paired_bootstrap_mcc
from dnahlm.retrieval.baselines import BASELINES, OneHotLR
from dnahlm.retrieval.methods import MODEL_INPUTS, POOL_INPUTS, features
from dnahlm.retrieval.pool import LinearModel
from dnahlm.retrieval.predictor import METHODS, FewShotPredictor, PredictorConfig
from dnahlm.tasks import get_task, read_pool
from dnahlm.tuned import untuned_for_task

FUSED = ("fused", "fused+onehot", "fast fused", "fast fused+onehot")
COMPARED = (*BASELINES, "probe", "cnn")
"""Methods whose MCC difference to each ``fused`` variant gets a bootstrap interval."""


def score(task, y, probs) -> dict:
    pred = [task.label_ids[int(i)] for i in np.asarray(probs).argmax(1)]
    rep = classification_report(y, pred, task.labels)
    return {k: rep[k] for k in ("n", "accuracy", "macro_f1", "mcc")}


def predictor_config(seed: int, fast_only: bool = False) -> PredictorConfig:
    """The predictor's defaults, with every input in ``fused`` (``inputs="full"``), or with ``fast_only``
    only the pool-trained ones (``inputs="fast"``: the language model is loaded for its record of tuned
    rows but never run)."""
    if "inputs" in {f.name for f in dataclasses.fields(PredictorConfig)}:
        return PredictorConfig(seed=seed, inputs="fast" if fast_only else "full")
    return PredictorConfig(seed=seed)


class LMClock:
    """Seconds spent in a predictor's language-model calls (instruct, few-shot, head), timed by wrapping
    the ``probs`` of the predictor's own method objects."""

    def __init__(self, predictor: FewShotPredictor) -> None:
        self.seconds = 0.0
        for name in MODEL_INPUTS:
            method = predictor.methods[name]
            method.probs = self._timed(method.probs)

    def _timed(self, method):
        def run(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0

        return run


def evaluate_task(task, pool, val, model, config, batch: int = 100, fast_only: bool = False) -> dict:
    y = [e.label for e in val]
    seqs = [e.sequence for e in val]
    pool_seqs = [e.sequence for e in pool]
    pool_y = np.array([e.label for e in pool])
    predictor = FewShotPredictor(task, pool, model_path=model, config=config)
    clock = LMClock(predictor)
    seconds: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    predictor.fit()
    fit_s, lm_fit_s = time.perf_counter() - t0, clock.seconds
    parts: dict[str, list[np.ndarray]] = {}
    methods = ("knn", "fused") if fast_only else METHODS
    t0 = time.perf_counter()
    for i in range(0, len(seqs), batch):
        probs, _ = predictor.method_probs(seqs[i : i + batch], methods, fused_inputs=True)
        for m, p in probs.items():
            parts.setdefault(m, []).append(p)
    predict_s, lm_predict_s = time.perf_counter() - t0, clock.seconds - lm_fit_s
    seconds["fused"] = {"fit": fit_s, "predict": predict_s}
    val_parts = {m: np.concatenate(p) for m, p in parts.items()}
    # the methods, and fused's other inputs (probe, cnn, head) from the same pass; the head is "classifier"
    probs = {("classifier" if m == "head" else m): p for m, p in val_parts.items()}
    meta_baselines = {}
    for name, cls in BASELINES.items():
        t0 = time.perf_counter()
        b = cls(task.label_ids, seed=config.seed).fit(pool_seqs, pool_y)
        t1 = time.perf_counter()
        probs[name] = b.predict_proba(seqs)
        seconds[name] = {"fit": t1 - t0, "predict": time.perf_counter() - t1}
        settings = ("k", "c", "kmer", "neighbours", "temperature", "stretches", "anchor", "length")
        chosen = {k: getattr(b, k) for k in settings if getattr(b, k, None) is not None}
        meta_baselines[name] = chosen
    # fused+onehot, stacked: the one-hot LR of the rows outside the calibration split scores those rows.
    # A predictor that has the one-hot input itself already did exactly this inside fit(): its scores are used.
    cal_parts, cal_y = predictor.calibration
    onehot_fit_s = onehot_predict_s = 0.0
    if "onehot" in cal_parts and "onehot" in val_parts:
        onehot = predictor.trained["onehot"].model
        inner = {"length": onehot.length, "anchor": onehot.anchor, "c": onehot.c, "in_predictor": True}
    else:
        cal = np.array(predictor.fit_state.calibration_rows)
        rest = np.setdiff1d(np.arange(len(pool)), cal)
        t0 = time.perf_counter()
        fit = OneHotLR(task.label_ids, seed=config.seed).fit([pool_seqs[i] for i in rest], pool_y[rest])
        cal_parts = dict(cal_parts, onehot=fit.predict_proba([pool_seqs[i] for i in cal]))
        # for queries it learns from the whole pool, with the settings chosen on the rest (as the probe does)
        outer = OneHotLR(task.label_ids, length=fit.length, anchor=fit.anchor, c=fit.c, seed=config.seed)
        outer.fit(pool_seqs, pool_y)
        onehot_fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        val_parts["onehot"] = outer.predict_proba(seqs)
        onehot_predict_s = time.perf_counter() - t0
        inner = {"length": fit.length, "anchor": fit.anchor, "c": fit.c, "in_predictor": False}
    # every variant is a refit on the same calibration rows with its inputs named, whatever the
    # predictor's own "fused" combines (``_meta.fused_inputs``)
    fast = [n for n in POOL_INPUTS if n in cal_parts and n != "onehot"]
    inputs = {
        "fused+onehot": [*(n for n in cal_parts if n != "onehot"), "onehot"],
        "fast fused": fast,
        "fast fused+onehot": [*fast, "onehot"],
    }
    for name, names in inputs.items():
        t0 = time.perf_counter()
        combo: LinearModel = predictor.fit_combination({n: cal_parts[n] for n in names}, cal_y)
        comb_fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        probs[name] = combo.predict_proba(features({n: val_parts[n] for n in names}), task.label_ids)
        comb_predict_s = time.perf_counter() - t0
        with_onehot = "onehot" in names
        lm_fit, lm_predict = (0.0, 0.0) if "fast" not in name else (lm_fit_s, lm_predict_s)
        seconds[name] = {
            "fit": fit_s - lm_fit + comb_fit_s + (onehot_fit_s if with_onehot else 0.0),
            "predict": predict_s - lm_predict + comb_predict_s + (onehot_predict_s if with_onehot else 0.0),
        }
    out = {m: score(task, y, p) for m, p in probs.items()}
    label_of = np.array(task.label_ids)
    pred = {m: label_of[p.argmax(1)] for m, p in probs.items()}
    for f in FUSED:
        for other in COMPARED:
            if other in pred:
                out[f"{f} - {other}"] = paired_bootstrap_mcc(y, pred[f], pred[other])
    if not fast_only:
        sample = random.Random(1).sample(pool, min(300, len(pool)))
        out["instruct (pool rows)"] = score(
            task,
            [e.label for e in sample],
            predictor.method_probs([e.sequence for e in sample], ["instruct"])[0]["instruct"],
        )
    out["_meta"] = {
        "pool": len(pool),
        "val": len(val),
        "fast_only": fast_only,
        "fit_seconds": round(fit_s, 1),
        "predict_seconds": round(predict_s, 1),
        "lm_seconds": {"fit": round(lm_fit_s, 1), "predict": round(lm_predict_s, 1)},
        "seconds": {m: {k: round(v, 2) for k, v in s.items()} for m, s in seconds.items()},
        "fused_inputs": predictor.fused_inputs,
        "combined_inputs": inputs,
        "input_losses": predictor.input_losses,
        "calibrated_on": predictor.calibrated_on,
        "calibration_rows": len(cal_y),
        "seed": config.seed,
        "baselines": meta_baselines,
        "onehot_input": inner,
        "probe_c": predictor.trained["probe"].c if "probe" in predictor.trained else None,
        "cnn_epochs": predictor.trained["cnn"].model.epochs if "cnn" in predictor.trained else None,
    }
    return out


def take_untuned(pool: list, model: Path, task_name: str, n: int, seed: int = 1) -> tuple[list, list]:
    """``(pool without them, n rows)``: n pool rows the checkpoint and the task's head were not tuned on,
    the same share of each label as among all such rows; ``(pool, [])`` when there are fewer than n."""
    fresh = untuned_for_task(model, task_name, [e.sequence for e in pool])
    if fresh is None or len(fresh) < n:
        return pool, []
    rng = random.Random(seed)
    by_label: dict[int, list[int]] = {}
    for i in fresh.tolist():
        by_label.setdefault(pool[i].label, []).append(i)
    chosen: set[int] = set()
    for rows in by_label.values():
        chosen.update(rng.sample(rows, min(len(rows), round(n * len(rows) / len(fresh)))))
    return [e for i, e in enumerate(pool) if i not in chosen], [pool[i] for i in sorted(chosen)]


ORDER = (
    "instruct",
    "classifier",
    "knn",
    "few-shot",
    *BASELINES,
    "probe",
    "cnn",
    *FUSED,
    "instruct (pool rows)",
)


def table(report: dict) -> str:
    """Markdown: every method's figures and seconds; each fused variant minus each baseline (95% CI); and
    whether each variant beats every baseline (point estimate above, and interval above zero)."""
    lines = [
        "| task | pool | n | method | accuracy | macro-F1 | MCC | fit s | predict s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, res in report.items():
        secs = res["_meta"].get("seconds", {})
        for m in ORDER:
            if m in res:
                r, s = res[m], secs.get(m, {})
                fit = f"{s['fit']:.1f}" if s else ""
                pred = f"{s['predict']:.1f}" if s else ""
                lines.append(
                    f"| {name} | {res['_meta']['pool']:,} | {r['n']} | {m} | {r['accuracy']:.3f} | "
                    f"{r['macro_f1']:.3f} | {r['mcc']:.3f} | {fit} | {pred} |"
                )
    for f in FUSED:
        lines += ["", f"| task | {f} MCC |" + "".join(f" {f} - {o} |" for o in COMPARED) + " beats all 4 |"]
        lines.append("|---|---:|" + "---:|" * len(COMPARED) + "---|")
        for name, res in report.items():
            if f not in res:
                continue
            cells, point, clear = [], True, True
            for o in COMPARED:
                d = res.get(f"{f} - {o}")
                cells.append(f"{d['diff']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}]" if d else "-")
                if d and o in BASELINES:
                    point, clear = point and d["diff"] > 0, clear and d["ci95"][0] > 0
            verdict = "yes, all intervals > 0" if clear else ("yes (point estimates)" if point else "no")
            lines.append(f"| {name} | {res[f]['mcc']:.3f} | " + " | ".join(cells) + f" | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--splits", type=Path, default=Path("runs/tiny/splits"))
    ap.add_argument("--tasks-json", type=Path, default=Path("../shared/data/gue/tasks.json"))
    ap.add_argument("--model", type=Path, help="checkpoint (default: the embedded dnahlm-tiny)")
    ap.add_argument("--tasks", help="comma-separated task names (default: every folder in --splits)")
    ap.add_argument("--limit", type=int, help="score only the first N validation rows")
    ap.add_argument("--seed", type=int, default=0, help="the predictor's seed (calibration rows, CNN)")
    ap.add_argument("--out", type=Path, default=Path("runs/tiny/retrieval_report.json"))
    ap.add_argument(
        "--extra-untuned", type=int, default=0, metavar="N",
        help="also score N pool rows the checkpoint was never tuned on (taken out of the pool)",
    )  # fmt: skip
    ap.add_argument(
        "--fast-only", action="store_true", help="never run the language model (pool inputs only)"
    )
    ap.add_argument("--table", action="store_true", help="only print the tables of --out")
    args = ap.parse_args()
    if args.model is None:
        from dnahlm.settings import get_settings

        args.model = get_settings().default_model_path()
    report = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if args.table:
        print(table(report))
        return
    if not args.splits.is_dir():
        raise SystemExit(
            f"error: --splits {args.splits} is not a folder (make it with `dnahlm train --stages split`)"
        )
    names = (
        args.tasks.split(",") if args.tasks else sorted(p.name for p in args.splits.iterdir() if p.is_dir())
    )
    for name in names:
        if name in report:
            continue
        task = get_task(args.tasks_json, name)
        pool = read_pool(args.splits / name / "train.csv", task)
        val = read_pool(args.splits / name / "val.csv", task, limit=args.limit)
        extra: list = []
        if args.extra_untuned:
            pool, extra = take_untuned(pool, args.model, name, args.extra_untuned)
        config = predictor_config(args.seed, args.fast_only)
        report[name] = evaluate_task(task, pool, val + extra, args.model, config, fast_only=args.fast_only)
        report[name]["_meta"]["untuned_pool_rows_scored"] = len(extra)
        write_json_atomic(args.out, report)
        print(json.dumps({name: report[name]}), flush=True)
    print(table({n: report[n] for n in names}))


if __name__ == "__main__":
    main()
