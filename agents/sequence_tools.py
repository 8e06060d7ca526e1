"""The sequence tools of the agent: the :mod:`dnahlm.bio` functions as LangChain ``StructuredTool`` objects.

The biology lives in :mod:`dnahlm.bio` (:func:`~dnahlm.bio.composition.sequence_stats`,
:func:`~dnahlm.bio.composition.reverse_complement_tool`, :func:`~dnahlm.bio.orfs.translate_frames`,
:func:`~dnahlm.bio.orfs.find_orfs`, :func:`~dnahlm.bio.sites.restriction_sites`,
:func:`~dnahlm.bio.align.align_identity`); this module adds only the argument schemas and the
descriptions, which are the functions' docstrings up to their argument lists. :func:`make_tool` wraps
any function that returns a pydantic result the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from dnahlm.bio.align import align_identity
from dnahlm.bio.composition import reverse_complement_tool, sequence_stats
from dnahlm.bio.orfs import find_orfs, translate_frames
from dnahlm.bio.sites import restriction_sites
from dnahlm.errors import InvalidSequenceError, UserInputError

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

_SEQUENCE = "DNA sequence: A, C, G, T, N; case, spaces and one FASTA header line are ignored"
SEQUENCE_FIELD = Field(description=_SEQUENCE)
"""The ``sequence`` argument every sequence tool takes (filled in by the graph from the user's input)."""


class SequenceArgs(BaseModel):
    """Arguments of a tool that takes one sequence."""

    sequence: str = Field(description=_SEQUENCE)


class StatsArgs(SequenceArgs):
    """Arguments of the sequence_stats tool."""

    max_regions: int = Field(default=50, ge=0, description="list at most this many islands / regions")


class TranslateArgs(SequenceArgs):
    """Arguments of the translate_frames tool."""

    table: int = Field(default=1, description="NCBI genetic code id: 1 standard, 11 bacterial")
    max_aa: int = Field(default=1000, ge=1, description="translate at most this many codons per frame")


class OrfArgs(SequenceArgs):
    """Arguments of the find_orfs tool."""

    min_protein_length: int = Field(default=30, ge=1, description="minimum protein length in amino acids")
    table: int = Field(default=1, description="NCBI genetic code id: 1 standard, 11 bacterial")
    both_strands: bool = Field(default=True, description="also search the reverse complement")
    alternative_starts: bool = Field(default=False, description="accept the table's non-ATG start codons")
    include_partial: bool = Field(default=False, description="also ORFs without a stop before the end")
    max_orfs: int = Field(default=20, ge=1, description="return at most this many, longest first")


class RestrictionArgs(SequenceArgs):
    """Arguments of the restriction_sites tool."""

    enzymes: list[str] | None = Field(
        default=None, description="enzyme names, e.g. ['EcoRI']; default a common set"
    )
    linear: bool = Field(default=True, description="False for a circular sequence (plasmid)")
    max_positions: int = Field(default=100, ge=1, description="list at most this many cuts per enzyme")


class AlignArgs(BaseModel):
    """Arguments of the align_identity tool."""

    a: str = Field(description=_SEQUENCE)
    b: str = Field(description=_SEQUENCE)
    mode: Literal["local", "global", "auto"] = Field(
        default="auto", description="local, global, or auto (global when the lengths are within 10%)"
    )


def _contract(func: Callable[..., Any]) -> str:
    """A tool's description: its function's docstring up to the argument list."""
    doc = func.__doc__ or ""
    text = doc.split("\n    Args:")[0].split("\n    Example:")[0]
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip()).replace("``", "")


def make_tool(name: str, func: Callable[..., Any], schema: type[BaseModel]) -> StructuredTool:
    """A ``StructuredTool`` around ``func`` (pydantic result -> JSON content + the result as artifact)."""
    from langchain_core.tools import StructuredTool, ToolException

    def run(**kwargs: Any) -> tuple[str, Any]:
        try:
            result = func(**kwargs)
        except InvalidSequenceError as exc:  # the model sees the message and can correct its call
            raise ToolException(
                f"invalid DNA letter {exc.letter!r} in {exc.record_id} at position {exc.position}; "
                "these tools take A, C, G, T and N only (write other ambiguity codes as N)"
            ) from exc
        except UserInputError as exc:
            raise ToolException(str(exc)) from exc
        if isinstance(result, list):
            return json.dumps([r.model_dump(mode="json") for r in result]), result
        return result.model_dump_json(), result

    return StructuredTool.from_function(
        func=run,
        name=name,
        description=_contract(func),
        args_schema=schema,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=True,
    )


def sequence_tools() -> list[StructuredTool]:
    """The sequence tools as LangChain ``StructuredTool`` objects, for an agent.

    Each tool validates its arguments with a pydantic schema, returns the result as JSON text (the content
    the model reads) and the pydantic result as the ``ToolMessage`` artifact (for an answer step or a UI).
    A user-input error (bad letter, unknown enzyme) or an argument the schema rejects comes back as the
    tool's text (``ToolMessage.status == "error"``), so the model can correct its call.
    Tools: sequence_stats, reverse_complement, translate_frames, find_orfs, restriction_sites, align_identity.

    Example:
        >>> tools = {t.name: t for t in sequence_tools()}
        >>> tools["reverse_complement"].invoke({"sequence": "AACG"})
        '{"length":4,"sequence":"CGTT"}'
    """
    return [
        make_tool("sequence_stats", sequence_stats, StatsArgs),
        make_tool("reverse_complement", reverse_complement_tool, SequenceArgs),
        make_tool("translate_frames", translate_frames, TranslateArgs),
        make_tool("find_orfs", find_orfs, OrfArgs),
        make_tool("restriction_sites", restriction_sites, RestrictionArgs),
        make_tool("align_identity", align_identity, AlignArgs),
    ]
