"""The knowledge index: annotated sequences, labelled examples and paper passages in FAISS + SQLite.

Modules, bottom up: :mod:`~dnahlm.index.records` (what parsers yield), :mod:`~dnahlm.index.annotated` and
:mod:`~dnahlm.index.papers` (lazy parsers), :mod:`~dnahlm.index.embed` (k-mer, DNAHLM and MiniLM
embedders), :mod:`~dnahlm.index.store` (the on-disk store), :mod:`~dnahlm.index.ingest` (files -> store),
:mod:`~dnahlm.index.search`, :mod:`~dnahlm.index.vectorstore` and :mod:`~dnahlm.index.retriever`
(LangChain views). Import what you need from the module; importing the package loads nothing heavy.
"""
