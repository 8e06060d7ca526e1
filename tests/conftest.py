"""Shared fixtures: a tiny real tokenizer and a 2-layer GPT-2, built once per session in seconds.

Tests get copies of the checkpoint folder, so they may write to it. Nothing here reaches a model hub.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED_DATA = Path(
    os.environ.get("DNAHLM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
FIXTURES = Path(__file__).parent / "fixtures"

ENGLISH = (
    "A promoter is a region of DNA where transcription of a gene is initiated. "
    "Transcription factors bind short motifs such as the TATA box. "
    "Splice sites mark the boundaries between exons and introns. "
    "The quick brown fox jumps over the lazy dog. "
)


def random_dna(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ACGT") for _ in range(n))


def tiny_corpus(seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    motifs = ["TATAAA", "GGGCGG", "CCAAT", "GTAAGT", "TTTCAG"]
    dna = []
    for _ in range(300):
        s = random_dna(rng, 120)
        m = rng.choice(motifs)
        dna.append(s[:50] + m + s[50:])
    return dna + [ENGLISH] * 40


def needs_shared_data() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data not found at {SHARED_DATA}")


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from dnahlm.tokenizer import train_tokenizer

    return train_tokenizer(tiny_corpus(), vocab_size=512)


@pytest.fixture(scope="session")
def tiny_checkpoint_session(tmp_path_factory, tiny_tokenizer) -> Path:
    from dnahlm.model import build_model, save_checkpoint

    model = build_model("tiny", tiny_tokenizer, n_layer=2, n_embd=64, n_head=2, n_positions=512)
    path = tmp_path_factory.mktemp("ckpt") / "tiny"
    save_checkpoint(model, tiny_tokenizer, path, {"preset": "tiny-test"})
    return path


@pytest.fixture
def tiny_checkpoint(tiny_checkpoint_session: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny checkpoint folder."""
    dest = tmp_path / "tiny"
    shutil.copytree(tiny_checkpoint_session, dest)
    return dest


@pytest.fixture(scope="session")
def tiny_loaded(tiny_checkpoint_session: Path):
    from dnahlm.model import load_model

    return load_model(tiny_checkpoint_session, device="cpu")
