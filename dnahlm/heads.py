"""Classification heads of a checkpoint, for inference: list them, load one, classify sequences.

A head (trained by :mod:`dnahlm.train.classify`) is a GPT-2 sequence classifier that reads the raw
sequence followed by end-of-text and classifies from that last token's hidden state. Only the tensors it
changed are saved, under ``heads/<task>/`` of the checkpoint folder::

    heads/<task>/config.json       GPT2Config with num_labels, id2label, label2id
    heads/<task>/head.safetensors  the fine-tuned tensors (score, ln_f, top blocks)
    heads/<task>/head.json         task, kind, labels, which tensors, base-weights fingerprint, metrics

:func:`load_classifier` rebuilds the classifier from the checkpoint's weights plus the head, with the
plain-PyTorch runtime (:mod:`dnahlm.runtime`) or transformers' ``GPT2ForSequenceClassification``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors.torch import load_file

from dnahlm.checkfiles import check_head, loading
from dnahlm.errors import DataFormatError, ModelNotFoundError
from dnahlm.model import HEADS_DIR, check_checkpoint_dir
from dnahlm.runtime import GPT2Classifier, GPT2Config, read_weights, supports
from dnahlm.scoring import fit_prompt, left_pad
from dnahlm.sequences import model_letters
from dnahlm.settings import get_settings, resolve_device
from dnahlm.tasks import Task
from dnahlm.tokenizer import load_tokenizer

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

__all__ = [
    "TaskHead",
    "base_fingerprint",
    "build_classifier",
    "check_head_tensors",
    "classify_probs",
    "encode_sequences",
    "head_pad_id",
    "list_heads",
    "load_classifier",
]


def base_fingerprint(checkpoint: Path, weights: dict[str, torch.Tensor] | None = None) -> str:
    """A hash of the checkpoint's transformer weights rounded to fp16 (so an fp16 export keeps it).

    A head is only valid on the base weights it was trained on; ``head.json`` records this fingerprint.
    """
    h = hashlib.sha256()
    for name, t in sorted((weights if weights is not None else read_weights(checkpoint)).items()):
        if name.startswith("transformer."):
            h.update(name.encode())
            h.update(t.to(torch.float16).contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def head_pad_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """Padding id for the head's inputs, never the end-of-text id.

    The classifier reads the rightmost token that is not padding; our inputs end with end-of-text, so
    padding must differ from it (published GPT-2 tokenizers pad with end-of-text). Padded positions are
    masked out, so any other id will do.
    """
    pad = tokenizer.pad_token_id
    return (
        pad
        if pad is not None and pad != tokenizer.eos_token_id
        else (tokenizer.eos_token_id + 1) % len(tokenizer)
    )


def build_classifier(
    checkpoint: Path,
    task: Task,
    *,
    runtime: str = "transformers",
    head: dict[str, torch.Tensor] | None = None,
    weights: dict[str, torch.Tensor] | None = None,
) -> Any:
    """A classifier on the checkpoint's transformer: a new score layer, or ``head``'s tensors on top.

    ``runtime="transformers"`` gives a trainable ``GPT2ForSequenceClassification``; ``"torch"`` the
    inference-only :class:`dnahlm.runtime.GPT2Classifier`.
    """
    weights = weights if weights is not None else read_weights(checkpoint)
    base = {k: v.float() for k, v in weights.items() if k.startswith("transformer.")}
    if runtime == "torch":
        cfg = GPT2Config.from_file(checkpoint / "config.json")
        cfg.num_labels = len(task.labels)
        return GPT2Classifier.from_weights(cfg, base, head or {})
    from transformers import GPT2Config as HFConfig
    from transformers import GPT2ForSequenceClassification

    cfg = HFConfig.from_pretrained(str(checkpoint))
    cfg.num_labels = len(task.labels)
    cfg.id2label = {i: task.labels[lab] for i, lab in enumerate(task.label_ids)}
    cfg.label2id = {v: k for k, v in cfg.id2label.items()}
    cfg.architectures = ["GPT2ForSequenceClassification"]
    model = GPT2ForSequenceClassification(cfg)
    missing, _ = model.load_state_dict(base, strict=False)
    assert set(missing) <= {"score.weight"}, missing
    if head is not None:
        model.load_state_dict({k: v.float() for k, v in head.items()}, strict=False)
    return model


def encode_sequences(
    tokenizer: PreTrainedTokenizerBase, sequences: list[str], max_len: int
) -> list[list[int]]:
    """Sequence tokens followed by end-of-text (the token the head reads), cut to the context."""
    ids = tokenizer([model_letters(s) for s in sequences], add_special_tokens=False)["input_ids"]
    return [[*fit_prompt(x, max_len - 1), tokenizer.eos_token_id] for x in ids]


@torch.no_grad()
def classify_probs(model, tokenizer, sequences: list[str], *, batch_size: int = 64) -> np.ndarray:
    """Class probabilities (N, C), columns in the order of the task's label ids."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        from dnahlm.errors import ConfigError

        raise ConfigError(
            f"batch size {batch_size!r}: must be a whole number of 1 or more (DNAHLM_BATCH_SIZE)"
        )
    model.eval()
    device = next(model.parameters()).device
    rows = encode_sequences(tokenizer, sequences, model.config.n_positions)
    out = []
    for s in range(0, len(rows), batch_size):
        ids, mask, pos = (t.to(device) for t in left_pad(rows[s : s + batch_size], head_pad_id(tokenizer)))
        logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits  # (B, C), last token
        out.append(torch.softmax(logits.float(), -1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.num_labels))


def list_heads(checkpoint: str | Path) -> list[str]:
    """Names of the tasks that have a classification head in a checkpoint."""
    d = Path(checkpoint) / HEADS_DIR
    return sorted(p.name for p in d.iterdir() if (p / "head.json").is_file()) if d.is_dir() else []


def load_classifier(
    checkpoint: str | Path, task_name: str, *, device: str | None = None, runtime: str | None = None
):
    """Rebuild a task's classifier: the checkpoint's transformer plus its saved head.

    Args:
        runtime: ``"torch"`` or ``"transformers"`` (see :func:`dnahlm.model.load_model`); None uses the
            ``DNAHLM_RUNTIME`` setting.

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
    info = check_head(head_dir)
    with loading(head_dir, "classification head"):
        task = Task(
            name=info["task"],
            kind=info["kind"],
            labels={int(k): v for k, v in info["labels"].items()},
            instruction=info.get("instruction"),
        )
        weights = read_weights(checkpoint)
    if info.get("base_fingerprint") not in (None, base_fingerprint(checkpoint, weights)):
        raise ModelNotFoundError(
            f"{head_dir}: this head was trained on other base weights than {checkpoint}'s; "
            "retrain it (dnahlm train ... --stages classify)"
        )
    choice = runtime or get_settings().runtime
    if choice == "torch" and not supports(checkpoint / "config.json"):
        choice = "transformers"
    with loading(head_dir, "classification head"):
        tokenizer = load_tokenizer(checkpoint, light=choice == "torch")
        head = load_file(str(head_dir / "head.safetensors"))
        check_head_tensors(head_dir, head, weights, task, info)
        model = build_classifier(checkpoint, task, runtime=choice, head=head, weights=weights)
    model.config.pad_token_id = head_pad_id(tokenizer)
    model.to(resolve_device(device or "auto")).eval()
    return model, tokenizer, task


def check_head_tensors(
    head_dir: Path,
    head: dict[str, torch.Tensor],
    weights: dict[str, torch.Tensor],
    task: Task,
    info: dict[str, Any] | None = None,
) -> None:
    """Refuse a head whose numbers cannot be right, naming its ``head.safetensors``: a score layer of
    (labels in ``head.json``, the checkpoint's width); every other tensor one of the checkpoint's
    transformer tensors, of the same shape; the tensors ``head.json`` lists (when it lists them); every
    value finite. (:func:`dnahlm.checkfiles.check_head` has read the files; this checks what they hold.)

    Raises:
        DataFormatError: what is wrong, and where.
    """
    where = head_dir / "head.safetensors"
    score = head.get("score.weight")
    width = next((t.shape[-1] for k, t in weights.items() if k.endswith("wte.weight")), None)
    if score is None:
        raise DataFormatError(f"{where}: no score.weight tensor (the classification layer)")
    if tuple(score.shape) != (len(task.labels), width if width is not None else score.shape[-1]):
        raise DataFormatError(
            f"{where}: score.weight has shape {tuple(score.shape)}, but the head has {len(task.labels)} "
            f"labels on a checkpoint of width {width}: ({len(task.labels)}, {width}) expected"
        )
    for name, t in head.items():
        if name == "score.weight":
            continue
        if name not in weights or not name.startswith("transformer."):
            raise DataFormatError(f"{where}: {name} is not a tensor of the checkpoint's transformer")
        if tuple(t.shape) != tuple(weights[name].shape):
            raise DataFormatError(
                f"{where}: {name} has shape {tuple(t.shape)}, the checkpoint's {tuple(weights[name].shape)}"
            )
    listed = (info or {}).get("tensors")
    if isinstance(listed, list) and set(map(str, listed)) != set(head):
        raise DataFormatError(f"{where}: its tensors are not the ones head.json lists")
    for name, t in head.items():
        if not t.is_floating_point() or not bool(torch.isfinite(t.float()).all()):
            raise DataFormatError(f"{where}: {name} holds values that are not finite numbers")


class TaskHead:
    """A checkpoint's classification head for one task, as ``sequences -> probabilities``: the one way
    every caller (``fused``'s head input, ``dnahlm eval --method classifier``, tuned-task predictions)
    runs a head. Columns follow ``task.label_ids``.

    Example:
        .. code-block:: python

            head = TaskHead.load(checkpoint, task)  # None when the checkpoint has no head for it
            probs = head(["ACGT..."]) if head is not None else None
    """

    def __init__(self, model: Any, tokenizer: Any, task: Task, batch_size: int = 64) -> None:
        self.model, self.tokenizer, self.task, self.batch_size = model, tokenizer, task, batch_size

    @classmethod
    def load(
        cls, checkpoint: str | Path, task: Task, *, device: str | None = None, strict: bool = False,
        batch_size: int = 64,
    ) -> TaskHead | None:  # fmt: skip
        """The head for ``task`` (by name), or None when the checkpoint has none, or (unless ``strict``:
        then a :class:`~dnahlm.errors.ConfigError`) when it was trained with other labels."""
        from dnahlm.errors import ConfigError

        if task.name not in list_heads(checkpoint):
            if strict:
                load_classifier(checkpoint, task.name, device=device)  # raises, naming the heads it has
            return None
        model, tokenizer, head_task = load_classifier(checkpoint, task.name, device=device)
        if head_task.labels != task.labels:
            if strict:
                raise ConfigError(
                    f"head {task.name} was trained with labels {head_task.labels}, not {task.labels}"
                )
            return None
        return cls(model, tokenizer, task, batch_size)

    def __call__(self, sequences: list[str]) -> np.ndarray:
        return classify_probs(self.model, self.tokenizer, list(sequences), batch_size=self.batch_size)
