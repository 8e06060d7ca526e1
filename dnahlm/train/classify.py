"""Classification fine-tuning: the DNAHLM paper's other path, a sequence-classification head on the LM.

A :class:`~transformers.GPT2ForSequenceClassification` reads the raw sequence followed by end-of-text and
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

import hashlib
import json
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import GPT2Config, GPT2ForSequenceClassification, PreTrainedTokenizerBase

from dnahlm.errors import ModelNotFoundError
from dnahlm.files import write_json_atomic
from dnahlm.metrics import classification_report
from dnahlm.model import HEADS_DIR, atomic_dir, check_checkpoint_dir
from dnahlm.scoring import fit_prompt, left_pad
from dnahlm.settings import resolve_device
from dnahlm.tasks import Example, Task
from dnahlm.tokenizer import load_tokenizer
from dnahlm.train.common import RunLog, autocast_for, make_optimizer, optimizer_step, set_lr


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


def _base_weights(checkpoint: Path) -> dict[str, torch.Tensor]:
    weights: dict[str, torch.Tensor] = {}
    for f in sorted(checkpoint.glob("model*.safetensors")):
        weights.update(load_file(str(f)))
    return weights


def base_fingerprint(checkpoint: Path) -> str:
    """A hash of the checkpoint's transformer weights rounded to fp16 (so an fp16 export keeps it).

    A head is only valid on the base weights it was trained on; ``head.json`` records this fingerprint.
    """
    h = hashlib.sha256()
    for name, t in sorted(_base_weights(checkpoint).items()):
        if name.startswith("transformer."):
            h.update(name.encode())
            h.update(t.to(torch.float16).contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def head_pad_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """Padding id for the head's inputs, never the end-of-text id.

    ``GPT2ForSequenceClassification`` reads the rightmost token that is not padding; our inputs end with
    end-of-text, so padding must differ from it (published GPT-2 tokenizers pad with end-of-text).
    Padded positions are masked out, so any other id will do.
    """
    pad = tokenizer.pad_token_id
    return (
        pad
        if pad is not None and pad != tokenizer.eos_token_id
        else (tokenizer.eos_token_id + 1) % len(tokenizer)
    )


def _build(checkpoint: Path, task: Task) -> GPT2ForSequenceClassification:
    cfg = GPT2Config.from_pretrained(str(checkpoint))
    cfg.num_labels = len(task.labels)
    cfg.id2label = {i: task.labels[lab] for i, lab in enumerate(task.label_ids)}
    cfg.label2id = {v: k for k, v in cfg.id2label.items()}
    cfg.architectures = ["GPT2ForSequenceClassification"]
    model = GPT2ForSequenceClassification(cfg)
    base = {k: v.float() for k, v in _base_weights(checkpoint).items() if k.startswith("transformer.")}
    missing, _ = model.load_state_dict(base, strict=False)
    assert set(missing) <= {"score.weight"}, missing
    return model


def _trainable_names(model: GPT2ForSequenceClassification, train_layers: int) -> list[str]:
    n = model.config.n_layer
    keep = ("score.", "transformer.ln_f.", *(f"transformer.h.{i}." for i in range(n - train_layers, n)))
    return [name for name, _ in model.named_parameters() if name.startswith(keep)]


def encode_sequences(
    tokenizer: PreTrainedTokenizerBase, sequences: list[str], max_len: int
) -> list[list[int]]:
    """Sequence tokens followed by end-of-text (the token the head reads), cut to the context."""
    ids = tokenizer(list(sequences), add_special_tokens=False)["input_ids"]
    return [[*fit_prompt(x, max_len - 1), tokenizer.eos_token_id] for x in ids]


@torch.no_grad()
def classify_probs(model, tokenizer, sequences: list[str], *, batch_size: int = 64) -> np.ndarray:
    """Class probabilities (N, C), columns in the order of the task's label ids."""
    model.eval()
    device = next(model.parameters()).device
    rows = encode_sequences(tokenizer, sequences, model.config.n_positions)
    out = []
    for s in range(0, len(rows), batch_size):
        ids, mask, pos = (t.to(device) for t in left_pad(rows[s : s + batch_size], head_pad_id(tokenizer)))
        logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits  # (B, C), last token
        out.append(torch.softmax(logits.float(), -1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.num_labels))


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
    model = _build(checkpoint, task)
    model.config.pad_token_id = head_pad_id(tokenizer)
    trainable = set(_trainable_names(model, cfg.train_layers))
    for name, p in model.named_parameters():
        p.requires_grad = name in trainable
    model.to(device).train()
    optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay, (0.9, 0.99))
    col = {lab: i for i, lab in enumerate(task.label_ids)}
    by_label: dict[int, list[Example]] = {}
    for ex in train:
        by_label.setdefault(ex.label, []).append(ex)
    groups = [by_label[k] for k in sorted(by_label)]
    log = RunLog(checkpoint.parent / f"{checkpoint.name}.heads.log.jsonl", echo=echo)
    t0 = time.time()
    step = 0
    while step < cfg.max_steps:
        rng = random.Random(f"{cfg.seed}:{task.name}:{step}")
        batch = [rng.choice(rng.choice(groups)) for _ in range(cfg.batch_size)]  # class-balanced
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
        {
            "base_fingerprint": base_fingerprint(checkpoint),
            "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
            "steps": step,
            "train_examples": len(train),
            "val": metrics,
        },
    )
    return metrics


def save_head(model, checkpoint: Path, task: Task, names: list[str], info: dict) -> Path:
    """Write the fine-tuned tensors and their config atomically to ``checkpoint/heads/<task>``."""
    state = model.state_dict()

    def write(tmp: Path) -> None:
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


def list_heads(checkpoint: str | Path) -> list[str]:
    """Names of the tasks that have a classification head in a checkpoint."""
    d = Path(checkpoint) / HEADS_DIR
    return sorted(p.name for p in d.iterdir() if (p / "head.json").is_file()) if d.is_dir() else []


def load_classifier(checkpoint: str | Path, task_name: str, *, device: str | None = None):
    """Rebuild a task's classifier: the checkpoint's transformer plus its saved head.

    Returns ``(model, tokenizer, task)``.
    """
    checkpoint = Path(checkpoint)
    check_checkpoint_dir(checkpoint)
    head_dir = checkpoint / HEADS_DIR / task_name
    if not (head_dir / "head.json").is_file():
        known = ", ".join(list_heads(checkpoint)) or "none"
        raise ModelNotFoundError(
            f"{checkpoint}: no classification head for task {task_name!r} (heads: {known})"
        )
    info = json.loads((head_dir / "head.json").read_text())
    task = Task(
        name=info["task"],
        kind=info["kind"],
        labels={int(k): v for k, v in info["labels"].items()},
        instruction=info.get("instruction"),
    )
    if info.get("base_fingerprint") not in (None, base_fingerprint(checkpoint)):
        raise ModelNotFoundError(
            f"{head_dir}: this head was trained on other base weights than {checkpoint}'s; "
            "retrain it (dnahlm train ... --stages classify)"
        )
    tokenizer = load_tokenizer(checkpoint)
    model = _build(checkpoint, task)
    model.load_state_dict(
        {k: v.float() for k, v in load_file(str(head_dir / "head.safetensors")).items()}, strict=False
    )
    model.config.pad_token_id = head_pad_id(tokenizer)
    model.to(resolve_device(device or "auto")).eval()
    return model, tokenizer, task
