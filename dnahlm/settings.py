"""Runtime settings: one object, every field described, read from ``DNAHLM_*`` environment variables.

Architecture lives with the weights (``config.json``); this object only holds knobs that change how the
toolkit runs on a given machine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
EMBEDDED_CHECKPOINTS = PACKAGE_DIR / "checkpoints"
"""The one documented place for weights this project trained and ships."""


class Settings(BaseSettings):
    """Runtime settings; each field can be set with an environment variable ``DNAHLM_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DNAHLM_", extra="ignore")

    home: Path = Field(
        default=Path("~/.cache/dnahlm").expanduser(),
        description="Cache folder for indexes built on first use and other per-user state.",
    )
    model: Path | None = Field(
        default=None,
        description="Checkpoint folder used when --model is not given; None means the embedded default.",
    )
    index: Path | None = Field(
        default=None, description="Knowledge index folder used when --index is not given."
    )
    device: str = Field(default="auto", description="Torch device: 'auto', 'cpu', 'cuda' or 'cuda:N'.")
    threads: int | None = Field(
        default=None, description="Torch intra-op threads; None keeps torch's default."
    )
    batch_size: int = Field(default=32, description="Default batch size for label scoring and embedding.")
    runtime: str = Field(
        default="torch",
        description="How checkpoints run for inference: 'torch' (dnahlm.runtime, plain PyTorch GPT-2, the same "
        "outputs and seconds faster to start) or 'transformers' (AutoModelForCausalLM). Training always uses "
        "transformers.",
    )

    planner: str = Field(
        default="retrieval",
        description="How `ask` reads a question into tool calls without a chat model: 'retrieval' (the "
        "example-question planner, dnahlm.agents.planner, abstaining when unsure; 96% on the second held-out "
        "question set against 84% for the patterns) or 'regex' (the pattern router, dnahlm.agents.router).",
    )

    llm: str | None = Field(
        default=None,
        description="A chat model for `ask` to plan with and write answers, as PROVIDER:MODEL (e.g. "
        "ollama:qwen2.5:7b); None answers offline. See docs/llm.md.",
    )

    def default_model_path(self) -> Path:
        """The checkpoint to use when the user names none."""
        return self.model if self.model is not None else EMBEDDED_CHECKPOINTS / "dnahlm-tiny"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process from the environment."""
    return Settings()


def resolve_device(name: str = "auto") -> str:
    """Turn 'auto' into 'cuda' when a GPU is present, else 'cpu'."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
