"""What the pages share: the app's settings (the ``ui`` section of :class:`dnahlm.settings.Settings`) and
the resources built once.

``dnahlm ui`` passes its options to the Streamlit process as environment variables, read by
:func:`ui_config` on every run:

- ``DNAHLM_UI__INDEX``: the knowledge index folder, or ``none`` for no index. Unset: ``DNAHLM_INDEX``,
  else the starter index when its pack was built (:mod:`dnahlm.index.starter`), else no index.
- ``DNAHLM_UI__MODEL``: the checkpoint folder. Unset: ``DNAHLM_MODEL``, else the embedded dnahlm-tiny.
- ``DNAHLM_UI__MAX_UPLOAD_MB``: the largest upload accepted (default 50).

Models, agents, stores and the motif scanner are built once per process with ``st.cache_resource``;
everything that reads an index is keyed by the index's generation (:func:`index_token`), so adding files
on the Index page gives the other pages a fresh view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from dnahlm.settings import EMBEDDED_CHECKPOINTS

EMBEDDED_MODEL = EMBEDDED_CHECKPOINTS / "dnahlm-tiny"
NO_INDEX = "none"


@dataclass(frozen=True)
class UIConfig:
    """The app's settings, read from the environment once per run."""

    index: str | None
    """Index folder given explicitly (``None``: see ``use_starter``)."""
    use_starter: bool
    """Fall back to the starter index (when no index was given and none was refused)."""
    model: str
    """Checkpoint folder."""
    max_upload_mb: int = 50


def ui_config() -> UIConfig:
    """The app's settings from ``DNAHLM_UI__*`` (see the module docstring), then ``DNAHLM_*``; read anew on
    every run (a test or ``dnahlm ui`` may change the environment)."""
    from dnahlm.settings import load_settings

    settings = load_settings()  # a bad DNAHLM_* value: ConfigError, one line
    raw = settings.ui.index
    if raw is not None and raw.strip().lower() in (NO_INDEX, ""):
        index, starter = None, False
    elif raw:
        index, starter = raw, False
    elif settings.index is not None:
        index, starter = str(settings.index), False
    else:
        index, starter = None, True
    model = str(settings.ui.model or settings.default_model_path())
    return UIConfig(index=index, use_starter=starter, model=model, max_upload_mb=settings.ui.max_upload_mb)


def index_token(index: str | Path | None) -> str:
    """A string that changes whenever the index at ``index`` commits (``""`` when there is none)."""
    if not index:
        return ""
    manifest = Path(index) / "manifest.json"
    try:
        generation = json.loads(manifest.read_text()).get("generation", 0)
        return f"{generation}:{manifest.stat().st_mtime_ns}"
    except (OSError, ValueError):
        return ""


def has_index(index: str | Path | None) -> bool:
    """Whether ``index`` names a folder holding a knowledge index."""
    return bool(index) and (Path(index) / "manifest.json").is_file()


def current_index() -> str | None:
    """The index folder chosen in the sidebar, when it holds an index."""
    value = (st.session_state.get("index_dir") or "").strip()
    return value if has_index(value) else None


def current_model() -> str:
    """The checkpoint folder chosen in the sidebar (default: the configured one)."""
    return (st.session_state.get("model_dir") or "").strip() or ui_config().model


# ---------------------------------------------------------------------------------- built once
@st.cache_resource(show_spinner="Building the starter knowledge index (first use only, about a minute) ...")
def starter_index() -> str | None:
    """The starter index folder, built on first use; None when the starter pack is absent."""
    from dnahlm.index.starter import has_starter_pack
    from dnahlm.index.starter import starter_index as build

    return str(build()) if has_starter_pack() else None


@st.cache_resource(show_spinner="Loading the agent ...", max_entries=4)
def agent(index: str | None, model: str, token: str, llm: str = "") -> Any:
    """The LangGraph agent over ``index`` (may be None) and ``model``; ``token`` keys the index version.
    With ``llm`` (``PROVIDER:MODEL``, the Ask page's field, by default ``DNAHLM_LLM``) that chat model
    plans and writes (see docs/llm.md)."""
    from dnahlm.agents.graph import build_agent

    spec = llm.strip()
    if spec:
        from dnahlm.agents.chat import chat_model

        return build_agent(index, model=model, llm=chat_model(spec))
    return build_agent(index, model=model)


@st.cache_resource(show_spinner="Loading the prediction service ...", max_entries=4)
def prediction_service(index: str | None, model: str, token: str) -> Any:
    """The :class:`~dnahlm.retrieval.service.PredictionService` over ``index`` (may be None: tuned tasks
    and uploaded pools only) and ``model``, the same road as ``dnahlm predict`` and the agent."""
    from dnahlm.retrieval.service import PredictionService

    return PredictionService(index, model=model, loaded=loaded_model(model))


@st.cache_resource(show_spinner="Loading the model ...")
def loaded_model(model: str) -> Any:
    """The checkpoint loaded for inference (:func:`dnahlm.model.load_model`)."""
    from dnahlm.model import load_model

    return load_model(model)


@st.cache_resource(show_spinner="Loading JASPAR motif profiles ...")
def scanner() -> Any:
    """The JASPAR CORE vertebrates motif scanner."""
    from dnahlm.bio.motifs import MotifScanner

    return MotifScanner.from_jaspar()


@st.cache_resource(show_spinner="Opening the index ...", max_entries=4)
def store(index: str, token: str) -> Any:
    """The knowledge store at ``index`` as of ``token`` (read-only use)."""
    from dnahlm.index.store import KnowledgeStore

    return KnowledgeStore(index)


@st.cache_resource(max_entries=4)
def search_embedders(index: str, token: str) -> dict[str, Any]:
    """Embedders reused across searches of one index version (MiniLM loads once)."""
    return {}


@st.cache_resource(show_spinner="Reading the labelled pool ...", max_entries=4)
def uploaded_pool(digest: str, labels: str, kind: str, instruction: str, _data: bytes, name: str) -> Any:
    """``(task, examples)`` of an uploaded pool CSV (``digest`` keys the bytes in ``_data``); the CSV is
    read from a temporary file that is deleted right after."""
    import tempfile

    from dnahlm.errors import UserInputError
    from dnahlm.tasks import define_task, read_pool

    task = define_task(Path(name).stem or "pool", labels=labels, kind=kind, instruction=instruction or None)
    with tempfile.TemporaryDirectory(prefix="dnahlm-ui-pool-") as tmp:
        path = Path(tmp) / (Path(name).name or "pool.csv")
        path.write_bytes(_data)
        try:
            pool = read_pool(path, task)
        except UserInputError as exc:  # name the upload, not the temporary file
            raise UserInputError(str(exc).replace(str(path), path.name)) from None
    return task, pool


def error_box(exc: Exception) -> None:
    """Show a user error as one clear line on the page."""
    from dnahlm.ui.text import md_line

    st.error(md_line(str(exc)), icon=":material/error:")  # the message may quote a file's ids or text
