"""Runtime settings: one object, every field described, read from ``DNAHLM_*`` environment variables.

Architecture lives with the weights (``config.json``); this object only holds knobs that change how the
toolkit runs on a given machine.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from dnahlm.errors import ConfigError
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
        default=1000,
        ge=20,
        le=1_000_000,
        description="Pool rows 'fused' is fitted on (at most half the pool).",
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
        default=60.0,
        gt=0,
        le=86_400,
        allow_inf_nan=False,
        description="Seconds a tool may run before its call is reported as timed out.",
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

    model_config = SettingsConfigDict(
        env_prefix="DNAHLM_", env_nested_delimiter="__", extra="ignore", env_ignore_empty=True
    )

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
    device: str = Field(
        default="auto",
        description="Torch device: 'auto', 'cpu', 'mps', 'cuda' or 'cuda:N'.",
    )
    threads: int | None = Field(
        default=None, ge=1, le=1024, description="Torch intra-op threads; None keeps torch's default."
    )
    batch_size: int = Field(
        default=32, ge=1, le=65_536, description="Default batch size for label scoring and embedding."
    )
    max_record_mb: int = Field(
        default=256,
        ge=1,
        le=16_384,
        description="Largest single line, sequence record or text document read from a file, in millions of "
        "characters; a larger one is refused in one line (memory grows with it).",
    )
    max_labels: int = Field(
        default=256,
        ge=2,
        le=100_000,
        description="Most labels one task may have (a fit holds a score per label for every pool row: "
        "1,500 labels took 4.5 GB).",
    )
    runtime: Literal["torch", "transformers"] = Field(
        default="torch",
        description="How checkpoints run for inference: 'torch' (dnahlm.runtime, plain PyTorch GPT-2, the same "
        "outputs and seconds faster to start) or 'transformers' (AutoModelForCausalLM). Training always uses "
        "transformers.",
    )

    planner: Literal["retrieval", "regex"] = Field(
        default="retrieval",
        description="How `ask` reads a question into tool calls without a chat model: 'retrieval' (the "
        "example-question planner, dnahlm.agents.planner, abstaining when unsure; 99% on the second held-out "
        "question set against 86% for the patterns) or 'regex' (the pattern router, dnahlm.agents.router).",
    )

    llm: str | None = Field(
        default=None,
        description="A chat model for `ask` to plan with and write answers, as PROVIDER:MODEL (e.g. "
        "ollama:qwen2.5:7b); None (or empty) answers offline. See docs/llm.md.",
    )

    prediction: PredictionSettings = Field(default_factory=PredictionSettings, description="Predictions.")
    agent: AgentSettings = Field(default_factory=AgentSettings, description="The question-answering agent.")
    ui: UISettings = Field(default_factory=UISettings, description="The Streamlit app.")

    @field_validator("device", mode="after")
    @classmethod
    def _device(cls, value: str) -> str:
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d{1,3})?", value):
            raise ValueError("use 'auto', 'cpu', 'mps', 'cuda' or 'cuda:N'")
        return value

    @field_validator("llm", mode="after")
    @classmethod
    def _llm(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*:\S+", value):
            raise ValueError("give the chat model as PROVIDER:MODEL, e.g. ollama:qwen2.5:7b")
        return value or None

    @field_validator("home", "model", "index", mode="after")
    @classmethod
    def _plain_path(cls, value: Path | None) -> Path | None:
        if value is not None and ("\x00" in str(value) or not str(value).strip()):
            raise ValueError("not a usable path")
        return value.expanduser() if value is not None else None

    def with_prediction(self, **values: object) -> Settings:
        """A copy with these ``prediction`` fields changed (None values left as they are), validated:
        how a command applies its options.

        Raises:
            ConfigError: a value is out of range (one line naming the setting).
        """
        changed = {k: v for k, v in values.items() if v is not None}
        try:
            prediction = PredictionSettings.model_validate(self.prediction.model_dump() | changed)
        except ValidationError as exc:
            raise ConfigError(_first_error(exc, prefix="prediction")) from None
        return self.model_copy(update={"prediction": prediction})

    def fits_dir(self) -> Path:
        """Where ``fused`` fits are kept (JSON, keyed by pool, model and settings)."""
        return self.home / "fits"

    def default_model_path(self) -> Path:
        """The checkpoint to use when the user names none."""
        return self.model if self.model is not None else EMBEDDED_CHECKPOINTS / "dnahlm-tiny"


def _first_error(exc: ValidationError, prefix: str = "") -> str:
    """``DNAHLM_SECTION__NAME: why`` for the first problem pydantic found (the value itself is not echoed:
    it may be long or hold control characters)."""
    first: dict[str, Any] = exc.errors()[0]
    parts = [prefix] if prefix else []
    parts += [str(p) for p in first.get("loc", ()) if not isinstance(p, int)]
    name = "DNAHLM_" + "__".join(parts).upper() if parts else "DNAHLM_*"
    why = re.sub(r"\s+", " ", str(first.get("msg", "invalid value"))).strip().removeprefix("Value error, ")
    return f"{name}: {why}"


def load_settings() -> Settings:
    """Settings read from the environment, validated: every bad ``DNAHLM_*`` value is one line.

    Raises:
        ConfigError: ``DNAHLM_X: <why>`` for the first bad value.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_first_error(exc)) from None
    except _SourceError as exc:  # e.g. a section given as malformed JSON (DNAHLM_PREDICTION='{oops')
        field = re.search(r'field "([a-z_]+)"', str(exc))
        name = f"DNAHLM_{field.group(1).upper()}" if field else "DNAHLM_*"
        raise ConfigError(f"{name}: not valid JSON for a settings section") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process from the environment (see :func:`load_settings`)."""
    return load_settings()


def resolve_device(name: str = "auto") -> str:
    """Turn 'auto' into 'cuda' when a GPU is present, else 'cpu'."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name
