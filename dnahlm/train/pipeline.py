"""The whole training recipe as resumable stages driven by one JSON config (``configs/tiny.json``):

    tokenizer -> corpus (uint16 token files) -> pretrain -> split (validation pools) -> sft -> classify

Each stage writes into ``out_dir`` and is skipped when its output is complete, so an interrupted run
continues where it stopped (pretraining also resumes mid-run from its last checkpoint).

``"holdout_tasks": [...]`` in the config keeps those tasks out of instruction tuning and heads (they are
still split and reported): the leave-one-task-out runs that measure how the toolkit does on a task the
model has never been tuned on (``configs/tiny-loto-tf_2.json``).

Under ``accelerate launch --num_processes N -m dnahlm.cli.main train ...`` pretraining and SFT run
data-parallel on all N processes; every other stage runs on the main process first, and the others then
find its output and skip it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dnahlm.errors import ConfigError, DataFormatError

STAGES = ("tokenizer", "corpus", "pretrain", "split", "sft", "classify", "report")
DATA_PARALLEL_STAGES = ("pretrain", "sft")
"""Stages that all processes of a multi-process launch run together; the others run on the main one."""


def load_config(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read config ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}, line {exc.lineno}: invalid JSON ({exc.msg})") from exc


def corpus_config(cfg: dict[str, Any], data: Path):
    from dnahlm.corpus import CorpusConfig

    c = {k: v for k, v in cfg["corpus"].items() if k != "max_chars"}
    dna = sorted((data / "genome").glob("*.f*a.gz"))
    eng = sorted((data / "english").glob("*.jsonl.gz"))
    if not dna or not eng:
        raise DataFormatError(
            f"{data}: expected genome/*.fa.gz and english/*.jsonl.gz (the shared data layout)"
        )
    gue = sorted((data / "gue").glob("*/*.csv"))
    return CorpusConfig(dna_paths=dna, english_paths=eng, exclude_csvs=gue, seed=cfg["seed"], **c)


def stage_tokenizer(cfg: dict[str, Any], data: Path, out: Path) -> None:
    from dnahlm.corpus import sample_texts
    from dnahlm.tokenizer import train_tokenizer

    dest = out / "data" / "tokenizer"
    if (dest / "tokenizer.json").is_file():
        return
    ccfg = corpus_config(cfg, data)
    ccfg.exclude_csvs = []  # held-out rows are filtered when the token files are built
    tok = train_tokenizer(
        sample_texts(ccfg, cfg["tokenizer"]["sample_chars"]),
        cfg["tokenizer"]["vocab_size"],
        show_progress=True,
    )
    tok.save_pretrained(dest)


def stage_corpus(cfg: dict[str, Any], data: Path, out: Path) -> None:
    from dnahlm.corpus import build_pretraining_data
    from dnahlm.tokenizer import load_tokenizer

    if (out / "data" / "meta.json").is_file():
        return
    tok = load_tokenizer(out / "data" / "tokenizer")
    build_pretraining_data(
        corpus_config(cfg, data), tok, out / "data", max_chars=cfg["corpus"].get("max_chars")
    )


def stage_pretrain(cfg: dict[str, Any], data: Path, out: Path) -> None:
    from dnahlm.model import read_meta
    from dnahlm.train.pretrain import PretrainConfig, pretrain

    pc = PretrainConfig(
        data_dir=out / "data", out_dir=out / "pretrained", seed=cfg["seed"], **cfg["pretrain"]
    )
    if read_meta(pc.out_dir).get("pretraining", {}).get("steps", 0) >= pc.max_steps:
        return
    pretrain(pc)


def gue_tasks(data: Path):
    from dnahlm.tasks import load_tasks_json

    tj = data / "gue" / "tasks.json"
    if not tj.is_file():
        raise DataFormatError(f"{tj} not found (the instruction-tuning tasks)")
    return load_tasks_json(tj)


def pool_file(data: Path, name: str) -> Path:
    """A task's training pool: GUE's train.csv where it exists, else its dev.csv (the only pool given)."""
    train = data / "gue" / name / "train.csv"
    return train if train.is_file() else data / "gue" / name / "dev.csv"


def write_pool(path: Path, examples) -> None:
    import csv
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sequence", "label"])
        w.writerows((e.sequence, e.label) for e in examples)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def stage_split(cfg: dict[str, Any], data: Path, out: Path) -> None:
    """Carve a seeded validation split from each task's pool: out/splits/<task>/{train,val}.csv."""
    from dnahlm.tasks import read_pool, split_pool

    for name, task in gue_tasks(data).items():
        dest = out / "splits" / name
        if (dest / "val.csv").is_file():
            continue
        pool = read_pool(pool_file(data, name), task)
        train, val = split_pool(pool, seed=cfg["seed"], **cfg["split"])
        write_pool(dest / "train.csv", train)
        write_pool(dest / "val.csv", val)


def task_data(data: Path, out: Path, exclude: list[str] | tuple[str, ...] = ()):
    """Each GUE task's (train, val) split from ``out/splits``, leaving out the tasks named in ``exclude``."""
    from dnahlm.tasks import read_pool
    from dnahlm.train.sft import TaskData

    return [
        TaskData(
            task,
            read_pool(out / "splits" / name / "train.csv", task),
            read_pool(out / "splits" / name / "val.csv", task),
        )
        for name, task in gue_tasks(data).items()
        if name not in exclude
    ]


def stage_sft(cfg: dict[str, Any], data: Path, out: Path) -> None:
    from dnahlm.model import read_meta
    from dnahlm.train.sft import SFTConfig, sft

    if "sft" in read_meta(out / "sft"):
        return
    sft(
        SFTConfig(init_from=out / "pretrained", out_dir=out / "sft", seed=cfg["seed"], **cfg["sft"]),
        task_data(data, out, cfg.get("holdout_tasks", ())),
    )


def stage_classify(cfg: dict[str, Any], data: Path, out: Path) -> None:
    from dnahlm.train.classify import ClassifyConfig, list_heads, train_classifier

    done = set(list_heads(out / "sft"))
    for td in task_data(data, out, cfg.get("holdout_tasks", ())):
        if td.task.name not in done:
            train_classifier(
                ClassifyConfig(checkpoint=out / "sft", seed=cfg["seed"], **cfg["classify"]),
                td.task,
                td.train,
                td.val,
            )


def stage_report(
    cfg: dict[str, Any], data: Path, out: Path, methods: tuple[str, ...] = ("instruct", "classifier")
) -> None:
    """Evaluate each method on each task's validation split (the `dnahlm eval` harness); out/report.json."""
    from dnahlm.evaluate import EvalContext, evaluate
    from dnahlm.files import write_json_atomic

    report_path = out / "report.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    for td in task_data(data, out):
        for method in methods:
            key = f"{td.task.name}/{method}"
            if key in report or (method == "classifier" and td.task.name in cfg.get("holdout_tasks", ())):
                continue
            ctx = EvalContext(
                task=td.task, pool=td.train, test=td.val, model_path=out / "sft", seed=cfg["seed"]
            )
            report[key] = evaluate(ctx, method)
            r = report[key]
            print(
                f"{key}: n={r['n']} acc={r['accuracy']:.3f} f1={r['macro_f1']:.3f} mcc={r['mcc']:.3f} "
                f"lenient={r['lenient_accuracy']:.3f} ({r['seconds']:.0f} s)",
                flush=True,
            )
            write_json_atomic(report_path, report)


def export(out: Path, dest: Path) -> Path:
    """Copy the final checkpoint (instruction-tuned LM + heads) to ``dest`` with fp16 weights."""
    import shutil

    import torch

    from dnahlm.model import load_model, save_checkpoint
    from dnahlm.tuned import FILE as TUNED_FILE

    final = out / "sft"
    m = load_model(final, device="cpu", runtime="transformers")
    meta = dict(m.meta)
    if (out / "report.json").is_file():
        meta["validation"] = {
            k: {f: v[f] for f in ("n", "accuracy", "macro_f1", "mcc", "lenient_accuracy")}
            for k, v in json.loads((out / "report.json").read_text()).items()
        }
    data_meta = out / "data" / "meta.json"
    if data_meta.is_file():
        meta["pretraining_data"] = {
            k: v for k, v in json.loads(data_meta.read_text()).items() if k != "config"
        }

    def copy_record(folder: Path) -> None:  # which rows instruction tuning drew (dnahlm.tuned)
        if (final / TUNED_FILE).is_file():
            shutil.copyfile(final / TUNED_FILE, folder / TUNED_FILE)

    save_checkpoint(m.model, m.tokenizer, dest, meta, dtype=torch.float16, extra=copy_record)
    if (final / "heads").is_dir():
        from safetensors.torch import load_file, save_file

        shutil.rmtree(dest / "heads", ignore_errors=True)
        shutil.copytree(final / "heads", dest / "heads")
        for f in (dest / "heads").glob("*/head.safetensors"):  # heads in fp16 too (loaded back as fp32)
            save_file({k: v.half() for k, v in load_file(str(f)).items()}, str(f))
    return dest


STAGE_FUNCS: dict[str, Callable[[dict[str, Any], Path, Path], None]] = {
    "tokenizer": stage_tokenizer,
    "corpus": stage_corpus,
    "pretrain": stage_pretrain,
    "split": stage_split,
    "sft": stage_sft,
    "classify": stage_classify,
    "report": stage_report,
}


def run(config_path: str | Path, data: str | Path, out: str | Path, stages: list[str] | None = None) -> Path:
    """Run the named stages (default: all, in order) of the recipe; returns ``out``."""
    from dnahlm.train.common import main_process_first, world_size

    cfg = load_config(config_path)
    data, out = Path(data), Path(out)
    if not data.is_dir():
        raise DataFormatError(f"data folder {data} not found (point --data at the shared data folder)")
    out.mkdir(parents=True, exist_ok=True)
    for name in stages or list(STAGES):
        if name not in STAGES:
            raise ConfigError(f"unknown stage {name!r}; stages: {', '.join(STAGES)}")
        if name in DATA_PARALLEL_STAGES or world_size() == 1:
            STAGE_FUNCS[name](cfg, data, out)
            continue
        from dnahlm.settings import resolve_device

        with main_process_first(resolve_device(cfg.get("pretrain", {}).get("device", "auto"))):
            STAGE_FUNCS[name](cfg, data, out)  # the other processes find the output and skip the stage
    return out
