"""The shared DNA + English byte-level BPE tokenizer (as in DNAHLM: one vocabulary for both languages).

DNAHLM trained a GPT-2 style byte-level BPE over a mix of human DNA and English text, so a 300 bp
promoter and an English instruction are both spelled with the same vocabulary. We do the same with the
Hugging Face ``tokenizers`` library and save a ``tokenizer.json`` that ``AutoTokenizer`` loads.
Byte-level BPE is lossless: every string round-trips exactly through encode/decode.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

if TYPE_CHECKING:  # transformers is imported where it is used: importing it costs about a second
    from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

from dnahlm.errors import ModelNotFoundError

EOS_TOKEN = "<|endoftext|>"
"""End of text; also used as the beginning-of-text token, as in GPT-2."""
PAD_TOKEN = "<|pad|>"
SPECIAL_TOKENS = [EOS_TOKEN, PAD_TOKEN]
PAPER_VOCAB_SIZE = 50_000
"""DNAHLM's vocabulary size; small models here use fewer merges."""


def train_tokenizer(
    texts: Iterable[str],
    vocab_size: int = PAPER_VOCAB_SIZE,
    *,
    min_frequency: int = 2,
    show_progress: bool = False,
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on ``texts`` (DNA and English mixed) and wrap it for transformers.

    Args:
        texts: training strings; DNA should already be upper-case (see :func:`dnahlm.sequences.normalize`).
        vocab_size: size of the shared vocabulary including the 256 byte symbols and special tokens.
        min_frequency: a pair must occur this often to be merged.
        show_progress: show the tokenizers library's progress bar.
    """
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    return wrap_tokenizer(tok)


def wrap_tokenizer(tok: Tokenizer) -> PreTrainedTokenizerFast:
    """Wrap a raw ``tokenizers.Tokenizer`` with explicit bos/eos/pad tokens."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=EOS_TOKEN,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        clean_up_tokenization_spaces=False,
        model_max_length=1024,
    )


def load_tokenizer(path: str | Path, *, light: bool = False) -> PreTrainedTokenizerBase | LightTokenizer:
    """Load a tokenizer folder (``tokenizer.json``, or GPT-2's ``vocab.json`` + ``merges.txt``).

    A pad token is set to the end-of-text token when the folder defines none (published GPT-2 checkpoints
    often do not), so batched scoring and generation work.

    Args:
        light: for inference, return a :class:`LightTokenizer` (the same ``tokenizer.json``, without
            importing transformers) when the folder is in our format; otherwise transformers' tokenizer.
    """
    p = Path(path)
    if not (
        (p / "tokenizer.json").is_file() or ((p / "vocab.json").is_file() and (p / "merges.txt").is_file())
    ):
        raise ModelNotFoundError(
            f"{p}: no tokenizer found (need tokenizer.json, or vocab.json and merges.txt)"
        )
    ours = _fast_config(p)
    if light and ours is not None:
        return LightTokenizer(Tokenizer.from_file(str(p / "tokenizer.json")), ours)
    if ours is not None:  # skips AutoTokenizer's scan of every model family (about a second)
        from transformers import PreTrainedTokenizerFast

        tok = PreTrainedTokenizerFast.from_pretrained(
            str(p), local_files_only=True, clean_up_tokenization_spaces=False
        )
    elif (
        (p / "tokenizer.json").is_file()
        or (p / "tokenizer_config.json").is_file()
        or (p / "config.json").is_file()
    ):
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(p), local_files_only=True, clean_up_tokenization_spaces=False)
    else:  # a bare GPT-2 BPE (vocab.json + merges.txt), as the published DNAHLM tokenizer is shipped
        from transformers import GPT2Tokenizer

        tok = GPT2Tokenizer.from_pretrained(str(p), local_files_only=True, clean_up_tokenization_spaces=False)
    if tok.eos_token is None:
        tok.eos_token = EOS_TOKEN
    if tok.bos_token is None:
        tok.bos_token = tok.eos_token
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def _fast_config(folder: Path) -> dict[str, Any] | None:
    """The tokenizer config of a folder in our format (``tokenizer.json`` and a config naming the generic
    fast tokenizer, as :func:`wrap_tokenizer` saves); None for any other folder."""
    config = folder / "tokenizer_config.json"
    if not (folder / "tokenizer.json").is_file() or not config.is_file():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("tokenizer_class") not in ("TokenizersBackend", "PreTrainedTokenizerFast"):
        return None
    return data


class LightTokenizer:
    """The inference subset of transformers' fast tokenizer over the same ``tokenizer.json``.

    Encoding and decoding are the ``tokenizers`` library's, so ids and text are identical to
    ``PreTrainedTokenizerFast`` on our folders (no special tokens are added: the post-processor adds
    none); what is left out is what only training and saving need (:meth:`save_pretrained` hands over
    to transformers). It exists because importing transformers costs about a second of a cold start.

    Example:
        >>> from dnahlm.settings import EMBEDDED_CHECKPOINTS
        >>> tok = LightTokenizer.from_folder(EMBEDDED_CHECKPOINTS / "dnahlm-tiny")
        >>> tok.decode(tok("TATAAAAGG promoter")["input_ids"])
        'TATAAAAGG promoter'
    """

    def __init__(self, tokenizer: Tokenizer, config: dict[str, Any]) -> None:
        self.backend = tokenizer
        self.model_max_length = int(config.get("model_max_length", 1024))
        special = {k: _token_text(config.get(k)) for k in ("eos_token", "bos_token", "pad_token")}
        self.eos_token = special["eos_token"] or EOS_TOKEN
        self.bos_token = special["bos_token"] or self.eos_token
        self.pad_token = special["pad_token"] or self.eos_token

    @classmethod
    def from_folder(cls, folder: str | Path) -> LightTokenizer:
        folder = Path(folder)
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")), config)

    def _id(self, token: str) -> int:
        i = self.backend.token_to_id(token)
        if i is None:
            raise ModelNotFoundError(f"special token {token!r} is not in the tokenizer's vocabulary")
        return i

    @property
    def eos_token_id(self) -> int:
        return self._id(self.eos_token)

    @property
    def bos_token_id(self) -> int:
        return self._id(self.bos_token)

    @property
    def pad_token_id(self) -> int:
        return self._id(self.pad_token)

    def __len__(self) -> int:
        return self.backend.get_vocab_size(with_added_tokens=True)

    def __call__(
        self,
        text: str | Sequence[str],
        *,
        add_special_tokens: bool = False,
        return_tensors: str | None = None,
    ) -> dict[str, Any]:
        """``{"input_ids": ...}`` for one text or a list (``return_tensors="pt"``: a (B, T) tensor)."""
        single = isinstance(text, str)
        encodings = self.backend.encode_batch([text] if single else list(text), add_special_tokens=False)
        ids = [e.ids for e in encodings]
        if return_tensors == "pt":
            import torch

            if len({len(r) for r in ids}) > 1:
                raise ValueError("return_tensors='pt' needs texts of equal token length")
            return {"input_ids": torch.tensor(ids, dtype=torch.long)}
        return {"input_ids": ids[0] if single else ids}

    def decode(
        self,
        ids: Sequence[int],
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool = False,
    ) -> str:
        return self.backend.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def save_pretrained(self, folder: str | Path) -> Any:
        """Save as transformers would (config and ``tokenizer.json``), through transformers."""
        return wrap_tokenizer(self.backend).save_pretrained(str(folder))


def _token_text(value: Any) -> str | None:
    """A special token from ``tokenizer_config.json``: a string, or an AddedToken dict with ``content``."""
    if isinstance(value, dict):
        return value.get("content")
    return value


def decode(tokenizer: PreTrainedTokenizerBase, ids: list[int], *, skip_special_tokens: bool = False) -> str:
    """Decode ids to text exactly (no clean-up of spaces, which would break the round trip)."""
    return tokenizer.decode(ids, skip_special_tokens=skip_special_tokens, clean_up_tokenization_spaces=False)
