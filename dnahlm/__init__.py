"""dnahlm: ask questions about DNA with a GPT-2 model pretrained on DNA and English (DNAHLM).

The model layer lives here (sequences, tokenizer, model, corpus, tasks, prompts, training, scoring,
generation, the LangChain ``DNAHLM`` LLM, evaluation). ``dnahlm.index``, ``dnahlm.retrieval``,
``dnahlm.agents`` and ``dnahlm.ui`` build on it.
"""

from __future__ import annotations

__version__ = "0.1.0"
