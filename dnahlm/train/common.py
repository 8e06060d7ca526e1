"""Pieces every training function shares: the learning-rate schedule, optimizer state on disk without
pickle, devices and autocast, data parallelism over processes, and a JSON-lines log.

Data parallelism (:class:`Distributed`): started with ``accelerate launch`` (or ``torchrun``), each of the
N processes draws the same global batch, keeps its share of the rows, and runs the model wrapped in
DistributedDataParallel by :class:`accelerate.Accelerator`; gradients are averaged across processes
during ``backward``, so every process takes the same optimizer step. Each process's loss is weighted by
its share of the batch's loss terms, which makes the averaged gradient exactly the single-process one
(up to floating-point summation order). Only the main process logs, evaluates and saves. A plain
``python`` run is one process and takes none of these paths.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
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
    """Append JSON lines to ``log.jsonl`` and echo a short line to stderr (``enabled=False``: a no-op, for
    the processes of a data-parallel run other than the main one)."""

    def __init__(self, path: Path, echo: bool = True, enabled: bool = True) -> None:
        self.path = path
        self.echo = echo
        self.enabled = enabled
        if enabled:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.t0 = time.time()

    def __call__(self, **record: Any) -> None:
        if not self.enabled:
            return
        record = {"time": round(time.time() - self.t0, 2), **record}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        if self.echo:
            text = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items())
            print(text, file=sys.stderr, flush=True)


def world_size() -> int:
    """How many processes this run was launched with (``WORLD_SIZE``, set by accelerate launch/torchrun)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


class Distributed:
    """This process's place in a data-parallel run: one process (plain run) or one of N launched ones.

    With one process every method is the identity or a plain call, so a normal run behaves exactly as
    without this class. With N, an :class:`accelerate.Accelerator` (gloo on CPUs, NCCL on GPUs) sets up
    the process group and wraps the model in DistributedDataParallel.

    Example:
        .. code-block:: python

            dist = Distributed("cpu")
            model = dist.prepare(model)
            rows = dist.part(batch_size)              # this process's rows of the global batch
            loss = model(**batch_rows).loss
            dist.backward(loss, share=len_rows / batch_size)
    """

    def __init__(self, device: str) -> None:
        self.accelerator: Any = None
        self.device = device
        self.rank, self.world_size = 0, world_size()
        if self.world_size > 1:
            from accelerate import Accelerator

            self.accelerator = Accelerator(cpu=not device.startswith("cuda"), mixed_precision="no")
            self.device = str(self.accelerator.device)
            self.rank, self.world_size = self.accelerator.process_index, self.accelerator.num_processes

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def prepare(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model to train: wrapped for gradient averaging when there are several processes."""
        return self.accelerator.prepare_model(model) if self.accelerator is not None else model

    def unwrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The plain model (for evaluation, saving and config lookups)."""
        return self.accelerator.unwrap_model(model) if self.accelerator is not None else model

    def part(self, n: int) -> slice:
        """This process's contiguous share of ``n`` rows (sizes differ by at most one)."""
        if self.world_size == 1:
            return slice(0, n)
        if n < self.world_size:
            from dnahlm.errors import ConfigError

            raise ConfigError(f"a batch of {n} rows cannot be split over {self.world_size} processes")
        base, extra = divmod(n, self.world_size)
        start = self.rank * base + min(self.rank, extra)
        return slice(start, start + base + (self.rank < extra))

    @contextmanager
    def accumulating(self, model: torch.nn.Module, last: bool) -> Iterator[None]:
        """Skip the gradient all-reduce for micro-batches before the ``last`` one of a step."""
        if self.accelerator is None or last:
            yield
        else:
            with self.accelerator.no_sync(model):
                yield

    def backward(self, loss: torch.Tensor, share: float = 1.0) -> float:
        """Backpropagate this process's ``loss``, which covers ``share`` of the global batch's loss terms;
        returns the loss's contribution to the global mean (sum it over processes with :meth:`sum`)."""
        if self.accelerator is None:
            loss.backward()
            return loss.item()
        (loss * (share * self.world_size)).backward()  # DDP averages: (1/N) sum_r share_r * N * grad_r
        return loss.item() * share

    def sum(self, value: float) -> float:
        """``value`` summed over processes."""
        if self.accelerator is None:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        return float(self.accelerator.reduce(t, reduction="sum").item())

    def any(self, flag: bool) -> bool:
        """True on every process when ``flag`` is true on any (so all stop at the same step)."""
        return self.sum(float(flag)) > 0 if self.accelerator is not None else flag

    def wait(self) -> None:
        """Barrier: every process waits here for the others."""
        if self.accelerator is not None:
            self.accelerator.wait_for_everyone()


@contextmanager
def main_process_first(device: str = "cpu") -> Iterator[bool]:
    """Run a block on the main process first, then on the others (which then find its output on disk).

    Yields whether this is the main process. With one process it just runs the block.
    """
    if world_size() == 1:
        yield True
        return
    from accelerate import PartialState

    state = PartialState(cpu=not device.startswith("cuda"))
    with state.main_process_first():
        yield state.is_main_process
