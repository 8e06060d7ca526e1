"""`dnahlm train` end to end on a tiny data folder in the shared layout: every stage, resume, export."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from dnahlm.cli.main import main
from dnahlm.model import load_model
from dnahlm.train.classify import list_heads
from dnahlm.train.pipeline import load_config

from .conftest import ENGLISH, motif_examples, random_dna, write_csv

RECIPE = {
    "name": "test",
    "seed": 0,
    "tokenizer": {"vocab_size": 400, "sample_chars": 200000},
    "corpus": {"dna_fraction": 0.5, "val_fraction": 0.05, "min_len": 300, "max_len": 1000},
    "pretrain": {
        "preset": "tiny",
        "model_overrides": {"n_layer": 2, "n_embd": 32, "n_head": 2, "n_positions": 256},
        "block_size": 64,
        "batch_size": 8,
        "warmup_steps": 2,
        "max_steps": 12,
        "eval_every": 6,
        "eval_batches": 2,
        "checkpoint_every": 6,
        "log_every": 6,
    },
    "split": {"val_fraction": 0.2, "max_val": 20},
    "sft": {"batch_size": 8, "warmup_steps": 2, "max_steps": 6, "eval_every": 6, "eval_examples": 10},
    "classify": {"train_layers": 1, "batch_size": 8, "max_steps": 4, "eval_examples": 10},
}


@pytest.fixture
def data_dir(tmp_path):
    rng = random.Random(0)
    d = tmp_path / "data"
    (d / "genome").mkdir(parents=True)
    (d / "english").mkdir()
    with gzip.open(d / "genome" / "g.fa.gz", "wt") as fh:
        fh.write(">chr\n" + random_dna(rng, 30000) + "\n")
    with gzip.open(d / "english" / "w.jsonl.gz", "wt") as fh:
        for i in range(60):
            fh.write(json.dumps({"id": str(i), "text": ENGLISH * 2}) + "\n")
    for name in ("gc_a", "gc_b"):
        (d / "gue" / name).mkdir(parents=True)
        write_csv(d / "gue" / name / "train.csv", motif_examples(60, 1, name))
    tasks = {
        "tasks": {
            n: {"kind": "generic", "files": ["train.csv"], "labels": {"0": "at-rich", "1": "gc-rich"}}
            for n in ("gc_a", "gc_b")
        }
    }
    (d / "gue" / "tasks.json").write_text(json.dumps(tasks))
    return d


@pytest.mark.slow
def test_train_runs_every_stage_and_exports(data_dir, tmp_path, capsys):
    cfg = tmp_path / "recipe.json"
    cfg.write_text(json.dumps(RECIPE))
    out, export = tmp_path / "run", tmp_path / "export"
    argv = ["train", "--config", str(cfg), "--data", str(data_dir), "--out", str(out)]
    assert main([*argv, "--stages", "tokenizer,corpus,pretrain"]) == 0
    meta = load_model(out / "pretrained").meta["pretraining"]
    assert meta["steps"] == 12 and meta["val_ppl_dna"] > 1 and meta["val_ppl_english"] > 1
    assert main([*argv, "--export", str(export)]) == 0  # the remaining stages; finished ones are skipped
    assert list_heads(export) == ["gc_a", "gc_b"]
    assert (export / "tuned_rows.json").is_file()  # which rows tuning drew travels with the weights
    assert all((export / "heads" / h / "tuned_rows.json").is_file() for h in ("gc_a", "gc_b"))
    exported = load_model(export)
    assert exported.model.dtype.is_floating_point and "sft" in exported.meta
    assert set(exported.meta["validation"]) == {
        "gc_a/instruct",
        "gc_a/classifier",
        "gc_b/instruct",
        "gc_b/classifier",
    }
    report = json.loads((out / "report.json").read_text())
    assert report["gc_a/classifier"]["n"] == 12
    assert "gc_b/instruct: n=12" in capsys.readouterr().out


def test_bad_config_and_data_are_user_errors(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["train", "--config", str(bad), "--data", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "invalid JSON" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps(RECIPE))
    assert (
        main(["train", "--config", str(good), "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
        == 2
    )
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.json")))
def test_every_shipped_config_builds_its_stage_configs(path, tmp_path):
    """A typo in a recipe (an unknown key, an unknown preset) fails here, not hours into a run."""
    from dnahlm.model import PRESETS
    from dnahlm.train.classify import ClassifyConfig
    from dnahlm.train.pretrain import PretrainConfig
    from dnahlm.train.sft import SFTConfig

    cfg = load_config(path)
    assert cfg["pretrain"]["preset"] in PRESETS
    PretrainConfig(data_dir=tmp_path, out_dir=tmp_path / "p", seed=cfg["seed"], **cfg["pretrain"])
    SFTConfig(init_from=tmp_path / "p", out_dir=tmp_path / "s", seed=cfg["seed"], **cfg["sft"])
    ClassifyConfig(checkpoint=tmp_path / "s", seed=cfg["seed"], **cfg["classify"])
    assert set(cfg) <= {
        "name",
        "seed",
        "tokenizer",
        "corpus",
        "pretrain",
        "split",
        "sft",
        "classify",
        "holdout_tasks",
    }
