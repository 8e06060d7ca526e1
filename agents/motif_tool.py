"""The ``scan_motifs`` LangChain tool: JASPAR motif scanning for the agent (see :mod:`dnahlm.bio.motifs`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from dnahlm.bio.motif_report import DEFAULT_SHUFFLES, MotifReport, motif_report
from dnahlm.errors import UserInputError

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
    shuffles: int = Field(
        default=DEFAULT_SHUFFLES,
        ge=0,
        le=200,
        description="dinucleotide-shuffled copies scanned as the background for enrichment (0: none)",
    )


MotifScanResult = MotifReport
"""What the ``scan_motifs`` tool returns: :class:`dnahlm.bio.motif_report.MotifReport` (significant sites
first, q-values, the count expected by chance, enrichment against shuffled copies)."""


def scan_result(
    scanner: MotifScanner,
    sequence: str,
    p_value: float = 1e-4,
    top: int = 20,
    names: list[str] | None = None,
    shuffles: int = DEFAULT_SHUFFLES,
) -> MotifReport:
    """Scan ``sequence`` (with the profiles named in ``names`` only, when given) and judge the hits
    (:func:`dnahlm.bio.motif_report.motif_report`)."""
    return motif_report(scanner, sequence, p_value=p_value, top=top, names=names, shuffles=shuffles)


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
        sequence: str,
        p_value: float = 1e-4,
        top: int = 20,
        names: list[str] | None = None,
        shuffles: int = DEFAULT_SHUFFLES,
    ) -> MotifScanResult:
        """Find transcription-factor binding sites (JASPAR motifs) in a DNA sequence, on both strands.

        Each hit gives the JASPAR matrix id and TF name, the 0-based half-open span [start, end) on the
        given sequence, the strand (+1 as given, -1 reverse complement), the log-odds score, the relative
        score (0..1), the p-value of the score for a random sequence with uniform base composition, and the
        matched site read on its strand, and its q-value over every test the scan made. `sites` puts one
        site matched by several profiles of one family on one line, significant ones (q <= 0.05) first;
        `expected_hits` is the count expected by chance, `enrichment` the same scan of dinucleotide-shuffled
        copies. Reads nothing from and writes nothing to files or the network.
        """
        try:
            from dnahlm.bio.motifs import MotifScanner

            return scan_result(scanner or MotifScanner.from_jaspar(), sequence, p_value, top, names, shuffles)
        except UserInputError as exc:
            raise ToolException(str(exc)) from exc

    return StructuredTool.from_function(
        func=scan_motifs,
        name="scan_motifs",
        description=scan_motifs.__doc__,
        args_schema=ScanMotifsInput,
        handle_tool_error=True,
    )
