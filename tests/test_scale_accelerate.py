"""Pretraining and SFT under ``accelerate launch`` with 2 CPU processes (gloo) match a single process.

The same functions run unchanged: each process takes half of every global batch, gradients are averaged,
only the main process logs and saves. With dropout off, the losses of each step and the final weights
agree with a plain one-process run up to floating-point summation order.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from .conftest import motif_examples, tiny_corpus

NO_DROPOUT = {"resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0}
SHAPE = {"n_layer": 2, "n_embd": 32, "n_head": 2}

# run by each launched process (and once in the plain run): pretraining, then SFT from its checkpoint
WORKER = """
import json, sys
from pathlib import Path
from dnahlm.tasks import Task, Example
from dnahlm.train.pretrain import PretrainConfig, pretrain
from dnahlm.train.sft import SFTConfig, TaskData, sft

spec = json.loads(Path(sys.argv[1]).read_text())
out = Path(spec["out"])
pretrain(PretrainConfig(**spec["pretrain"], out_dir=out / "pretrained"), echo=False)
task = Task(**{**spec["task"], "labels": {int(k): v for k, v in spec["task"]["labels"].items()}})
train = [Example(*row) for row in spec["examples"]]
sft(SFTConfig(**spec["sft"], init_from=spec["sft_init"], out_dir=out / "sft"), [TaskData(task, train)], echo=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def spec(tmp_path_factory, tiny_tokenizer, motif_task):
    """Token files, a dropout-free SFT start checkpoint and the configs both runs share."""
    from dnahlm.model import build_model, save_checkpoint

    root = tmp_path_factory.mktemp("accel")
    data = root / "data"
    tiny_tokenizer.save_pretrained(data / "tokenizer")
    ids = []
    for text in tiny_corpus(3):
        ids += tiny_tokenizer(text)["input_ids"] + [tiny_tokenizer.eos_token_id]
    tokens = np.asarray(ids, dtype=np.uint16)
    tokens.tofile(data / "train.bin")
    tokens[:2000].tofile(data / "val_dna.bin")
    tokens[-2000:].tofile(data / "val_english.bin")
    (data / "meta.json").write_text(json.dumps({"vocab_size": len(tiny_tokenizer)}))
    init = root / "sft-init"
    model = build_model("tiny", tiny_tokenizer, n_positions=256, **SHAPE, **NO_DROPOUT)
    save_checkpoint(model, tiny_tokenizer, init, {"preset": "tiny-test"})
    return {
        "pretrain": {
            "data_dir": str(data),
            "preset": "tiny",
            "model_overrides": {"n_positions": 64, **SHAPE, **NO_DROPOUT},
            "block_size": 32,
            "batch_size": 6,  # 3 rows per process
            "grad_accum": 2,  # the first micro-batch skips the all-reduce (no_sync)
            "lr": 3e-3,
            "warmup_steps": 1,
            "max_steps": 4,
            "eval_every": 4,
            "eval_batches": 1,
            "checkpoint_every": 4,
            "log_every": 1,
            "device": "cpu",
            "threads": 1,
        },
        "sft_init": str(init),
        "sft": {
            "batch_size": 7,
            "lr": 3e-3,
            "warmup_steps": 1,
            "max_steps": 3,
            "log_every": 1,
            "device": "cpu",
        },
        "task": {
            "name": motif_task.name,
            "kind": motif_task.kind,
            "labels": motif_task.labels,
            "instruction": motif_task.instruction,
        },
        "examples": [[e.id, e.sequence, e.label, e.task] for e in motif_examples(40, 1)],
    }


def _run(spec: dict, out: Path, processes: int) -> None:
    out.mkdir(parents=True)
    (out / "spec.json").write_text(json.dumps({**spec, "out": str(out)}))
    (out / "worker.py").write_text(WORKER)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    env.pop("WORLD_SIZE", None)
    if processes == 1:
        cmd = [sys.executable, str(out / "worker.py"), str(out / "spec.json")]
    else:
        cmd = [
            sys.executable,
            "-m",
            "accelerate.commands.launch",
            "--multi_gpu",  # with no GPU this starts N CPU processes joined by gloo
            "--num_processes",
            str(processes),
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "--main_process_port",
            str(_free_port()),
            str(out / "worker.py"),
            str(out / "spec.json"),
        ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def _log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _losses(records: list[dict]) -> list[float]:
    return [r["loss"] for r in records if "loss" in r]


@pytest.mark.slow
def test_two_processes_match_one(spec, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    _run(spec, one, 1)
    _run(spec, two, 2)

    for log in ("pretrained.log.jsonl", "sft.log.jsonl"):
        single, multi = _log(one / log), _log(two / log)
        assert [r.get("event") for r in multi].count("start") == 1  # only the main process writes
        a, b = _losses(single), _losses(multi)
        assert len(a) == len(b) > 2
        np.testing.assert_allclose(b, a, rtol=1e-5)
        assert a[0] != a[-1]  # it trained

    start = next(r for r in _log(two / "pretrained.log.jsonl") if r.get("event") == "start")
    assert start["processes"] == 2 and start["batch"] == 6
    for ckpt in ("pretrained", "sft"):
        wa = load_file(str(one / ckpt / "model.safetensors"))
        wb = load_file(str(two / ckpt / "model.safetensors"))
        assert wa.keys() == wb.keys()
        for name in wa:
            np.testing.assert_allclose(wb[name].numpy(), wa[name].numpy(), atol=2e-5, err_msg=name)
    meta = json.loads((two / "pretrained" / "dnahlm.json").read_text())["pretraining"]
    assert meta["steps"] == 4 and meta["val_ppl_dna"] > 1
    assert (two / "pretrained" / "train_state" / "optimizer.safetensors").is_file()
