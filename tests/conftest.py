"""Shared fixtures: a tiny real tokenizer and a 2-layer GPT-2, built once per session in seconds.

Tests get copies of the checkpoint folder, so they may write to it. Nothing here reaches a model hub.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
torch.set_num_threads(int(os.environ.get("DNAHLM_TEST_THREADS", "1")))  # tiny models: one thread is fastest

SHARED_DATA = Path(
    os.environ.get("DNAHLM_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def _private_home(tmp_path_factory):
    """Per-user state (fit caches, starter indexes) goes to a temporary DNAHLM_HOME, never ~/.cache."""
    from dnahlm.settings import get_settings

    os.environ["DNAHLM_HOME"] = str(tmp_path_factory.mktemp("dnahlm-home"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def setting_env(monkeypatch):
    """``setting_env(name, value)`` sets an environment variable that settings read, for this test only:
    the settings cache is cleared when it is set and again afterwards, so later tests see their own."""
    from dnahlm.settings import get_settings

    def set_env(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_env
    get_settings.cache_clear()


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
    from dnahlm.prompts import ALPACA_TEMPLATE

    prompt = ALPACA_TEMPLATE.format(
        instruction="Is this sequence GC-rich or AT-rich? gc-rich at-rich", input=""
    )
    return dna + [ENGLISH] * 40 + [prompt] * 40


@pytest.fixture(scope="session")
def ecoli():
    """The E. coli K-12 MG1655 GenBank record of the shared data, parsed once (skips when it is absent)."""
    import gzip

    from Bio import SeqIO

    path = SHARED_DATA / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz"
    if not path.is_file():
        pytest.skip(f"E. coli GenBank record not found at {path}")
    with gzip.open(path, "rt") as handle:
        return SeqIO.read(handle, "genbank")


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

    return load_model(tiny_checkpoint_session, device="cpu", runtime="transformers")  # trainable, savable


MOTIF_TASK_LABELS = {0: "at-rich", 1: "gc-rich"}


def motif_examples(n: int, seed: int, task: str = "motif"):
    """A synthetic task a 2-layer model learns in seconds: label 1 for GC-rich sequences (75 % GC)."""
    from dnahlm.tasks import Example

    rng = random.Random(seed)
    out = []
    for i in range(n):
        label = i % 2
        weights = [1, 3, 3, 1] if label else [3, 1, 1, 3]  # A C G T
        s = "".join(rng.choices("ACGT", weights=weights, k=40))
        out.append(Example(f"{task}:{i}", s, label, task))
    return out


def write_csv(path: Path, examples) -> Path:
    path.write_text("sequence,label\n" + "".join(f"{e.sequence},{e.label}\n" for e in examples))
    return path


@pytest.fixture(scope="session")
def motif_task():
    from dnahlm.tasks import Task

    return Task("motif", "generic", MOTIF_TASK_LABELS, instruction="Is this sequence GC-rich or AT-rich?")


@pytest.fixture(scope="session")
def sft_checkpoint_session(tmp_path_factory, tiny_checkpoint_session, motif_task) -> Path:
    """The tiny model instruction-tuned for a few seconds on the synthetic motif task, with a head."""
    from dnahlm.train.classify import ClassifyConfig, train_classifier
    from dnahlm.train.sft import SFTConfig, TaskData, sft

    out = tmp_path_factory.mktemp("sft") / "tiny-sft"
    data = TaskData(motif_task, motif_examples(400, 1), motif_examples(40, 2))
    sft(
        SFTConfig(
            init_from=tiny_checkpoint_session,
            out_dir=out,
            batch_size=16,
            lr=3e-3,
            warmup_steps=10,
            max_steps=220,
            eval_every=1000,
            eval_examples=40,
            device="cpu",
        ),
        [data],
        echo=False,
    )
    train_classifier(
        ClassifyConfig(checkpoint=out, train_layers=1, batch_size=32, lr=3e-3, max_steps=60, device="cpu"),
        motif_task,
        data.train,
        data.val,
        echo=False,
    )
    return out


@pytest.fixture(scope="session")
def sft_loaded(sft_checkpoint_session):
    from dnahlm.model import load_model

    return load_model(sft_checkpoint_session, device="cpu")


@pytest.fixture(scope="session")
def text_embeddings():
    """The packaged MiniLM text embedder, loaded once (about 5-10 s on 2 cores)."""
    from dnahlm.index.embed import TextEmbeddings

    return TextEmbeddings()
