"""Pieces every training function shares: the learning-rate schedule, optimizer state on disk without
pickle, devices and autocast, and a JSON-lines log."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from dnahlm.files import write_json_atomic

STATE_DIR = "train_state"


def lr_at(step: int, *, lr: float, min_lr: float, warmup_steps: int, max_steps: int) -> float:
    """Linear warm-up to ``lr`` then cosine decay to ``min_lr`` at ``max_steps``."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (lr - min_lr)


def set_lr(optimizer: torch.optim.Optimizer, step: int, cfg: Any) -> float:
    """Set every parameter group's learning rate for ``step`` from a training config's ``lr``, ``min_lr``,
    ``warmup_steps`` and ``max_steps`` (see :func:`lr_at`); returns it."""
    value = lr_at(step, lr=cfg.lr, min_lr=cfg.min_lr, warmup_steps=cfg.warmup_steps, max_steps=cfg.max_steps)
    for group in optimizer.param_groups:
        group["lr"] = value
    return value


def optimizer_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, grad_clip: float) -> None:
    """Clip the gradient norm, step, and clear the gradients."""
    torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


class Throughput:
    """Tokens per second since the last call of :meth:`rate`."""

    def __init__(self) -> None:
        self.since = time.time()
        self.tokens = 0

    def add(self, n: int) -> None:
        self.tokens += n

    def rate(self) -> float:
        now = time.time()
        value = self.tokens / max(now - self.since, 1e-9)
        self.since, self.tokens = now, 0
        return value


def make_optimizer(
    model: torch.nn.Module, lr: float, weight_decay: float, betas: tuple[float, float]
) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only (not on biases, layer norms or position tables' norms)."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas)


def save_training_state(folder: Path, optimizer: torch.optim.Optimizer, extra: dict[str, Any]) -> None:
    """Optimizer tensors to safetensors and everything else to JSON (never pickle)."""
    folder.mkdir(parents=True, exist_ok=True)
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for pid, st in sd["state"].items():
        for key, value in st.items():
            if torch.is_tensor(value):
                tensors[f"{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(pid), {})[key] = value
    tmp = folder / ".optimizer.safetensors.tmp"
    save_file(tensors, str(tmp))
    os.replace(tmp, folder / "optimizer.safetensors")
    write_json_atomic(
        folder / "state.json", {"param_groups": sd["param_groups"], "scalars": scalars, **extra}
    )


def load_training_state(folder: Path, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Restore optimizer state written by :func:`save_training_state`; returns the extra JSON fields."""
    meta = json.loads((folder / "state.json").read_text())
    tensors = load_file(str(folder / "optimizer.safetensors"))
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    for pid, values in meta.pop("scalars").items():
        state.setdefault(int(pid), {}).update(values)
    groups = meta.pop("param_groups")
    for g in groups:
        if "betas" in g:
            g["betas"] = tuple(g["betas"])
    optimizer.load_state_dict({"state": state, "param_groups": groups})
    return meta


def autocast_for(device: str):
    """bf16 autocast on a GPU; plain fp32 on the CPU (these CPUs have no fast bf16)."""
    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


class RunLog:
    """Append JSON lines to ``log.jsonl`` and echo a short line to stderr."""

    def __init__(self, path: Path, echo: bool = True) -> None:
        self.path = path
        self.echo = echo
        path.parent.mkdir(parents=True, exist_ok=True)
        self.t0 = time.time()

    def __call__(self, **record: Any) -> None:
        record = {"time": round(time.time() - self.t0, 2), **record}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        if self.echo:
            text = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items())
            print(text, file=sys.stderr, flush=True)
