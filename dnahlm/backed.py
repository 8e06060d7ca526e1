"""A mixin for LangChain classes backed by a DNAHLM checkpoint: a path, and the model loaded on first use.

Kept free of torch and transformers imports, so importing a class that uses it stays fast.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, PrivateAttr


class ModelBacked(BaseModel):
    """Holds ``model_path`` and the :class:`dnahlm.model.LoadedModel` read from it when first needed."""

    model_path: str = Field(default="", description="Checkpoint folder; empty for the embedded default.")

    _loaded: Any = PrivateAttr(default=None)

    @classmethod
    def from_loaded(cls, loaded: Any, **kwargs: Any) -> Any:
        """Wrap a model already in memory (shared, not copied)."""
        obj = cls(model_path=str(loaded.path), **kwargs)
        obj._loaded = loaded
        return obj

    @property
    def loaded(self) -> Any:
        """The loaded checkpoint (a :class:`dnahlm.model.LoadedModel`)."""
        if self._loaded is None:
            from dnahlm.model import load_model  # torch and transformers only when first used

            self._loaded = load_model(self.model_path or None)
        return self._loaded
