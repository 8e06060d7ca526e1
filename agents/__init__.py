"""The agent: tools over ``dnahlm.bio`` and the services, planners, and the LangGraph graph.

.. code-block:: python

    from dnahlm.agents import ask

    answer = ask("Is this a promoter, and what is its GC content?", ["TATAAAAGGC..."], index="my-index")

:func:`ask` (:mod:`.ask`) is the one entry point the CLI and the UI use; :func:`.graph.build_agent`
builds the graph it runs. Names are imported on first use, so ``import dnahlm.agents`` loads nothing heavy.
"""

from __future__ import annotations

from .ask import Step, ask

__all__ = ["Step", "ask"]
