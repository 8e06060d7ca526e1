"""The shared DNA + English byte-level BPE tokenizer (as in DNAHLM: one vocabulary for both languages).

DNAHLM trained a GPT-2 style byte-level BPE over a mix of human DNA and English text, so a 300 bp
promoter and an English instruction are both spelled with the same vocabulary. We do the same with the
Hugging Face ``tokenizers`` library and save a ``tokenizer.json`` that ``AutoTokenizer`` loads.
Byte-level BPE is lossless: every string round-trips exactly through encode/decode.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
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
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=EOS_TOKEN,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        clean_up_tokenization_spaces=False,
        model_max_length=1024,
    )


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """Load a tokenizer folder (``tokenizer.json``, or GPT-2's ``vocab.json`` + ``merges.txt``).

    A pad token is set to the end-of-text token when the folder defines none (published GPT-2 checkpoints
    often do not), so batched scoring and generation work.
    """
    p = Path(path)
    if not (
        (p / "tokenizer.json").is_file() or ((p / "vocab.json").is_file() and (p / "merges.txt").is_file())
    ):
        raise ModelNotFoundError(
            f"{p}: no tokenizer found (need tokenizer.json, or vocab.json and merges.txt)"
        )
    if _plain_fast(p):  # ours: skips AutoTokenizer's scan of every model family (about a second)
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


def _plain_fast(folder: Path) -> bool:
    """A ``tokenizer.json`` whose config names the generic fast tokenizer (what :func:`wrap_tokenizer` saves)."""
    import json

    config = folder / "tokenizer_config.json"
    if not (folder / "tokenizer.json").is_file() or not config.is_file():
        return False
    try:
        name = json.loads(config.read_text(encoding="utf-8")).get("tokenizer_class")
    except (OSError, ValueError):
        return False
    return name in ("TokenizersBackend", "PreTrainedTokenizerFast")


def decode(tokenizer: PreTrainedTokenizerBase, ids: list[int], *, skip_special_tokens: bool = False) -> str:
    """Decode ids to text exactly (no clean-up of spaces, which would break the round trip)."""
    return tokenizer.decode(ids, skip_special_tokens=skip_special_tokens, clean_up_tokenization_spaces=False)
