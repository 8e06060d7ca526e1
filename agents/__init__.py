"""The agent: tools over ``dnahlm.bio`` and the services, planners, and the LangGraph graph.

.. code-block:: python

    from dnahlm.agents import ask

    answer = ask("Is this a promoter, and what is its GC content?", ["TATAAAAGGC..."], index="my-index")

:func:`ask` (:mod:`.ask`) is the one entry point the CLI and the UI use; :func:`.graph.build_agent`
builds the graph it runs. Names are imported on first use, so ``import dnahlm.agents`` loads nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Step", "ask"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'dnahlm.agents' has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.ask")  # the submodule (the package name ask: its function)

    value = getattr(module, name)
    globals()[name] = value
    return value
