"""Text generation with a key/value cache, stop sequences and streaming.

A small loop rather than ``model.generate`` so that streaming, stop strings and batched generation share
one code path and stay readable: run the prompt once, then feed one token per step with the cache.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # annotations only: importing transformers' model classes costs seconds
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

from dnahlm.scoring import fit_prompt, left_pad


@dataclass
class SamplingConfig:
    """How the next token is chosen: greedy when ``temperature`` is 0."""

    max_new_tokens: int = 64
    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    seed: int | None = None


def _sample(logits: torch.Tensor, cfg: SamplingConfig, gen: torch.Generator | None) -> torch.Tensor:
    """Pick one token per row from logits (B, V)."""
    if cfg.temperature <= 0:
        return logits.argmax(-1)
    logits = logits.float() / cfg.temperature
    if cfg.top_k > 0:
        kth = torch.topk(logits, min(cfg.top_k, logits.shape[-1])).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if cfg.top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True)
        cum = torch.softmax(sorted_logits, -1).cumsum(-1)
        drop = cum - torch.softmax(sorted_logits, -1) > cfg.top_p
        logits = logits.scatter(-1, order, sorted_logits.masked_fill(drop, float("-inf")))
    return torch.multinomial(torch.softmax(logits, -1), 1, generator=gen).squeeze(-1)


@dataclass
class _TextState:
    """Decoded text of one row so far; emits only text that cannot turn into a stop sequence."""

    tokenizer: PreTrainedTokenizerBase
    stop: Sequence[str]
    ids: list[int] = field(default_factory=list)
    emitted: int = 0
    done: bool = False
    text: str = ""

    def feed(self, token: int) -> str:
        """Add a token; return the newly safe text (stops and end-of-text are not emitted)."""
        if token == self.tokenizer.eos_token_id:
            self.done = True
            return self._flush(len(self.text))
        self.ids.append(token)
        self.text = self.tokenizer.decode(self.ids, clean_up_tokenization_spaces=False)
        for s in self.stop:
            at = self.text.find(s)
            if at >= 0:
                self.done = True
                self.text = self.text[:at]
                return self._flush(at)
        safe = len(self.text)
        if self.text.endswith("\ufffd"):  # an incomplete UTF-8 character: wait for its other bytes
            safe -= 1
        for s in self.stop:  # hold back a tail that may be the start of a stop sequence
            for k in range(min(len(s) - 1, len(self.text)), 0, -1):
                if self.text.endswith(s[:k]):
                    safe = min(safe, len(self.text) - k)
                    break
        return self._flush(safe)

    def _flush(self, upto: int) -> str:
        if upto <= self.emitted:
            return ""
        piece, self.emitted = self.text[self.emitted : upto], upto
        return piece


@torch.no_grad()
def _token_steps(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str], cfg: SamplingConfig
) -> Iterator[torch.Tensor]:
    """Yield the next token of every row (B,), step by step, reusing the key/value cache."""
    device = next(model.parameters()).device
    max_new = min(cfg.max_new_tokens, model.config.n_positions - 1)
    budget = model.config.n_positions - max_new
    rows = [
        fit_prompt(tokenizer(p, add_special_tokens=False)["input_ids"], budget) or [tokenizer.eos_token_id]
        for p in prompts
    ]
    ids, mask, pos = (t.to(device) for t in left_pad(rows, tokenizer.pad_token_id))
    gen = torch.Generator(device=device).manual_seed(cfg.seed) if cfg.seed is not None else None
    out = model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True)
    next_pos = pos[:, -1:] + 1
    for _ in range(max_new):
        token = _sample(out.logits[:, -1, :], cfg, gen)
        yield token
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        out = model(
            input_ids=token[:, None],
            attention_mask=mask,
            position_ids=next_pos,
            cache=out.cache,
            use_cache=True,
        )
        next_pos = next_pos + 1


def generate(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompts: Sequence[str],
    *,
    config: SamplingConfig | None = None,
    stop: Sequence[str] = (),
) -> list[str]:
    """Generate a continuation for each prompt (batched), cut at end-of-text or the first stop sequence."""
    cfg = config or SamplingConfig()
    states = [_TextState(tokenizer, stop) for _ in prompts]
    for tokens in _token_steps(model, tokenizer, prompts, cfg):
        for state, t in zip(states, tokens.tolist(), strict=True):
            if not state.done:
                state.feed(t)
        if all(s.done for s in states):
            break
    return [s.text for s in states]


def stream(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    prompt: str,
    *,
    config: SamplingConfig | None = None,
    stop: Sequence[str] = (),
) -> Iterator[str]:
    """Yield pieces of generated text as they are produced; their concatenation equals :func:`generate`."""
    state = _TextState(tokenizer, stop)
    for tokens in _token_steps(model, tokenizer, [prompt], config or SamplingConfig()):
        piece = state.feed(int(tokens[0]))
        if piece:
            yield piece
        if state.done:
            return
    rest = state._flush(len(state.text))
    if rest:
        yield rest
