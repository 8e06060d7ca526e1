"""Retrieval and few-shot prediction: the public API for custom chains.

.. code-block:: python

    from dnahlm.retrieval import FewShotPredictor, SimilarSequenceSelector, build_qa_chain

Entry points (each documented where it is defined):

- :class:`FewShotPredictor`, :class:`PredictorConfig` (:mod:`.predictor`): ``instruct``, ``knn``, ``few-shot``
  and ``fused`` predictions with class probabilities and evidence, from a labelled pool;
- :class:`ExamplePool`, :func:`examples_from_store`, :class:`LinearProbe` (:mod:`.pool`);
- :class:`SimilarSequenceSelector` (:mod:`.selector`): a LangChain example selector;
- :func:`fit_shots` (:mod:`.prompting`): few-shot prompts fitted to the model's context;
- retrievers (:mod:`.retrievers`): :class:`BM25Retriever`, :class:`TextRetriever`,
  :class:`SequenceRetriever`, :class:`HybridRetriever`, :func:`mmr_retriever`;
- :func:`build_qa_chain` (:mod:`.qa`): question (+ sequence) -> :class:`dnahlm.types.Answer` with citations;
- :func:`predict`, :class:`PredictionService` (:mod:`.service`): the one road to a prediction (tasks by
  name or kind, windows, the tuned-head fallback, fits kept per pool), which the CLI, the agent and the UI use;
- :func:`mutagenesis` (:mod:`.mutagenesis`): in-silico saturation mutagenesis over any ``probs`` function.

The LangChain LLM itself is :class:`dnahlm.llm.DNAHLM`. Names are imported on first use, so
``import dnahlm.retrieval`` loads nothing heavy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "FewShotPredictor": "predictor",
    "PredictorConfig": "predictor",
    "ExamplePool": "pool",
    "LinearProbe": "pool",
    "examples_from_store": "pool",
    "SimilarSequenceSelector": "selector",
    "fit_shots": "prompting",
    "BM25Retriever": "retrievers",
    "TextRetriever": "retrievers",
    "SequenceRetriever": "retrievers",
    "HybridRetriever": "retrievers",
    "mmr_retriever": "retrievers",
    "build_qa_chain": "qa",
    "predict": "service",
    "PredictionService": "service",
    "mutagenesis": "mutagenesis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'dnahlm.retrieval' has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
