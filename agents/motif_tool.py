"""The ``scan_motifs`` LangChain tool: JASPAR motif scanning for the agent (see :mod:`dnahlm.bio.motifs`)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from dnahlm.bio.motif_hits import MotifHit
from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize

if TYPE_CHECKING:  # the scanner needs torch (a second of a cold start): imported where it is built
    from dnahlm.bio.motifs import MotifScanner

__all__ = ["MotifScanResult", "ScanMotifsInput", "scan_tool"]


class ScanMotifsInput(BaseModel):
    """Arguments of the ``scan_motifs`` tool."""

    sequence: str = Field(description="DNA sequence (A, C, G, T, N; any case; whitespace ignored)")
    p_value: float = Field(default=1e-4, gt=0, le=0.01, description="report sites with p-value at most this")
    top: int = Field(default=20, ge=1, le=500, description="how many of the best hits to return")
    names: list[str] | None = Field(
        default=None, description="restrict to these TF names or JASPAR ids, e.g. ['CTCF', 'TBP']; null: all"
    )


class MotifScanResult(BaseModel):
    """What the ``scan_motifs`` tool returns: the best hits and the number of hits per TF."""

    sequence_length: int
    profiles_scanned: int
    release: str
    p_value: float
    total_hits: int
    hits: list[MotifHit] = Field(description="best hits first (lowest p-value), at most `top`")
    counts: dict[str, int] = Field(description="hits per TF name over all hits, most first")


def scan_result(
    scanner: MotifScanner, sequence: str, p_value: float = 1e-4, top: int = 20, names: list[str] | None = None
) -> MotifScanResult:
    """Scan ``sequence`` (with the profiles named in ``names`` only, when given): the best ``top`` hits and
    the number of hits per TF over all hits."""
    active = scanner.subset(names) if names else scanner
    table = active.scan_table([sequence], p_value=p_value)  # hit objects only for the best `top`
    counts = Counter(active.profiles[p].name for p in table.profile.tolist())
    return MotifScanResult(
        sequence_length=len(normalize(sequence)),
        profiles_scanned=len(active.profiles),
        release=active.profiles[0].release,
        p_value=p_value,
        total_hits=len(table),
        hits=table.hits(top=top)[0],
        counts=dict(counts.most_common()),
    )


def scan_tool(scanner: MotifScanner | None = None):
    """A LangChain ``StructuredTool`` named ``scan_motifs`` that scans DNA for TF binding sites.

    Args:
        scanner: the profiles to scan with; default: JASPAR CORE vertebrates of the latest release,
            loaded on the first call.

    Example:
        >>> from dnahlm.bio.motifs import MotifScanner
        >>> tool = scan_tool(MotifScanner.from_jaspar(ids=["MA0108", "MA0139"]))
        >>> tool.invoke({"sequence": "GCGCTATAAAAGGCGCGC", "top": 1}).hits[0].name
        'TBP'
    """
    from langchain_core.tools import StructuredTool, ToolException

    def scan_motifs(
        sequence: str, p_value: float = 1e-4, top: int = 20, names: list[str] | None = None
    ) -> MotifScanResult:
        """Find transcription-factor binding sites (JASPAR motifs) in a DNA sequence, on both strands.

        Each hit gives the JASPAR matrix id and TF name, the 0-based half-open span [start, end) on the
        given sequence, the strand (+1 as given, -1 reverse complement), the log-odds score, the relative
        score (0..1), the p-value of the score for a random sequence with uniform base composition, and the
        matched site read on its strand. Hits are sorted by p-value; `counts` gives the number of hits per
        TF over all hits. Expect about p_value * 2 * length false hits per profile in random DNA, so
        judge counts against that. Reads nothing from and writes nothing to files or the network.
        """
        try:
            from dnahlm.bio.motifs import MotifScanner

            return scan_result(scanner or MotifScanner.from_jaspar(), sequence, p_value, top, names)
        except UserInputError as exc:
            raise ToolException(str(exc)) from exc

    return StructuredTool.from_function(
        func=scan_motifs,
        name="scan_motifs",
        description=scan_motifs.__doc__,
        args_schema=ScanMotifsInput,
        handle_tool_error=True,
    )
