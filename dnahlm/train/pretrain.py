"""Causal-LM pretraining on the mixed DNA + English token files (nanoGPT-style, one readable function).

Batches are random ``block_size`` slices of ``train.bin``; the slice offsets of step ``s`` come from a
generator seeded with ``(seed, s)``, so a resumed run sees the same data as an uninterrupted one.
Validation perplexity is reported separately for DNA and English. On a GPU the same code runs under bf16
autocast with a larger batch.

Under ``accelerate launch --num_processes N`` (or ``torchrun``) the same function trains data-parallel:
``batch_size`` stays the global batch, each process takes 1/N of its rows, gradients are averaged, and
only the main process logs, evaluates and writes the checkpoint (see :class:`~dnahlm.train.common.Distributed`).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from dnahlm.errors import ConfigError, DataFormatError
from dnahlm.model import build_model, count_parameters, load_model, save_checkpoint
from dnahlm.settings import resolve_device
from dnahlm.tokenizer import load_tokenizer
from dnahlm.train.common import (
    STATE_DIR,
    Distributed,
    RunLog,
    Throughput,
    autocast_for,
    load_training_state,
    make_optimizer,
    optimizer_step,
    save_training_state,
    set_lr,
)


@dataclass
class PretrainConfig:
    """Everything one pretraining run depends on (saved into the checkpoint's ``dnahlm.json``)."""

    data_dir: Path
    out_dir: Path
    tokenizer_dir: Path | None = None  # defaults to data_dir/tokenizer
    preset: str = "tiny"
    model_overrides: dict[str, int] = field(default_factory=dict)
    block_size: int = 256
    batch_size: int = 16
    grad_accum: int = 1
    gpu_batch_multiplier: int = 8
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    max_steps: int = 2000
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.95)
    grad_clip: float = 1.0
    eval_every: int = 250
    eval_batches: int = 16
    checkpoint_every: int = 250
    log_every: int = 25
    max_minutes: float | None = None
    seed: int = 0
    device: str = "auto"
    threads: int | None = None

    def __post_init__(self) -> None:
        self.data_dir, self.out_dir = Path(self.data_dir), Path(self.out_dir)
        if self.tokenizer_dir is not None:
            self.tokenizer_dir = Path(self.tokenizer_dir)
        self.betas = tuple(self.betas)  # type: ignore[assignment]


def _tokens(path: Path) -> np.ndarray:
    if not path.is_file():
        raise DataFormatError(f"{path}: token file missing (build it with `dnahlm train corpus`)")
    return np.memmap(path, dtype=np.uint16, mode="r")


def _batch(
    data: np.ndarray, rng: np.random.Generator, batch: int, block: int, rows: slice | None = None
) -> torch.Tensor:
    """(B, block+1) token slices at random offsets; ``rows`` keeps a part of them (one process's share)."""
    if len(data) <= block + 1:
        raise DataFormatError(f"token file of {len(data)} tokens is shorter than block_size+1 = {block + 1}")
    starts = rng.integers(0, len(data) - block - 1, size=batch)[rows or slice(None)]
    return torch.from_numpy(np.stack([data[s : s + block + 1].astype(np.int64) for s in starts]))


@torch.no_grad()
def evaluate_perplexity(
    model, data: np.ndarray, *, block: int, batch: int, n_batches: int, device: str, seed: int
) -> float:
    """exp(mean next-token loss) over fixed random slices of a validation token file."""
    if len(data) <= block + 1:
        block = len(data) - 2
    if block < 2:
        return float("nan")
    model.eval()
    rng = np.random.default_rng([seed, 10**6])
    losses = []
    for _ in range(n_batches):
        xy = _batch(data, rng, batch, block).to(device)
        with autocast_for(device):
            losses.append(model(input_ids=xy[:, :-1], labels=xy[:, :-1]).loss.float().item())
    model.train()
    return math.exp(float(np.mean(losses)))


def pretrain(config: PretrainConfig, *, resume: bool = True, echo: bool = True) -> Path:
    """Pretrain (or resume pretraining) a GPT-2 on the token files; returns the checkpoint folder.

    The checkpoint in ``out_dir`` is rewritten every ``checkpoint_every`` steps together with the optimizer
    state (``out_dir/train_state``); calling again with ``resume=True`` continues from there. Launched as N
    processes, it trains data-parallel (module docstring); the result matches a single-process run.
    """
    cfg = config
    dist = Distributed(resolve_device(cfg.device))
    device = dist.device
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    batch = cfg.batch_size * (cfg.gpu_batch_multiplier if device.startswith("cuda") else 1)
    train = _tokens(cfg.data_dir / "train.bin")
    val = {kind: _tokens(cfg.data_dir / f"val_{kind}.bin") for kind in ("dna", "english")}
    # beside the checkpoint folder, which every checkpoint save replaces as a whole (like SFT's log)
    log = RunLog(cfg.out_dir.parent / f"{cfg.out_dir.name}.log.jsonl", echo=echo, enabled=dist.is_main)

    state_dir = cfg.out_dir / STATE_DIR
    start_step, tokens_seen = 0, 0
    if resume and (state_dir / "state.json").is_file():
        loaded = load_model(cfg.out_dir, device=device, runtime="transformers")
        model, tokenizer = loaded.model, loaded.tokenizer
        model.train()
        optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay, cfg.betas)
        extra = load_training_state(state_dir, optimizer)
        start_step, tokens_seen = extra["step"], extra["tokens_seen"]
        log(event="resume", step=start_step)
    else:
        tokenizer = load_tokenizer(cfg.tokenizer_dir or cfg.data_dir / "tokenizer")
        meta = json.loads((cfg.data_dir / "meta.json").read_text())
        if meta["vocab_size"] != len(tokenizer):
            raise ConfigError(
                f"token files were made with a vocabulary of {meta['vocab_size']}, tokenizer has {len(tokenizer)}"
            )
        model = build_model(cfg.preset, tokenizer, seed=cfg.seed, **cfg.model_overrides).to(device)
        model.train()
        optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay, cfg.betas)
    if cfg.block_size > model.config.n_positions:
        raise ConfigError(f"block_size {cfg.block_size} exceeds the model context {model.config.n_positions}")
    n_params = count_parameters(model)
    log(
        event="start",
        params=n_params,
        device=device,
        batch=batch,
        grad_accum=cfg.grad_accum,
        processes=dist.world_size,
    )
    rows = dist.part(batch)
    share = (rows.stop - rows.start) / batch
    plain = model
    model = dist.prepare(model)

    def checkpoint(step: int, metrics: dict) -> None:
        if not dist.is_main:
            dist.wait()
            return
        info = {
            "preset": cfg.preset,
            "parameters": n_params,
            "pretraining": {
                "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(cfg).items()},
                "steps": step,
                "tokens_seen": tokens_seen,
                **metrics,
            },
        }
        # weights and optimizer state are committed together, so a resume never pairs mismatched ones
        save_checkpoint(
            plain,
            tokenizer,
            cfg.out_dir,
            info,
            extra=lambda tmp: save_training_state(
                tmp / STATE_DIR, optimizer, {"step": step, "tokens_seen": tokens_seen}
            ),
        )
        dist.wait()

    t_start = time.time()
    speed = Throughput()
    metrics: dict = {}
    step = start_step
    while step < cfg.max_steps:
        lr = set_lr(optimizer, step, cfg)
        loss_sum = 0.0
        for micro in range(cfg.grad_accum):
            rng = np.random.default_rng([cfg.seed, step, micro])
            xy = _batch(train, rng, batch, cfg.block_size, rows).to(device)
            with dist.accumulating(model, last=micro == cfg.grad_accum - 1):
                with autocast_for(device):
                    loss = model(input_ids=xy[:, :-1], labels=xy[:, :-1]).loss / cfg.grad_accum
                loss_sum += dist.backward(loss, share)
        optimizer_step(model, optimizer, cfg.grad_clip)
        step += 1
        n_tok = batch * cfg.block_size * cfg.grad_accum
        tokens_seen += n_tok
        speed.add(n_tok)
        if step % cfg.log_every == 0:
            log(step=step, loss=dist.sum(loss_sum), lr=lr, tokens_per_s=speed.rate())
        out_of_time = cfg.max_minutes is not None and (time.time() - t_start) / 60 >= cfg.max_minutes
        out_of_time = dist.any(out_of_time) if cfg.max_minutes is not None else False
        if dist.is_main and (step % cfg.eval_every == 0 or step == cfg.max_steps or out_of_time):
            metrics = {
                f"val_ppl_{kind}": evaluate_perplexity(
                    plain,
                    data,
                    block=cfg.block_size,
                    batch=batch,
                    n_batches=cfg.eval_batches,
                    device=device,
                    seed=cfg.seed,
                )
                for kind, data in val.items()
            }
            log(step=step, tokens_seen=tokens_seen, **metrics)
        if step % cfg.checkpoint_every == 0 or step == cfg.max_steps or out_of_time:
            checkpoint(step, {**metrics, "wall_seconds": round(time.time() - t_start, 1)})
        if out_of_time:
            log(event="stopped", reason="max_minutes", step=step)
            break
    return cfg.out_dir
