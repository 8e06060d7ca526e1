"""GPT-2 DNAHLM: named presets, building, saving and loading checkpoints.

DNAHLM (Wang Liang, 2024) is GPT-2 small (12 layers, 768 wide, 1,024 tokens of context) pretrained on
human DNA mixed with English text. ``small`` reproduces that shape; ``tiny`` is the same architecture
shrunk until it trains on two CPU cores.

A checkpoint is a Hugging Face folder that ``AutoModelForCausalLM.from_pretrained`` loads::

    config.json  model.safetensors  tokenizer.json (+ tokenizer_config.json)  generation_config.json
    dnahlm.json  (our metadata: preset, training data, metrics)
    heads/<task>/  classification heads (see dnahlm.train.classify)

:func:`load_model` also accepts the published DNAHLM layout: a GPT-2 folder whose tokenizer is GPT-2's
``vocab.json`` + ``merges.txt`` (or lives in a separate folder), with no ``dnahlm.json``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:  # transformers' model classes are imported where used: importing them costs seconds
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedModel, PreTrainedTokenizerBase

from dnahlm.checkfiles import check_checkpoint, loading, read_json
from dnahlm.errors import ConfigError
from dnahlm.files import write_json_atomic
from dnahlm.settings import get_settings, resolve_device
from dnahlm.tokenizer import load_tokenizer

META_FILE = "dnahlm.json"
HEADS_DIR = "heads"
MAX_SHARD_SIZE = "15MB"
"""Keep every weight file under 16 MB (files moved between machines are limited to that size)."""

PRESETS: dict[str, dict[str, int]] = {
    # ~2.7 M parameters with a 4 k vocabulary: trains at a few thousand tokens/s on 2 CPU cores (fp32)
    "tiny": {"n_layer": 4, "n_head": 4, "n_embd": 192, "n_positions": 512},
    # GPT-2 small, the DNAHLM paper's model (124 M parameters with a 50 k vocabulary)
    "small": {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024},
}


@dataclass
class LoadedModel:
    """A causal LM, its tokenizer and our metadata, loaded from one folder."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    path: Path
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device


def gpt2_config(preset: str, tokenizer: PreTrainedTokenizerBase, **overrides: Any) -> GPT2Config:
    """A :class:`GPT2Config` for a named preset, sized to the tokenizer, with explicit special token ids."""
    from transformers import GPT2Config

    if preset not in PRESETS:
        raise ConfigError(f"unknown model preset {preset!r}; choose one of {sorted(PRESETS)}")
    shape = {**PRESETS[preset], **overrides}
    return GPT2Config(
        vocab_size=len(tokenizer),
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **shape,
    )


def build_model(
    preset: str, tokenizer: PreTrainedTokenizerBase, *, seed: int = 0, **overrides: Any
) -> GPT2LMHeadModel:
    """A freshly initialised GPT-2 LM for ``preset`` (``overrides`` change single shape fields)."""
    torch.manual_seed(seed)
    from transformers import GPT2LMHeadModel

    return GPT2LMHeadModel(gpt2_config(preset, tokenizer, **overrides))


def count_parameters(model: torch.nn.Module) -> int:
    """Number of distinct parameters (tied embeddings counted once)."""
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())


def _recover(dest: Path) -> None:
    """Put back a folder left aside by a save that was interrupted between its two renames."""
    if dest.exists():
        return
    left = sorted(dest.parent.glob(f".{dest.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if left:
        os.replace(left[-1], dest)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_dir(path: str | Path, write: Callable[[Path], None], *, keep: tuple[str, ...] = ()) -> Path:
    """Write a folder atomically: ``write(tmp)`` fills a temporary sibling, which then replaces ``path``.

    An interrupted write leaves the previous folder untouched (a crash between the two renames leaves it
    aside as ``.<name>.old-*``, which the next save or load puts back). Entries of the old folder named in
    ``keep`` (e.g. ``heads``) are carried over unless ``write`` produced them; nothing else is.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _recover(dest)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    os.chmod(tmp, 0o755)
    try:
        write(tmp)
        for name in keep:
            old_entry = dest / name
            if old_entry.exists() and not (tmp / name).exists():
                if old_entry.is_dir():
                    shutil.copytree(old_entry, tmp / name)
                else:
                    shutil.copy2(old_entry, tmp / name)
        for f in tmp.rglob("*"):
            if f.is_file():
                with open(f, "rb") as fh:
                    os.fsync(fh.fileno())
        old = None
        if dest.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
            os.replace(dest, old)
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def save_checkpoint(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    path: str | Path,
    meta: dict[str, Any] | None = None,
    *,
    dtype: torch.dtype | None = None,
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Save model, tokenizer and metadata as one Hugging Face folder, atomically.

    Classification heads already in the folder are kept (they record which base weights they were trained
    on, see :mod:`dnahlm.train.classify`); other old files are not.

    Args:
        dtype: store weights in this dtype (e.g. ``torch.float16`` to halve the size); None keeps them.
        extra: writes more files into the new folder before it is swapped in (e.g. optimizer state), so
            they are committed together with the weights.
    """

    if not hasattr(model, "save_pretrained"):
        raise ConfigError(
            "this model was loaded for inference with the plain-PyTorch runtime; load it with "
            "load_model(..., runtime='transformers') to save it"
        )

    def write(tmp: Path) -> None:
        to_save = model
        if dtype is not None:
            to_save = type(model)(model.config)
            to_save.load_state_dict(model.state_dict())
            to_save = to_save.to(dtype)
        to_save.save_pretrained(tmp, max_shard_size=MAX_SHARD_SIZE)
        tokenizer.save_pretrained(tmp)
        previous = read_meta(path)
        write_json_atomic(tmp / META_FILE, {**previous, **(meta or {}), "format": 1})
        if extra is not None:
            extra(tmp)

    return atomic_dir(path, write, keep=(HEADS_DIR,))


def read_meta(path: str | Path) -> dict[str, Any]:
    """Our ``dnahlm.json`` metadata of a checkpoint, or ``{}`` (e.g. for published DNAHLM folders)."""
    f = Path(path) / META_FILE
    return read_json(f) if f.is_file() else {}


def check_checkpoint_dir(path: Path) -> None:
    """Raise :class:`ModelNotFoundError` naming the file when ``path`` is not a whole, loadable checkpoint
    (missing or damaged config, weights, tokenizer or metadata; see :mod:`dnahlm.checkfiles`)."""
    _recover(path)
    check_checkpoint(path)


def load_model(
    path: str | Path | None = None,
    *,
    tokenizer_path: str | Path | None = None,
    device: str | None = None,
    dtype: torch.dtype | None = None,
    runtime: str | None = None,
) -> LoadedModel:
    """Load a checkpoint folder (ours, or the published DNAHLM GPT-2 layout) for inference.

    Args:
        path: checkpoint folder; None uses the configured default (the embedded ``dnahlm-tiny``).
        tokenizer_path: folder of the tokenizer when it is not inside ``path`` (published DNAHLM
            ships its BPE separately).
        device: 'cpu', 'cuda', ... ; None uses the ``DNAHLM_DEVICE`` setting.
        dtype: torch dtype for the weights; None loads float32.
        runtime: ``"torch"`` (:mod:`dnahlm.runtime`: the same outputs, seconds faster to start) or
            ``"transformers"`` (``AutoModelForCausalLM``; what training uses); None uses the
            ``DNAHLM_RUNTIME`` setting. ``"torch"`` falls back to transformers for configs it does not
            cover (another architecture, or GPT-2 options it does not implement).

    Raises:
        ModelNotFoundError: the folder, its config, weights or tokenizer are missing.
    """
    from dnahlm import runtime as plain

    settings = get_settings()
    p = Path(path) if path is not None else settings.default_model_path()
    check_checkpoint_dir(p)
    choice = runtime or settings.runtime
    if choice not in ("torch", "transformers"):
        raise ConfigError(f"runtime must be 'torch' or 'transformers', got {choice!r}")
    with loading(p):
        light = choice == "torch" and plain.supports(p / "config.json")
        tokenizer = load_tokenizer(tokenizer_path if tokenizer_path is not None else p, light=light)
        if light:
            model: Any = plain.GPT2LM.from_pretrained(p, dtype=dtype or torch.float32)
        else:
            from transformers import AutoModelForCausalLM

            model = AutoModelForCausalLM.from_pretrained(
                str(p), local_files_only=True, use_safetensors=True, dtype=dtype or torch.float32
            )
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    model.to(resolve_device(device or settings.device))
    model.eval()
    return LoadedModel(model=model, tokenizer=tokenizer, path=p, meta=read_meta(p))
