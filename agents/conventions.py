"""The conventions an answer used, said out loud: ORF definition, genetic code, topology, Tm conditions.

A question often leaves a convention open ("find the ORFs", "digest with EcoRI", "what is the Tm"). The
answer then says which one it took, in its first sentence, and ``dnahlm ask --json`` carries the same
words in :attr:`dnahlm.types.Answer.conventions`. :func:`convention` reads them from a tool call's
arguments (the tool's defaults where the question named none) and its result.

Example:
    >>> convention("find_orfs", {"sequence": "ATG"}, [])
    'ORFs read ATG to stop, at least 30 aa, on both strands, with the standard genetic code (NCBI table 1), nested ORFs not reported'
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from . import bench_tools as bt
from . import sequence_tools as st

RESTATED = frozenset({"digest", "cutters", "pcr_product", "melting_temperature", "translate_frame"})
"""Tools whose own first sentence already states the convention (topology, table, Tm conditions)."""


def _arg(schema: type[BaseModel], args: dict[str, Any], name: str) -> Any:
    """The argument as called, else the tool's default."""
    return args[name] if name in args else schema.model_fields[name].default


def genetic_code(table: int) -> str:
    """``the standard genetic code (NCBI table 1)``, or the table's own name."""
    from Bio.Data import CodonTable

    try:
        name = ", ".join(n for n in CodonTable.unambiguous_dna_by_id[int(table)].names if n)
    except (KeyError, TypeError, ValueError):
        return f"NCBI genetic code table {table}"
    return (
        "the standard genetic code (NCBI table 1)"
        if int(table) == 1
        else f"the {name} code (NCBI table {table})"
    )


def _topology(circular: bool, said: bool) -> str:
    if circular:
        return "the sequence read as circular"
    return "the sequence read as linear" + ("" if said else " (the question did not say it is circular)")


def convention(tool: str, args: dict[str, Any], result: Any) -> str | None:
    """The convention a tool call used, in words; None for a tool with none to state."""
    if tool == "find_orfs":
        minimum = _arg(st.OrfArgs, args, "min_protein_length")
        strands = "on both strands" if _arg(st.OrfArgs, args, "both_strands") else "on the given strand only"
        starts = "the table's start codons" if _arg(st.OrfArgs, args, "alternative_starts") else "ATG"
        partial = ", ORFs running off the end included" if _arg(st.OrfArgs, args, "include_partial") else ""
        table = genetic_code(_arg(st.OrfArgs, args, "table"))
        return (
            f"ORFs read {starts} to stop, at least {minimum} aa, {strands}, with {table}{partial}, "
            "nested ORFs not reported"
        )
    if tool == "translate_frames":
        return f"six frames translated with {genetic_code(_arg(st.TranslateArgs, args, 'table'))}"
    if tool == "translate_frame":
        return f"frame {_arg(bt.FrameArgs, args, 'frame'):+d} translated with {genetic_code(_arg(bt.FrameArgs, args, 'table'))}"
    if tool == "restriction_sites":
        return _topology(not _arg(st.RestrictionArgs, args, "linear"), "linear" in args)
    if tool in ("digest", "cutters", "pcr_product"):
        schema = {"digest": bt.DigestArgs, "cutters": bt.CuttersArgs, "pcr_product": bt.PcrArgs}[tool]
        return _topology(bool(_arg(schema, args, "circular")), "circular" in args)
    if tool == "melting_temperature" and result is not None and hasattr(result, "method"):
        if result.method == "wallace":
            return "Tm by the Wallace rule 2(A+T) + 4(G+C), which ignores salt and oligo concentration"
        return f"Tm by nearest-neighbour thermodynamics; {result.conditions()}"
    if tool == "scan_motifs" and result is not None and hasattr(result, "convention"):
        return result.convention
    return None


__all__ = ["RESTATED", "convention", "genetic_code"]
