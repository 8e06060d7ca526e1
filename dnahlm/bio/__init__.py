"""Sequence biology as pure functions with typed, JSON-serialisable results (pydantic models), no LangChain.

One concept a module: :mod:`~dnahlm.bio.restriction` (digests), :mod:`~dnahlm.bio.pcr` (primer design,
PCR products, cloning primers), :mod:`~dnahlm.bio.melting` (Tm), :mod:`~dnahlm.bio.protein` (protein
properties), :mod:`~dnahlm.bio.mutations` (mutation effects), :mod:`~dnahlm.bio.align` (pairwise
alignment), :mod:`~dnahlm.bio.transcripts` (transcription, translation, codon usage, pattern search).
The agent's tools and the UI both call these; nothing here imports the index, retrieval or agent layers.
Modules are imported on use (``from dnahlm.bio.restriction import digest``), so a question loads only
what it needs.
"""
