"""Classification by label likelihood, with the shared prompt computed once per sequence.

The original DNAHLM work generated an answer and checked whether the label name was a substring of it
("promoter" is a substring of "non-promoter"). Here each candidate label is scored by the
log-likelihood the model gives it, end-of-text token included, after the prompt:

    score(c) = log p(c_1 .. c_m, <eos> | prompt)

Prompts that would overflow the context are fitted by :func:`fit_shots` (fewer shots, then the middle
of each sequence), the one truncation policy of every prediction. The prompt is run once, its key/value cache is repeated for every candidate, and all candidates of a
batch of prompts are scored in one more forward pass. Probabilities are the softmax over candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:  # annotations only: importing transformers' model classes costs seconds
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

from dnahlm.errors import ConfigError
from dnahlm.prompts import format_prompt
from dnahlm.tasks import Example, Task
from dnahlm.types import Prediction


def encode_prompt_response(
    tokenizer: PreTrainedTokenizerBase, prompt: str, response: str
) -> tuple[list[int], list[int]]:
    """Token ids of a prompt and of its response followed by end-of-text, encoded separately.

    Training (SFT) and scoring both use this, so the model is scored on exactly what it was taught.
    """
    p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    r = tokenizer(response, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return p, r


def left_pad(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Left-pad token rows; returns input ids, attention mask and position ids, each (B, T)."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        if r:
            ids[i, width - len(r) :] = torch.tensor(r, dtype=torch.long)
            mask[i, width - len(r) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, positions


def prompt_budget(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, candidates: Sequence[str]
) -> int:
    """Most prompt tokens that leave room for the longest candidate and its end-of-text token.

    Scoring, the naive reference and SFT all cut prompts to this budget, so they see the same tokens.
    """
    longest = max(len(tokenizer(c, add_special_tokens=False)["input_ids"]) for c in candidates)
    return model.config.n_positions - longest - 1


def fit_prompt(prompt_ids: list[int], budget: int) -> list[int]:
    """Keep the last ``budget`` tokens of a prompt that would overflow the context."""
    return prompt_ids[-budget:] if len(prompt_ids) > budget else prompt_ids


def split_shared_prefix(
    tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], budget: int
) -> tuple[list[int], list[list[int]]] | None:
    """Tokens of the text every prompt shares up to its last common line break, and each prompt's rest.

    For classification prompts that is the whole Alpaca instruction, the same for every sequence of a task,
    so it can be run once per batch instead of once per sequence. Returns None (use the plain path) when
    there is no such prefix, a prompt would be cut to fit the context, or a prompt's tokens do not start
    with the prefix's tokens (the split must not change the tokens the model sees).
    """
    if len(prompts) < 2:
        return None
    lo, hi = min(prompts), max(prompts)  # the common prefix of all is that of the extremes
    n = next((i for i, (a, b) in enumerate(zip(lo, hi, strict=False)) if a != b), min(len(lo), len(hi)))
    common = lo[:n]
    cut = common.rfind("\n") + 1
    if cut <= 0:
        return None
    prefix = tokenizer(common[:cut], add_special_tokens=False)["input_ids"]
    rests = []
    for p in prompts:
        whole = tokenizer(p, add_special_tokens=False)["input_ids"]
        if len(whole) > budget or whole[: len(prefix)] != prefix or len(whole) == len(prefix):
            return None
        rests.append(whole[len(prefix) :])
    return prefix, rests


@torch.no_grad()
def score_candidates(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    candidates: Sequence[str],
    *,
    batch_size: int = 32,
) -> np.ndarray:
    """Log-likelihood of each candidate response (with end-of-text) after each prompt: array (N, C).

    The text all prompts share (the instruction) is run once per batch; each prompt's own part is run once;
    its cache is then repeated for every candidate.

    Raises:
        ConfigError: ``batch_size`` is below 1 (every row would go unscored).
    """
    if batch_size < 1:
        raise ConfigError(f"batch size {batch_size}: give a whole number of at least 1")
    device = next(model.parameters()).device
    cand = [
        tokenizer(c, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id] for c in candidates
    ]
    n_cand, max_len = len(cand), max(len(c) for c in cand)
    cand_ids = torch.full((n_cand, max_len), tokenizer.pad_token_id, dtype=torch.long)
    cand_mask = torch.zeros((n_cand, max_len), dtype=torch.long)
    for j, c in enumerate(cand):
        cand_ids[j, : len(c)] = torch.tensor(c)
        cand_mask[j, : len(c)] = 1
    budget = prompt_budget(model, tokenizer, candidates)
    out = np.zeros((len(prompts), n_cand), dtype=np.float64)
    shared = split_shared_prefix(tokenizer, prompts, budget)
    if shared is None:
        prefix: list[int] = []
        encoded = [fit_prompt(tokenizer(p, add_special_tokens=False)["input_ids"], budget) for p in prompts]
    else:
        prefix, encoded = shared

    for start in range(0, len(prompts), batch_size):
        rows = encoded[start : start + batch_size]
        b = len(rows)
        ids, mask, pos = (t.to(device) for t in left_pad(rows, tokenizer.pad_token_id))
        cache = None
        if prefix:  # the shared instruction once, its cache repeated for the batch: [prefix][pad][own part]
            cache = model(input_ids=torch.tensor([prefix], device=device), use_cache=True).cache
            cache.batch_repeat_interleave(b)
            mask = torch.cat([torch.ones((b, len(prefix)), dtype=mask.dtype, device=device), mask], dim=1)
            pos = pos + len(prefix)
        res = model(input_ids=ids, attention_mask=mask, position_ids=pos, cache=cache, use_cache=True)
        first = torch.log_softmax(res.logits[:, -1, :].float(), dim=-1)  # (B, V)
        total = first[:, cand_ids[:, 0].to(device)]  # (B, C): log p(first candidate token)
        if max_len > 1:
            cache = res.cache
            cache.batch_repeat_interleave(n_cand)  # (B*C, ...) each prompt's cache once per candidate
            step_ids = cand_ids[:, :-1].repeat(b, 1).to(device)  # (B*C, L-1)
            step_mask = torch.cat(
                [mask.repeat_interleave(n_cand, 0), cand_mask[:, :-1].repeat(b, 1).to(device)], dim=1
            )
            step_pos = pos[:, -1:].repeat_interleave(n_cand, 0) + 1 + torch.arange(max_len - 1, device=device)
            res2 = model(
                input_ids=step_ids,
                attention_mask=step_mask,
                position_ids=step_pos,
                cache=cache,
                use_cache=True,
            )
            logp = torch.log_softmax(res2.logits.float(), dim=-1)  # (B*C, L-1, V)
            targets = cand_ids[:, 1:].repeat(b, 1).to(device)  # (B*C, L-1)
            tok_lp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
            tok_lp = tok_lp * cand_mask[:, 1:].repeat(b, 1).to(device)
            total = total + tok_lp.sum(-1).view(b, n_cand)
        out[start : start + b] = total.cpu().numpy()
    return out


@torch.no_grad()
def score_candidates_naive(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    candidates: Sequence[str],
) -> np.ndarray:
    """Reference implementation: one full forward pass per (prompt, candidate), no cache, no batching."""
    device = next(model.parameters()).device
    budget = prompt_budget(model, tokenizer, candidates)
    out = np.zeros((len(prompts), len(candidates)))
    for i, prompt in enumerate(prompts):
        for j, c in enumerate(candidates):
            p, r = encode_prompt_response(tokenizer, prompt, c)
            p = fit_prompt(p, budget)
            ids = torch.tensor([p + r[:-1]], device=device)  # the final end-of-text is predicted, never fed
            logp = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
            targets = torch.tensor(r, device=device)
            out[i, j] = logp[len(p) - 1 :].gather(-1, targets.unsqueeze(-1)).sum().item()
    return out


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of log-likelihoods or logits."""
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(scores: np.ndarray, labels: Sequence[int], grid: Sequence[float] | None = None) -> float:
    """Temperature minimising the negative log-likelihood of ``labels`` (column indices) on held-out scores."""
    grid = grid if grid is not None else np.exp(np.linspace(np.log(0.05), np.log(20.0), 60))
    y = np.asarray(labels)
    nll = [-np.log(softmax(scores, t)[np.arange(len(y)), y] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def predict_labels(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    task: Task,
    sequences: Sequence[str],
    *,
    examples: Sequence[Sequence[Example]] | None = None,
    batch_size: int = 32,
    method: str = "instruct",
) -> list[Prediction]:
    """Classify sequences by label likelihood; ``examples`` (one list per sequence) makes prompts few-shot."""
    probs = label_probs(tokenizer, model, task, sequences, examples, batch_size=batch_size)
    return [Prediction.from_probs(task, row, method) for row in probs]


# ------------------------------------------------------------------- prompts fitted to the context
def centre(sequence: str, length: int) -> str:
    """The middle ``length`` letters of ``sequence`` (all of it when shorter)."""
    if len(sequence) <= length:
        return sequence
    start = (len(sequence) - length) // 2
    return sequence[start : start + length]


def _budget(tokenizer: Any, model: Any, task: Task) -> int:
    return prompt_budget(model, tokenizer, task.label_names)


def _length(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def fit_shots(
    tokenizer: Any,
    model: Any,
    task: Task,
    sequence: str,
    examples: Sequence[Example],
    budget: int | None = None,
) -> str:
    """The longest prompt with ``examples`` (least similar first) and ``sequence`` that fits ``budget`` tokens.

    Args:
        tokenizer: the model's tokenizer.
        model: the model (its context length sets the default budget).
        task: the task (instruction and label names).
        sequence: the query.
        examples: few-shot examples, least similar first.
        budget: prompt tokens allowed (default: the context minus room for the longest label and EOS).
    """
    budget = budget or _budget(tokenizer, model, task)
    shots = [
        Example(e.id, centre(e.sequence, max(len(sequence), 1)), e.label, e.task, e.meta) for e in examples
    ]
    while True:
        prompt = format_prompt(task, sequence, shots)
        if _length(tokenizer, prompt) <= budget:
            return prompt
        if shots:
            shots = shots[1:]  # drop the least similar
            continue
        # the query alone is too long: keep its centre, shrunk in proportion to the tokens over budget
        total, own = _length(tokenizer, prompt), _length(tokenizer, sequence)
        room = max(1, budget - (total - own))  # tokens left for the query in this template
        keep = max(1, min(len(sequence) - 1, int(len(sequence) * room / own * 0.95)))
        if len(sequence) <= 1:
            return prompt
        sequence = centre(sequence, keep)


def label_probs(
    tokenizer: Any,
    model: Any,
    task: Task,
    sequences: Sequence[str],
    shots: Sequence[Sequence[Example]] | None = None,
    *,
    batch_size: int = 32,
) -> Any:
    """Class probabilities (Q, C), columns in ``task.label_ids`` order, by label likelihood: zero-shot, or
    with ``shots[i]`` (least similar first) in query ``i``'s prompt. Every prediction path builds its
    prompts here with :func:`fit_shots`, so all of them cut an over-long prompt the same way."""
    prompts = [
        fit_shots(tokenizer, model, task, s, shots[i] if shots is not None else [])
        for i, s in enumerate(sequences)
    ]
    return softmax(score_candidates(model, tokenizer, prompts, task.label_names, batch_size=batch_size))
