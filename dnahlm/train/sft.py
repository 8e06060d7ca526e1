"""Multi-task instruction tuning (SFT) on Alpaca-format prompts, with loss on the response only.

The original DNAHLM SFT masked the end-of-text token, so the model never learned to stop. Here the target
of every example is ``<label name><eos>``: prompt tokens get label -100 (no loss), response tokens and the
end-of-text token are learned. Each batch is drawn class-balanced across tasks: a task uniformly, then a
label uniformly within it, then an example. Validation uses a split carved from each task's pool.

Under ``accelerate launch --num_processes N`` (or ``torchrun``) the same function trains data-parallel:
every process draws the same global batch and keeps 1/N of its rows; each process's loss is weighted by
its share of the batch's learned tokens, so the averaged gradient is the single-process one. Only the main
process logs, validates and saves (see :class:`~dnahlm.train.common.Distributed`).
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from dnahlm.metrics import classification_report
from dnahlm.model import load_model, save_checkpoint
from dnahlm.prompts import format_prompt, format_response
from dnahlm.scoring import encode_prompt_response, fit_prompt, predict_labels, prompt_budget
from dnahlm.settings import resolve_device
from dnahlm.tasks import Example, Task
from dnahlm.train.common import (
    Distributed,
    RunLog,
    Throughput,
    autocast_for,
    make_optimizer,
    optimizer_step,
    set_lr,
)
from dnahlm.tuned import write_tuned_rows

IGNORE = -100


@dataclass
class TaskData:
    """A task with its training and validation examples."""

    task: Task
    train: list[Example]
    val: list[Example] = field(default_factory=list)


@dataclass
class SFTConfig:
    init_from: Path
    out_dir: Path
    batch_size: int = 16
    grad_accum: int = 1
    gpu_batch_multiplier: int = 4
    lr: float = 5e-4
    min_lr: float = 5e-5
    warmup_steps: int = 50
    max_steps: int = 1000
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    eval_every: int = 250
    eval_examples: int = 100
    log_every: int = 25
    max_minutes: float | None = None
    seed: int = 0
    device: str = "auto"


def build_instruction_example(
    tokenizer, task: Task, example: Example, budget: int
) -> tuple[list[int], list[int]]:
    """Input ids and labels of one example: prompt masked with -100, response and end-of-text learned."""
    p, r = encode_prompt_response(
        tokenizer, format_prompt(task, example.sequence), format_response(task, example.label)
    )
    p = fit_prompt(p, budget)
    return p + r, [IGNORE] * len(p) + r


class BalancedSampler:
    """Draws examples class-balanced across tasks: task uniform, label uniform within the task."""

    def __init__(self, tasks: list[TaskData], seed: int) -> None:
        self.groups = []
        for td in tasks:
            by_label: dict[int, list[Example]] = {}
            for ex in td.train:
                by_label.setdefault(ex.label, []).append(ex)
            self.groups.append((td.task, [by_label[k] for k in sorted(by_label)]))
        self.seed = seed

    def batch(self, step: int, size: int) -> list[tuple[Task, Example]]:
        rng = random.Random(f"{self.seed}:{step}")
        out = []
        for _ in range(size):
            task, labels = rng.choice(self.groups)
            out.append((task, rng.choice(rng.choice(labels))))
        return out


def learned_tokens(rows: list[tuple[list[int], list[int]]]) -> int:
    """How many tokens of ``rows`` carry a loss: labels other than -100 after the first position (the
    causal-LM loss predicts token t+1 from tokens up to t)."""
    return sum(sum(y != IGNORE for y in labels[1:]) for _, labels in rows)


def collate(rows: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a batch; padding gets attention 0 and label -100."""
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (x, y) in enumerate(rows):
        ids[i, : len(x)] = torch.tensor(x)
        labels[i, : len(y)] = torch.tensor(y)
        mask[i, : len(x)] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def validate(model, tokenizer, tasks: list[TaskData], n: int) -> dict[str, dict[str, float]]:
    """Label-likelihood accuracy / macro-F1 / MCC on the first ``n`` validation examples of each task."""
    model.eval()
    out = {}
    for td in tasks:
        val = td.val[:n]
        if not val:
            continue
        preds = predict_labels(model, tokenizer, td.task, [e.sequence for e in val])
        rep = classification_report([e.label for e in val], [p.label for p in preds], td.task.labels)
        out[td.task.name] = {k: rep[k] for k in ("accuracy", "macro_f1", "mcc")}
    model.train()
    return out


def sft(config: SFTConfig, tasks: list[TaskData], *, echo: bool = True) -> Path:
    """Instruction-tune the checkpoint ``init_from`` on ``tasks``; saves to ``out_dir`` and returns it.

    Launched as N processes, it trains data-parallel (module docstring); the result matches a
    single-process run.
    """
    cfg = config
    dist = Distributed(resolve_device(cfg.device))
    device = dist.device
    loaded = load_model(cfg.init_from, device=device, runtime="transformers")
    model, tokenizer = loaded.model, loaded.tokenizer
    model.train()
    batch = cfg.batch_size * (cfg.gpu_batch_multiplier if device.startswith("cuda") else 1)
    budgets = {td.task.name: prompt_budget(model, tokenizer, td.task.label_names) for td in tasks}
    optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay, (0.9, 0.95))
    sampler = BalancedSampler(tasks, cfg.seed)
    log = RunLog(
        Path(cfg.out_dir).parent / f"{Path(cfg.out_dir).name}.log.jsonl", echo=echo, enabled=dist.is_main
    )
    log(event="start", tasks=[t.task.name for t in tasks], train_examples=sum(len(t.train) for t in tasks))
    t_start = time.time()
    speed = Throughput()
    tokens = 0
    val_metrics: dict = {}
    step = 0
    torch.manual_seed(cfg.seed)
    part = dist.part(batch)
    plain = model
    model = dist.prepare(model)
    while step < cfg.max_steps:
        lr = set_lr(optimizer, step, cfg)
        loss_sum = 0.0
        for micro in range(cfg.grad_accum):
            rows = [
                build_instruction_example(tokenizer, t, ex, budgets[t.name])
                for t, ex in sampler.batch(step * cfg.grad_accum + micro, batch)
            ]
            mine = rows[part]
            b = {k: v.to(device) for k, v in collate(mine, tokenizer.pad_token_id).items()}
            share = learned_tokens(mine) / learned_tokens(rows) if dist.world_size > 1 else 1.0
            with dist.accumulating(model, last=micro == cfg.grad_accum - 1):
                with autocast_for(device):
                    loss = model(**b).loss / cfg.grad_accum
                loss_sum += dist.backward(loss, share)
            n = sum(len(ids) for ids, _ in rows)  # tokens of the global batch
            tokens += n
            speed.add(n)
        optimizer_step(model, optimizer, cfg.grad_clip)
        step += 1
        if step % cfg.log_every == 0:
            log(step=step, loss=dist.sum(loss_sum), lr=lr, tokens_per_s=speed.rate())
        out_of_time = cfg.max_minutes is not None and (time.time() - t_start) / 60 >= cfg.max_minutes
        out_of_time = dist.any(out_of_time) if cfg.max_minutes is not None else False
        if dist.is_main and (step % cfg.eval_every == 0 or step == cfg.max_steps or out_of_time):
            val_metrics = validate(plain, tokenizer, tasks, cfg.eval_examples)
            log(step=step, val=val_metrics)
        if out_of_time:
            log(event="stopped", reason="max_minutes", step=step)
            break
    info = {
        "sft": {
            "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
            "steps": step,
            "tokens_seen": tokens,
            "wall_seconds": round(time.time() - t_start, 1),
            "tasks": {
                t.task.name: {
                    "train": len(t.train),
                    "val": len(t.val),
                    "kind": t.task.kind,
                    "labels": t.task.labels,
                }
                for t in tasks
            },
            "val_during_training": val_metrics,
        }
    }
    plain.eval()
    if dist.is_main:
        # the rows drawn, replayed from the seeded sampler: what fused must not calibrate on (dnahlm.tuned)
        drawn = (ex.sequence for i in range(step * cfg.grad_accum) for _, ex in sampler.batch(i, batch))
        save_checkpoint(
            plain, tokenizer, cfg.out_dir, {**loaded.meta, **info},
            extra=lambda folder: write_tuned_rows(folder, drawn),
        )  # fmt: skip
    dist.wait()
    return Path(cfg.out_dir)
