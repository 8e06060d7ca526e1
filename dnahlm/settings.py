"""Runtime settings: one object, every field described, read from ``DNAHLM_*`` environment variables.

Architecture lives with the weights (``config.json``); this object only holds knobs that change how the
toolkit runs on a given machine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dnahlm.types import Method

PACKAGE_DIR = Path(__file__).resolve().parent
EMBEDDED_CHECKPOINTS = PACKAGE_DIR / "checkpoints"
"""The one documented place for weights this project trained and ships."""


class PredictionSettings(BaseModel):
    """How predictions are made (``dnahlm predict``, ``dnahlm eval``, the agent and the UI alike):
    ``DNAHLM_PREDICTION__<NAME>``."""

    method: Method = Field(default="fused", description="Method used when none is named.")
    k: int = Field(default=16, ge=1, le=100_000, description="Neighbours in the kNN vote.")
    shots: int = Field(default=4, ge=0, le=64, description="Examples in a few-shot prompt (at most).")
    evidence: int = Field(
        default=3, ge=0, le=100, description="Nearest pool examples reported with each prediction."
    )
    calibration: int = Field(
        default=1000, ge=20, description="Pool rows 'fused' is fitted on (at most half the pool)."
    )
    motif_cnn: bool = Field(
        default=True, description="Include the motif CNN in 'fused' (pools of 500+ rows)."
    )
    fused_inputs: Literal["fast", "full", "auto"] = Field(
        default="fast",
        description="What 'fused' combines: 'fast' the pool-trained inputs (kNN, tuned k-mer kNN, k-mer probe, one-hot LR, CNN; no "
        "language-model pass), 'full' also the model's (instruct, few-shot, head), 'auto' whichever has the "
        "lower cross-validated log-loss on the calibration rows. See the README for why 'fast' is the default.",
    )
    cache_fits: bool = Field(
        default=True, description="Keep 'fused' fits as JSON under HOME/fits and reuse them."
    )


class AgentSettings(BaseModel):
    """How ``dnahlm ask`` (and the Ask page) runs its tools: ``DNAHLM_AGENT__<NAME>``."""

    tool_timeout: float = Field(
        default=60.0, gt=0, description="Seconds a tool may run before its call is reported as timed out."
    )
    max_steps: int = Field(default=8, ge=1, le=64, description="Most tool calls in one answer.")
    max_rounds: int = Field(default=2, ge=1, le=8, description="Most planning rounds with a chat model.")


class UISettings(BaseModel):
    """The Streamlit app (``dnahlm ui`` sets these for its server): ``DNAHLM_UI__<NAME>``."""

    index: str | None = Field(
        default=None,
        description="Knowledge index folder, or 'none' for no index. Unset: DNAHLM_INDEX, else the starter "
        "index when its pack was built, else no index.",
    )
    model: Path | None = Field(
        default=None, description="Checkpoint folder. Unset: DNAHLM_MODEL, else the embedded one."
    )
    max_upload_mb: int = Field(default=50, ge=1, le=10_000, description="Largest upload accepted, in MB.")


class Settings(BaseSettings):
    """Runtime settings; each field can be set with an environment variable ``DNAHLM_<NAME>``, and each
    field of a section with ``DNAHLM_<SECTION>__<NAME>`` (e.g. ``DNAHLM_PREDICTION__K=8``)."""

    model_config = SettingsConfigDict(env_prefix="DNAHLM_", env_nested_delimiter="__", extra="ignore")

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
        "example-question planner, dnahlm.agents.planner, abstaining when unsure; 99% on the second held-out "
        "question set against 86% for the patterns) or 'regex' (the pattern router, dnahlm.agents.router).",
    )

    llm: str | None = Field(
        default=None,
        description="A chat model for `ask` to plan with and write answers, as PROVIDER:MODEL (e.g. "
        "ollama:qwen2.5:7b); None answers offline. See docs/llm.md.",
    )

    prediction: PredictionSettings = Field(default_factory=PredictionSettings, description="Predictions.")
    agent: AgentSettings = Field(default_factory=AgentSettings, description="The question-answering agent.")
    ui: UISettings = Field(default_factory=UISettings, description="The Streamlit app.")

    def with_prediction(self, **values: object) -> Settings:
        """A copy with these ``prediction`` fields changed (None values left as they are), validated:
        how a command applies its options."""
        changed = {k: v for k, v in values.items() if v is not None}
        prediction = PredictionSettings.model_validate(self.prediction.model_dump() | changed)
        return self.model_copy(update={"prediction": prediction})

    def fits_dir(self) -> Path:
        """Where ``fused`` fits are kept (JSON, keyed by pool, model and settings)."""
        return self.home / "fits"

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
