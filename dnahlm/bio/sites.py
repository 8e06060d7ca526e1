"""Where a set of restriction enzymes cuts a sequence: the cut offsets per enzyme, cutters and non-cutters.

The compact per-enzyme view the agent's ``restriction_sites`` tool reports; fragments, ends and
overhangs of a digest are :func:`dnahlm.bio.restriction.digest`, and enzyme names are resolved by
:func:`dnahlm.bio.restriction.resolve_enzyme` (any case, close matches suggested). Cuts are 0-based
offsets on the top strand, as in :mod:`dnahlm.bio.restriction`.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dnahlm.bio.composition import check_limit
from dnahlm.bio.restriction import resolve_enzyme
from dnahlm.bio.transcripts import read_dna
from dnahlm.errors import UserInputError

DEFAULT_ENZYMES = (
    "EcoRI", "BamHI", "HindIII", "NotI", "XhoI", "PstI", "SmaI", "KpnI",
    "SacI", "XbaI", "NcoI", "NdeI", "EcoRV", "SalI", "SpeI",
)  # fmt: skip


class EnzymeSites(BaseModel):
    """Where one enzyme cuts the top strand."""

    enzyme: str
    site: str = Field(description="recognition sequence, cut shown with ^ and _ (Biopython's elucidate)")
    cuts: list[int] = Field(description="0-based cut offsets: the cut lies between seq[c - 1] and seq[c]")
    count: int
    truncated: bool = False


class RestrictionResult(BaseModel):
    """Cuts of a set of enzymes on a linear or circular sequence."""

    length: int
    linear: bool
    enzymes: list[EnzymeSites]
    cutters: list[str]
    non_cutters: list[str]


def restriction_sites(
    sequence: str,
    enzymes: list[str] | None = None,
    linear: bool = True,
    max_positions: int | None = None,
) -> RestrictionResult:
    """Where restriction enzymes cut, with Biopython's ``Bio.Restriction`` (REBASE data).

    Cuts are 0-based offsets on the top strand: a cut ``c`` lies between ``seq[c - 1]`` and ``seq[c]``, so
    ``seq[:c]`` is the left fragment. Biopython's ``Enzyme.search`` reports the 1-based position of the
    first base after the cut, which is ``c + 1``; for EcoRI (G^AATTC) at 0-based site start ``s`` the cut
    is ``s + 1``. Both strands are searched (a non-palindromic site on the minus strand is found too).

    Args:
        sequence: DNA (A, C, G, T, N).
        enzymes: enzyme names as in REBASE (case-insensitive, e.g. "EcoRI"); default: EcoRI, BamHI, HindIII,
            NotI, XhoI, PstI, SmaI, KpnI, SacI, XbaI, NcoI, NdeI, EcoRV, SalI, SpeI.
        linear: False for a circular sequence (sites across the origin are found).
        max_positions: list at most this many cuts per enzyme (``count`` still counts all).

    Raises:
        UserInputError: an enzyme name Biopython does not know (the message names it and suggests close
            matches, as :func:`~dnahlm.bio.restriction.resolve_enzyme` does), or an empty list.

    Example:
        >>> r = restriction_sites("AAAGAATTCAAA", ["EcoRI", "BamHI"])
        >>> [(e.enzyme, e.cuts) for e in r.enzymes], r.cutters
        ([('EcoRI', [4]), ('BamHI', [])], ['EcoRI'])
    """
    from Bio.Restriction import AllEnzymes, RestrictionBatch
    from Bio.Seq import Seq

    seq = read_dna(sequence)
    check_limit("max_positions", max_positions)
    names = list(
        dict.fromkeys(resolve_enzyme(raw) for raw in (DEFAULT_ENZYMES if enzymes is None else enzymes))
    )
    if not names:
        raise UserInputError("no restriction enzymes given; pass names such as ['EcoRI', 'BamHI'] or None")
    by_name = {name: AllEnzymes.get(name) for name in names}
    found = RestrictionBatch(list(by_name.values())).search(Seq(seq), linear=linear)
    results = []
    for name in names:
        enzyme = by_name[name]
        cuts = sorted(p - 1 for p in found[enzyme])
        shown = cuts if max_positions is None else cuts[:max_positions]
        results.append(
            EnzymeSites(enzyme=name, site=enzyme.elucidate(), cuts=shown, count=len(cuts),
                        truncated=len(shown) < len(cuts))
        )  # fmt: skip
    return RestrictionResult(
        length=len(seq),
        linear=linear,
        enzymes=results,
        cutters=[r.enzyme for r in results if r.count],
        non_cutters=[r.enzyme for r in results if not r.count],
    )
