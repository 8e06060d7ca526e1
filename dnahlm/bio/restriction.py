"""Restriction digests with Biopython's ``Bio.Restriction`` (REBASE data): cuts, ends, fragments, cutters.

Coordinates are 0-based offsets on the top (given) strand: a cut ``c`` lies between ``seq[c - 1]`` and
``seq[c]``, so ``seq[:c]`` is the left piece. Biopython's ``Enzyme.search`` reports ``c + 1``; this module
converts, sorts and de-duplicates its positions and, on a circular sequence, takes them modulo the length
(Biopython leaves wrapped positions unsorted and its ``catalyse`` then returns fragments longer than the
molecule). On a linear sequence a cut counts only when both strands are cut inside it (Biopython's rule),
so a type IIS or two-cut enzyme whose site lies near an end may cut there once or not at all. Both strands are searched, so a non-palindromic site on the minus strand is found too.
An enzyme that cuts on both sides of its site (BaeI, BcgI) gives two cuts per site; :func:`cutters`
counts cuts, not sites. Enzyme names are matched case-insensitively over every enzyme Biopython knows,
isoschizomers included (HapII, AccB1I); an unknown name raises :class:`~dnahlm.errors.UserInputError`
with close matches.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize

if TYPE_CHECKING:
    from Bio.Restriction import RestrictionBatch

Ends = Literal["5' overhang", "3' overhang", "blunt", "unknown"]
Topology = Literal["linear", "circular"]
SUMMARY_SIZES = 10  # fragment sizes named in Digest.summary()
SUMMARY_NAMES = 40  # enzyme names named in CutterReport.summary()
# a candidate enzyme name: a word of letters, digits and "_" (CviKI_1, Hpy99XIV_mut1), 3..17 characters
_WORD = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_]{2,16}(?![A-Za-z0-9_])")
_NAME_SEPARATORS = re.compile(r"[\s,;+/&]+")
_ROMAN = {"1": "i", "2": "ii", "3": "iii", "4": "iv", "5": "v"}


# ---------------------------------------------------------------- result types


class EnzymeSites(BaseModel):
    """Where one enzyme cuts the top strand, and the ends it leaves."""

    enzyme: str = Field(description="name as Biopython/REBASE spells it")
    site: str = Field(description="recognition sequence (IUPAC), e.g. GAATTC")
    pattern: str = Field(description="site with the cuts shown (G^AATT_C); the bare site for two-cut enzymes")
    ends: Ends = Field(description="ends left: 5' overhang, 3' overhang, blunt, or unknown")
    overhang: str = Field(description="overhang of the enzyme (AATT, NNNN for type IIS); '' when blunt")
    cuts_per_site: int = Field(description="1, or 2 for enzymes that cut on both sides of their site")
    cuts: list[int] = Field(description="0-based top-strand cut offsets, sorted")
    overhangs: list[str] = Field(description="per cut, the top-strand overhang bases read from the sequence")
    count: int = Field(description="number of cuts")


class Fragment(BaseModel):
    """One piece of the digest, ``[start, end)`` on the top strand."""

    start: int = Field(description="0-based start (a cut, or 0)")
    end: int = Field(description="0-based end, exclusive; below start for the fragment across the origin")
    length: int
    spans_origin: bool = Field(default=False, description="the fragment runs across the end of a circle")
    circular: bool = Field(default=False, description="True only for an uncut circular molecule")
    left: str | None = Field(default=None, description="enzyme(s) making the left end; None: sequence end")
    right: str | None = Field(default=None, description="enzyme(s) making the right end; None: sequence end")


class Digest(BaseModel):
    """A digest of one sequence with one or several enzymes together."""

    length: int
    topology: Topology
    enzymes: list[EnzymeSites]
    cuts: list[int] = Field(description="all cuts of all enzymes, merged and sorted")
    fragments: list[Fragment] = Field(description="in order along the sequence")
    sizes: list[int] = Field(description="fragment lengths, largest first")
    count: int = Field(description="number of fragments")
    cutters: list[str] = Field(description="enzymes that cut, in the order given")
    non_cutters: list[str] = Field(description="enzymes that do not cut, in the order given")

    def summary(self) -> str:
        """One sentence, the fragment count first: "HindIII and PstI cut this 2,686 bp linear sequence into
        3 fragments: 1,420, 911 and 355 bp."."""
        what = f"this {self.length:,} bp {self.topology} sequence"
        if not self.cutters:
            verb = "does" if len(self.non_cutters) == 1 else "do"
            rest = "an uncut circle" if self.topology == "circular" else "1 fragment"
            return f"{_join(self.non_cutters)} {verb} not cut {what}; it stays {rest} of {self.length:,} bp."
        verb = "cuts" if len(self.cutters) == 1 else "cut"
        if self.count == 1:
            text = f"{_join(self.cutters)} {verb} {what} once, into 1 fragment of {self.length:,} bp (the circle opened)"
        else:
            shown = [f"{s:,}" for s in self.sizes[:SUMMARY_SIZES]]
            if len(self.sizes) > SUMMARY_SIZES:
                sizes = f"the {SUMMARY_SIZES} largest are {_join(shown)} bp"
            else:
                sizes = f"{_join(shown)} bp"
            text = f"{_join(self.cutters)} {verb} {what} into {self.count:,} fragments: {sizes}"
        if self.non_cutters:
            text += f"; {_join(self.non_cutters)} {'does' if len(self.non_cutters) == 1 else 'do'} not cut"
        return text + "."


class CutterReport(BaseModel):
    """Which enzymes of a set cut a sequence once, twice, a given number of times, or not at all."""

    length: int
    topology: Topology
    commercial: bool = Field(description="True: commercially available enzymes only (Biopython's CommOnly)")
    tested: int = Field(description="number of enzymes searched")
    times: int | None = Field(description="the number of cuts asked for, if any")
    exactly: list[str] = Field(description="enzymes with exactly `times` cuts (empty when times is None)")
    once: list[str]
    twice: list[str]
    none: list[str] = Field(description="enzymes that do not cut")
    counts: dict[str, int] = Field(description="number of cuts of every enzyme that cuts")

    def summary(self) -> str:
        """One sentence, the count first: "42 commercially available enzymes cut this 1,000 bp linear
        sequence exactly once: AatII, ..."."""
        kind = "commercially available enzyme" if self.commercial else "known enzyme"
        what = f"this {self.length:,} bp {self.topology} sequence"
        if self.times is None:
            return (
                f"{_count(len(self.once), kind)} {_cut_verb(len(self.once))} {what} exactly once"
                f"{_names_after(self.once)}; {len(self.twice):,} cut twice and {len(self.none):,} of the "
                f"{self.tested:,} tested do not cut."
            )
        n = len(self.exactly)
        if self.times == 0:
            return (
                f"{_count(n, kind)} {'does' if n == 1 else 'do'} not cut {what}{_names_after(self.exactly)}."
            )
        times = {1: "once", 2: "twice"}.get(self.times, f"{self.times:,} times")
        return f"{_count(n, kind)} {_cut_verb(n)} {what} exactly {times}{_names_after(self.exactly)}."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, kind: str) -> str:
    return f"{n:,} {kind}" + ("" if n == 1 else "s")


def _cut_verb(n: int) -> str:
    return "cuts" if n == 1 else "cut"


def _names_after(names: list[str]) -> str:
    if not names:
        return ""
    shown = names[:SUMMARY_NAMES]
    more = f" and {len(names) - len(shown):,} more" if len(names) > len(shown) else ""
    return ": " + ", ".join(shown) + more


# ---------------------------------------------------------------- enzyme names


@lru_cache(maxsize=1)
def _by_lower() -> dict[str, Any]:
    from Bio.Restriction import AllEnzymes

    return {str(e).lower(): e for e in AllEnzymes}


def _enzyme(name: object) -> Any:
    if not isinstance(name, str) or not name.strip():
        raise UserInputError(f"restriction enzyme names must be non-empty text such as 'EcoRI', got {name!r}")
    raw = name.strip()
    enzyme = _by_lower().get(raw.lower())
    if enzyme is None:
        roman = re.sub(r"\d$", lambda m: _ROMAN.get(m.group(), ""), raw.lower())  # EcoR1 -> ecori
        close = [roman] if roman in _by_lower() else []
        close += [c for c in difflib.get_close_matches(raw.lower(), list(_by_lower()), n=3) if c not in close]
        hint = (
            f"; did you mean {', '.join(str(_by_lower()[c]) for c in close[:3])}?"
            if close
            else "; use REBASE names such as EcoRI"
        )
        raise UserInputError(f"unknown restriction enzyme {raw!r}{hint}")
    return enzyme


def resolve_enzyme(name: str) -> str:
    """The REBASE spelling of an enzyme name given in any case.

    Raises:
        UserInputError: Biopython does not know the name (the message suggests close matches).

    Example:
        >>> resolve_enzyme("hindiii"), resolve_enzyme("HAPII")
        ('HindIII', 'HapII')
    """
    return str(_enzyme(name))


def enzyme_names(text: str, *, any_case: bool = False) -> list[str]:
    """Restriction enzyme names written in free text, as Biopython spells them, in order of appearance.

    A word matches when it is a known enzyme name (case-insensitively) and has at least one capital
    letter, so "ecori" is left alone but "EcoRI" and "ECORI" match; with ``any_case`` (for text already
    known to be about restriction enzymes) "ecori" matches too. Every enzyme name ends in a Roman
    numeral or has a "_" suffix (CviKI_1); without such a word Bio.Restriction is not imported.

    Example:
        >>> enzyme_names("Digest pUC19 with HindIII and ecori, then with EcoRI/BamHI.")
        ['HindIII', 'EcoRI', 'BamHI']
    """
    words = [
        w
        for w in _WORD.findall(text)
        if (w[-1] in "IVXivx" or "_" in w) and (any_case or any(c.isupper() for c in w))
    ]
    if not words:
        return []
    known = _by_lower()
    found = {str(known[w.lower()]): None for w in words if w.lower() in known}
    return list(found)


def _enzymes(enzymes: str | list[str]) -> list[Any]:
    names = [n for n in _NAME_SEPARATORS.split(enzymes) if n] if isinstance(enzymes, str) else enzymes
    if not isinstance(names, (list, tuple)) or not names:
        raise UserInputError(
            f"no restriction enzymes given ({enzymes!r}); pass names such as ['EcoRI', 'BamHI']"
        )
    out: dict[str, Any] = {}
    for name in names:
        enzyme = _enzyme(name)
        out.setdefault(str(enzyme), enzyme)
    return list(out.values())


def _ends(enzyme: Any) -> Ends:
    if enzyme.is_unknown():
        return "unknown"
    if enzyme.is_blunt():
        return "blunt"
    return "5' overhang" if enzyme.is_5overhang() else "3' overhang"


# ---------------------------------------------------------------- digest


def _sequence(sequence: str) -> str:
    if not isinstance(sequence, str):
        raise UserInputError(f"the sequence must be text (A, C, G, T, N), got {type(sequence).__name__}")
    text = sequence.lstrip()
    if text.startswith(">"):  # one FASTA header line is allowed
        text = text.split("\n", 1)[1] if "\n" in text else ""
    seq = normalize(text, record_id="sequence")
    if not seq:
        raise UserInputError("the sequence is empty; give DNA letters (A, C, G, T, N)")
    return seq


def _cuts(found: list[int], n: int, circular: bool) -> list[int]:
    """Biopython's 1-based positions as sorted, unique 0-based cuts inside the sequence."""
    if circular:
        return sorted({(p - 1) % n for p in found})
    return sorted({p - 1 for p in found if 0 < p - 1 < n})


def _overhang_at(seq: str, cut: int, ovhg: int, circular: bool) -> str:
    # the bottom-strand cut lies at cut - ovhg (ovhg < 0: 5' overhang), for sites on either strand
    lo, hi = sorted((cut, cut - ovhg))
    if not circular:
        return seq[max(lo, 0) : min(hi, len(seq))]
    return "".join(seq[i % len(seq)] for i in range(lo, hi))


def _sites(enzyme: Any, found: list[int], seq: str, circular: bool) -> EnzymeSites:
    cuts = _cuts(found, len(seq), circular)
    ends = _ends(enzyme)
    pattern = enzyme.elucidate()
    if ends in ("5' overhang", "3' overhang"):
        overhangs = [_overhang_at(seq, c, enzyme.ovhg, circular) for c in cuts]
    else:
        overhangs = ["" for _ in cuts]
    return EnzymeSites(
        enzyme=str(enzyme),
        site=str(enzyme.site),
        pattern=pattern if "^" in pattern else str(enzyme.site),
        ends=ends,
        overhang="" if ends in ("blunt", "unknown") else str(enzyme.ovhgseq or ""),
        cuts_per_site=2 if enzyme.cut_twice() else 1,
        cuts=cuts,
        overhangs=overhangs,
        count=len(cuts),
    )


def _fragments(cuts: list[int], makers: dict[int, str], n: int, circular: bool) -> list[Fragment]:
    if not cuts:
        return [Fragment(start=0, end=n, length=n, circular=circular)]
    if not circular:
        bounds = [0, *cuts, n]
        return [
            Fragment(start=a, end=b, length=b - a, left=makers.get(a), right=makers.get(b))
            for a, b in pairwise(bounds)
        ]
    out = [Fragment(start=a, end=b, length=b - a, left=makers[a], right=makers[b]) for a, b in pairwise(cuts)]
    last, first = cuts[-1], cuts[0]
    end = first or n  # a cut at 0 closes the last fragment at the end of the sequence
    out.append(
        Fragment(start=last, end=end, length=n - last + first, spans_origin=first > 0,
                 left=makers[last], right=makers[first])
    )  # fmt: skip
    return out


def digest(sequence: str, enzymes: str | list[str], *, circular: bool = False) -> Digest:
    """Digest a DNA sequence with one or several restriction enzymes together.

    Args:
        sequence: DNA (A, C, G, T, N; any case, whitespace ignored; one FASTA header line allowed).
        enzymes: REBASE names, any case (["HindIII", "PstI"]), or one string such as "HindIII/PstI".
        circular: True for a circular molecule (a plasmid): sites across the origin are found, the piece
            across the origin is one fragment and a single cut gives one linear fragment of full length.

    Returns:
        Cuts and ends per enzyme, all cuts merged, fragments in order and their sizes largest first.

    Raises:
        UserInputError: a bad sequence letter, no enzymes, an unknown enzyme name (with close matches), or
            an enzyme whose cut position REBASE does not give.

    Example:
        >>> d = digest("AAAGAATTCAAAAAAAAAAGGATCCAAA", ["EcoRI", "bamhi"])
        >>> d.cuts, d.sizes, d.summary()
        ([4, 20], [16, 8, 4], 'EcoRI and BamHI cut this 28 bp linear sequence into 3 fragments: 16, 8 and 4 bp.')
    """
    from Bio.Restriction import RestrictionBatch
    from Bio.Seq import Seq

    seq = _sequence(sequence)
    chosen = _enzymes(enzymes)
    for enzyme in chosen:
        if enzyme.is_unknown():
            raise UserInputError(
                f"{enzyme} recognises {enzyme.site} but REBASE gives no cut position, so it cannot be used "
                "for a digest; pick an isoschizomer with a known cut"
            )
    found = RestrictionBatch(chosen).search(Seq(seq), linear=not circular)
    sites = [_sites(e, found[e], seq, circular) for e in chosen]
    makers: dict[int, list[str]] = {}
    for s in sites:
        for c in s.cuts:
            makers.setdefault(c, []).append(s.enzyme)
    cuts = sorted(makers)
    fragments = _fragments(cuts, {c: "/".join(names) for c, names in makers.items()}, len(seq), circular)
    return Digest(
        length=len(seq),
        topology="circular" if circular else "linear",
        enzymes=sites,
        cuts=cuts,
        fragments=fragments,
        sizes=sorted((f.length for f in fragments), reverse=True),
        count=len(fragments),
        cutters=[s.enzyme for s in sites if s.count],
        non_cutters=[s.enzyme for s in sites if not s.count],
    )


# ---------------------------------------------------------------- cutters


@lru_cache(maxsize=2)
def _batch(commercial: bool) -> RestrictionBatch:
    from Bio.Restriction import AllEnzymes, CommOnly, RestrictionBatch

    return RestrictionBatch(CommOnly if commercial else AllEnzymes)


def _by_name(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: (n.lower(), n))


def cutters(
    sequence: str, *, times: int | None = None, circular: bool = False, commercial: bool = True
) -> CutterReport:
    """Which enzymes cut a sequence once, twice, ``times`` times, or not at all.

    One batch search over the commercially available enzymes (Biopython's ``CommOnly``, about 620) or all
    enzymes Biopython knows (about 1,090). Cuts are counted as in :func:`digest` (cuts outside a linear
    sequence are not counted; an enzyme cutting both sides of its site counts two cuts per site). About
    10 ms for 1 kb, 1 s for 100 kb.

    Args:
        sequence: DNA (A, C, G, T, N).
        times: also list the enzymes with exactly this many cuts (0: the non-cutters).
        circular: True for a circular molecule.
        commercial: False to search every enzyme, including those with no supplier.

    Raises:
        UserInputError: a bad sequence letter, or ``times`` not a whole number >= 0.

    Example:
        >>> r = cutters("AAAGAATTCAAAGGATCCAAAGGATCCAAA", times=2)
        >>> "EcoRI" in r.once, "BamHI" in r.exactly, "HindIII" in r.none
        (True, True, True)
    """
    from Bio.Seq import Seq

    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise UserInputError(f"times must be a whole number >= 0 (or None), got {times!r}")
    seq = _sequence(sequence)
    batch = _batch(bool(commercial))
    found = batch.search(Seq(seq), linear=not circular)
    counts = {str(e): len(_cuts(p, len(seq), circular)) for e, p in found.items()}

    def having(k: int) -> list[str]:
        return _by_name([name for name, c in counts.items() if c == k])

    return CutterReport(
        length=len(seq),
        topology="circular" if circular else "linear",
        commercial=bool(commercial),
        tested=len(counts),
        times=times,
        exactly=having(times) if times is not None else [],
        once=having(1),
        twice=having(2),
        none=having(0),
        counts={name: counts[name] for name in _by_name(list(counts)) if counts[name]},
    )
