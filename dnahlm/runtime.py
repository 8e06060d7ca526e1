"""GPT-2 inference in plain PyTorch: the weights and outputs of transformers' ``GPT2LMHeadModel`` and
``GPT2ForSequenceClassification``, without importing transformers' modeling stack.

Importing ``transformers.models.gpt2.modeling_gpt2`` pulls in torch.distributed, dynamo, sympy and
scipy, about 4 s on two CPU cores: most of the cold start of ``dnahlm ask``. Inference needs little of it:
the GPT-2 block (Radford et al., 2019: pre-LayerNorm attention and MLP with residuals, tanh-GELU, tied
input/output embeddings) with an attention mask, position ids and a key/value cache. This module is that
and nothing more, in the style of nanoGPT. It reads the same Hugging Face checkpoint folders
(``config.json``, ``model.safetensors`` or shards); training always uses transformers
(:mod:`dnahlm.train`). ``tests/test_runtime.py`` checks logits, cached decoding, hidden states and
classification heads against transformers on the same weights.

The call signature is the subset of transformers' the toolkit uses::

    out = model(input_ids=ids, attention_mask=mask, position_ids=pos, cache=cache, use_cache=True)
    out.logits  (B, T, V)    out.cache  (a KVCache)    out.hidden_states  (n_layer + 1) x (B, T, C)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "GPT2LM",
    "GPT2Classifier",
    "GPT2Config",
    "KVCache",
    "Output",
    "read_weights",
    "supports",
]


@dataclass
class GPT2Config:
    """The architecture fields of a GPT-2 ``config.json`` (the rest of the file is ignored)."""

    vocab_size: int
    n_positions: int
    n_embd: int
    n_layer: int
    n_head: int
    layer_norm_epsilon: float = 1e-5
    n_inner: int | None = None
    pad_token_id: int | None = None
    eos_token_id: int | None = None
    bos_token_id: int | None = None
    num_labels: int = 2
    model_type: str = "gpt2"
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_file(cls, path: Path) -> GPT2Config:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        names = {f.name for f in fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in raw.items() if k in names}, extra=raw)


def supports(config_file: Path) -> bool:
    """Whether this module computes exactly what transformers would for the checkpoint's config."""
    raw = json.loads(Path(config_file).read_text(encoding="utf-8"))
    return (
        raw.get("model_type") == "gpt2"
        and raw.get("activation_function", "gelu_new") == "gelu_new"
        and raw.get("scale_attn_weights", True)
        and not raw.get("scale_attn_by_inverse_layer_idx", False)
        and not raw.get("reorder_and_upcast_attn", False)
        and not raw.get("add_cross_attention", False)
        and raw.get("tie_word_embeddings", True)
    )


class KVCache:
    """Keys and values of the tokens seen so far, per layer: (B, n_head, S, head_dim) each."""

    def __init__(self, n_layer: int) -> None:
        self.keys: list[torch.Tensor | None] = [None] * n_layer
        self.values: list[torch.Tensor | None] = [None] * n_layer

    def get_seq_length(self) -> int:
        return 0 if self.keys[0] is None else self.keys[0].shape[2]

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this step's keys and values; return all of them."""
        if self.keys[layer] is not None:
            k = torch.cat([self.keys[layer], k], dim=2)
            v = torch.cat([self.values[layer], v], dim=2)
        self.keys[layer], self.values[layer] = k, v
        return k, v

    def batch_repeat_interleave(self, repeats: int) -> None:
        """Repeat every row ``repeats`` times in place (one prompt's cache for each of its candidates)."""
        self.keys = [None if k is None else k.repeat_interleave(repeats, dim=0) for k in self.keys]
        self.values = [None if v is None else v.repeat_interleave(repeats, dim=0) for v in self.values]


@dataclass
class Output:
    logits: torch.Tensor
    cache: KVCache | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    last_hidden_state: torch.Tensor | None = None


class _Conv1D(nn.Module):
    """GPT-2's projection: ``x @ weight + bias`` with weight stored (in, out), as in the checkpoint."""

    def __init__(self, n_in: int, n_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class _Attention(nn.Module):
    def __init__(self, cfg: GPT2Config) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = _Conv1D(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = _Conv1D(cfg.n_embd, cfg.n_embd)

    def forward(self, x: torch.Tensor, bias: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (
            t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v)
        )  # (B, H, T, D)
        if cache is not None:
            k, v = cache.update(layer, k, v)  # (B, H, S, D), S = past + T
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)  # scale 1/sqrt(D)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class _Block(nn.Module):
    def __init__(self, cfg: GPT2Config) -> None:
        super().__init__()
        inner = cfg.n_inner or 4 * cfg.n_embd
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = _Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = nn.ModuleDict({"c_fc": _Conv1D(cfg.n_embd, inner), "c_proj": _Conv1D(inner, cfg.n_embd)})

    def forward(self, x: torch.Tensor, bias: torch.Tensor, cache: KVCache | None, layer: int) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), bias, cache, layer)
        h = F.gelu(self.mlp["c_fc"](self.ln_2(x)), approximate="tanh")  # gelu_new
        return x + self.mlp["c_proj"](h)


class _Transformer(nn.Module):
    """Embeddings, blocks and the final LayerNorm: ``transformer.*`` in the checkpoint."""

    def __init__(self, cfg: GPT2Config) -> None:
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.h = nn.ModuleList(_Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        cache: KVCache | None = None,
        hidden: list[torch.Tensor] | None = None,
    ) -> torch.Tensor:
        B, T = input_ids.shape
        past = cache.get_seq_length() if cache is not None else 0
        if position_ids is None:
            position_ids = torch.arange(past, past + T, device=input_ids.device).expand(B, T)
        x = self.wte(input_ids) + self.wpe(position_ids)  # (B, T, C); dropout is off at inference
        # additive mask (B, 1, T, past + T): causal over the sequence, and padded keys masked out. A large
        # negative number, not -inf, so a padding row that sees nothing stays finite (as in transformers)
        keys = torch.arange(past + T, device=x.device)
        allowed = keys[None, :] <= (past + torch.arange(T, device=x.device))[:, None]  # (T, S)
        allowed = allowed[None, None]
        if attention_mask is not None:
            allowed = allowed & attention_mask[:, None, None, :].bool()
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device)
        bias.masked_fill_(~allowed, torch.finfo(x.dtype).min)
        for i, block in enumerate(self.h):
            if hidden is not None:
                hidden.append(x)
            x = block(x, bias, cache, i)
        x = self.ln_f(x)
        if hidden is not None:
            hidden.append(x)
        return x


def read_weights(folder: Path) -> dict[str, torch.Tensor]:
    """Every tensor of a checkpoint folder's ``model.safetensors`` (or its shards), by name."""
    from safetensors.torch import load_file

    index = folder / "model.safetensors.index.json"
    if index.is_file():
        files = sorted(set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights: dict[str, torch.Tensor] = {}
    for name in files:
        weights.update(load_file(str(folder / name)))
    return weights


def _load_transformer(module: nn.Module, weights: dict[str, torch.Tensor], dtype: torch.dtype) -> None:
    """Load ``transformer.*`` (the prefix optional, as in some GPT-2 uploads) into ``module.transformer``."""
    state = {}
    for name, tensor in weights.items():
        key = name if name.startswith("transformer.") else f"transformer.{name}"
        if key.endswith((".attn.bias", ".attn.masked_bias")):  # old causal-mask buffers: not weights
            continue
        state[key] = tensor.to(dtype)
    expected = {k for k in module.state_dict() if k.startswith("transformer.")}
    missing = expected - set(state)
    if missing:
        raise KeyError(f"checkpoint lacks {sorted(missing)[:3]} ...")
    module.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=False)


class GPT2LM(nn.Module):
    """GPT-2 with its tied language-model head, for inference (no dropout, no training)."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        self.config = config
        self.transformer = _Transformer(config)

    @classmethod
    def from_pretrained(cls, folder: str | Path, *, dtype: torch.dtype = torch.float32) -> GPT2LM:
        folder = Path(folder)
        model = cls(GPT2Config.from_file(folder / "config.json"))
        _load_transformer(model, read_weights(folder), dtype)
        return model.to(dtype).eval()

    @property
    def dtype(self) -> torch.dtype:
        return self.transformer.wte.weight.dtype

    @property
    def device(self) -> torch.device:
        return self.transformer.wte.weight.device

    @property
    def base_model(self) -> _BaseModel:
        """The transformer without the head: ``base_model(input_ids=..., attention_mask=...).last_hidden_state``."""
        return _BaseModel(self.transformer)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        cache: KVCache | None = None,
        use_cache: bool = False,
        output_hidden_states: bool = False,
    ) -> Output:
        if use_cache and cache is None:
            cache = KVCache(self.config.n_layer)
        hidden: list[torch.Tensor] | None = [] if output_hidden_states else None
        with torch.inference_mode():
            x = self.transformer(
                input_ids, attention_mask, position_ids, cache if use_cache else None, hidden
            )
            logits = x @ self.transformer.wte.weight.T  # (B, T, V), tied embeddings
        return Output(
            logits=logits,
            cache=cache if use_cache else None,
            hidden_states=tuple(hidden) if hidden is not None else None,
            last_hidden_state=x,
        )


class _BaseModel:
    def __init__(self, transformer: _Transformer) -> None:
        self.transformer = transformer

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> Output:
        with torch.inference_mode():
            x = self.transformer(input_ids, attention_mask)
        return Output(logits=x, last_hidden_state=x)


class GPT2Classifier(nn.Module):
    """GPT-2 with a linear head read at the last token that is not padding (a task's classifier)."""

    def __init__(self, config: GPT2Config) -> None:
        super().__init__()
        self.config = config
        self.transformer = _Transformer(config)
        self.score = nn.Linear(config.n_embd, config.num_labels, bias=False)

    @classmethod
    def from_weights(
        cls, config: GPT2Config, base: dict[str, torch.Tensor], head: dict[str, torch.Tensor]
    ) -> GPT2Classifier:
        """The checkpoint's transformer with the head's tensors (its score and fine-tuned layers) on top."""
        model = cls(config)
        _load_transformer(
            model, {**base, **{k: v for k, v in head.items() if k != "score.weight"}}, torch.float32
        )
        model.score.weight.data.copy_(head["score.weight"].float())
        return model.eval()

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
    ) -> Output:
        with torch.inference_mode():
            x = self.transformer(input_ids, attention_mask, position_ids)
            logits = self.score(x)  # (B, T, num_labels)
            # the last token that is not padding (transformers' rule; with left padding, the last one)
            pad = self.config.pad_token_id
            keep = (
                (input_ids != pad).int() if pad is not None else torch.ones_like(input_ids, dtype=torch.int)
            )
            last = (torch.arange(input_ids.shape[1], device=x.device) * keep).argmax(-1)
            pooled = logits[torch.arange(len(logits), device=x.device), last]
        return Output(logits=pooled)
