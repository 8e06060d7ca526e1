"""Classification fine-tuning: the DNAHLM paper's other path, a sequence-classification head on the LM.

A :class:`~transformers.GPT2ForSequenceClassification` (built by :func:`dnahlm.heads.build_classifier`)
reads the raw sequence followed by end-of-text and
classifies from the last token's hidden state. The top ``train_layers`` transformer blocks, the final
layer norm and the score layer are fine-tuned; the rest stays as in the checkpoint. Only the tensors that
changed are saved, under ``heads/<task>/`` of the same checkpoint folder::

    heads/<task>/config.json       GPT2Config with num_labels, id2label, label2id
    heads/<task>/head.safetensors  the fine-tuned tensors (score, ln_f, top blocks)
    heads/<task>/head.json         task, kind, labels, which tensors, validation metrics

so six heads cost a fraction of six full models. :func:`load_classifier` rebuilds the full model from the
checkpoint's weights plus the head.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import GPT2ForSequenceClassification

from dnahlm.files import write_json_atomic
from dnahlm.heads import (  # the inference side of heads; re-exported for older imports
    base_fingerprint,
    build_classifier,
    classify_probs,
    encode_sequences,
    head_pad_id,
    list_heads,
    load_classifier,
)
from dnahlm.metrics import classification_report
from dnahlm.model import HEADS_DIR, atomic_dir, check_checkpoint_dir
from dnahlm.scoring import left_pad
from dnahlm.settings import resolve_device
from dnahlm.tasks import Example, Task
from dnahlm.tokenizer import load_tokenizer
from dnahlm.train.common import RunLog, autocast_for, make_optimizer, optimizer_step, set_lr
from dnahlm.tuned import write_tuned_rows


@dataclass
class ClassifyConfig:
    checkpoint: Path
    train_layers: int = 1
    batch_size: int = 32
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 20
    max_steps: int = 300
    weight_decay: float = 0.01
    eval_examples: int = 500
    max_minutes: float | None = None
    seed: int = 0
    device: str = "auto"


def _trainable_names(model: GPT2ForSequenceClassification, train_layers: int) -> list[str]:
    n = model.config.n_layer
    keep = ("score.", "transformer.ln_f.", *(f"transformer.h.{i}." for i in range(n - train_layers, n)))
    return [name for name, _ in model.named_parameters() if name.startswith(keep)]


def train_classifier(
    config: ClassifyConfig, task: Task, train: list[Example], val: list[Example], *, echo: bool = True
) -> dict:
    """Fine-tune a head for ``task`` and save it into ``checkpoint/heads/<task>``; returns val metrics."""
    cfg = config
    checkpoint = Path(cfg.checkpoint)
    check_checkpoint_dir(checkpoint)
    device = resolve_device(cfg.device)
    tokenizer = load_tokenizer(checkpoint)
    torch.manual_seed(cfg.seed)
    model = build_classifier(checkpoint, task, runtime="transformers")
    model.config.pad_token_id = head_pad_id(tokenizer)
    trainable = set(_trainable_names(model, cfg.train_layers))
    for name, p in model.named_parameters():
        p.requires_grad = name in trainable
    model.to(device).train()
    optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay, (0.9, 0.99))
    col = {lab: i for i, lab in enumerate(task.label_ids)}
    groups = label_groups(train)
    log = RunLog(checkpoint.parent / f"{checkpoint.name}.heads.log.jsonl", echo=echo)
    t0 = time.time()
    step = 0
    while step < cfg.max_steps:
        batch = draw(cfg, task, groups, step)
        set_lr(optimizer, step, cfg)
        rows = encode_sequences(tokenizer, [e.sequence for e in batch], model.config.n_positions)
        ids, mask, pos = (t.to(device) for t in left_pad(rows, head_pad_id(tokenizer)))
        y = torch.tensor([col[e.label] for e in batch], device=device)
        with autocast_for(device):
            logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits
        loss = torch.nn.functional.cross_entropy(logits.float(), y)
        loss.backward()
        optimizer_step(model, optimizer, grad_clip=1.0)
        step += 1
        if step % 50 == 0:
            log(task=task.name, step=step, loss=loss.item())
        if cfg.max_minutes is not None and (time.time() - t0) / 60 >= cfg.max_minutes:
            break
    metrics: dict = {}
    if val:
        v = val[: cfg.eval_examples]
        probs = classify_probs(model, tokenizer, [e.sequence for e in v])
        pred = [task.label_ids[int(i)] for i in probs.argmax(1)]
        rep = classification_report([e.label for e in v], pred, task.labels)
        metrics = {k: rep[k] for k in ("n", "accuracy", "macro_f1", "mcc")}
    log(task=task.name, step=step, seconds=round(time.time() - t0, 1), **metrics)
    save_head(
        model,
        checkpoint,
        task,
        sorted(trainable),
        [e.sequence for i in range(step) for e in draw(cfg, task, groups, i)],  # replayed: dnahlm.tuned
        {
            "base_fingerprint": base_fingerprint(checkpoint),
            "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
            "steps": step,
            "train_examples": len(train),
            "val": metrics,
        },
    )
    return metrics


def label_groups(train: list[Example]) -> list[list[Example]]:
    """The training examples grouped by label, labels in order (what :func:`draw` samples from)."""
    by_label: dict[int, list[Example]] = {}
    for ex in train:
        by_label.setdefault(ex.label, []).append(ex)
    return [by_label[k] for k in sorted(by_label)]


def draw(cfg: ClassifyConfig, task: Task, groups: list[list[Example]], step: int) -> list[Example]:
    """The class-balanced batch of ``step`` (seeded by step, so a finished run can replay what it drew)."""
    rng = random.Random(f"{cfg.seed}:{task.name}:{step}")
    return [rng.choice(rng.choice(groups)) for _ in range(cfg.batch_size)]


def save_head(model, checkpoint: Path, task: Task, names: list[str], drawn: list[str], info: dict) -> Path:
    """Write the fine-tuned tensors, their config and the rows drawn (``drawn``, sequences) atomically to
    ``checkpoint/heads/<task>``."""
    state = model.state_dict()

    def write(tmp: Path) -> None:
        write_tuned_rows(tmp, drawn)
        model.config.to_json_file(str(tmp / "config.json"))
        save_file({n: state[n].detach().cpu().contiguous() for n in names}, str(tmp / "head.safetensors"))
        write_json_atomic(
            tmp / "head.json",
            {
                "task": task.name,
                "kind": task.kind,
                "labels": {str(k): v for k, v in task.labels.items()},
                "instruction": task.instruction,
                "tensors": names,
                **info,
            },
        )

    return atomic_dir(checkpoint / HEADS_DIR / task.name, write)


__all__ = [
    "ClassifyConfig",
    "base_fingerprint",
    "classify_probs",
    "encode_sequences",
    "head_pad_id",
    "list_heads",
    "load_classifier",
    "save_head",
    "train_classifier",
]
