"""Effect of a DNA change on the protein of a coding sequence (HGVS-style), and applying a change to DNA.

The coding sequence (CDS) starts at its start codon: ``c.1`` is the A of ATG. It may be part of a
longer sequence, with ``cds_start`` the 1-based position of ``c.1`` in it; bases after the stop codon are
used to read through when a change removes the stop or shifts the frame. The CDS ends at the first
in-frame stop codon (or at the end of the sequence when there is none).

Changes are 1-based CDS positions, given as HGVS-like text (the ``c.`` is optional) or as ``position``,
``ref``, ``alt``:

==================  ====================================================================
``c.61G>T``         substitution
``c.76del``         deletion of one base (``c.76delA`` names the base, which is checked)
``c.100_102del``    deletion of a range (``c.100_102delAAG`` also accepted)
``c.50_51insA``     insertion between two adjacent bases
``c.76dup``         duplication (``c.76_78dup`` for a range)
``c.76_77delinsTT`` deletion-insertion
==================  ====================================================================

The reference bases are checked against the sequence. Indels are reported at their most 3' position, as
HGVS asks (``c.76delA`` in ``AAA`` at 76-78 becomes ``c.78del``); a change whose ``ref``/``alt`` share
leading or trailing bases (VCF style) is trimmed first. Protein changes are worked out by translating the
reference and the changed sequence and comparing them, and are written in HGVS with three-letter codes:
``p.Gly21Cys`` (missense), ``p.Gly21=`` (synonymous), ``p.Trp30Ter`` (nonsense), ``p.Lys26AsnfsTer5``
(frameshift; ``Ter5``: the new stop is the 5th codon counting the first changed residue as 1, ``Ter?``
when no stop is reached), ``p.Lys34del`` / ``p.Lys34_Ala36del``, ``p.Lys34_Ala35insGly``,
``p.Lys34dup``, ``p.Lys34_Ala35delinsTrp``, ``p.Ter101GlnextTer4`` (stop-loss; counted as for
frameshifts) and ``p.Met1?`` (start-loss). ``hgvs_p_one_letter`` gives the same with one-letter codes
(``p.G21C``, ``p.W30*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.bio.protein import AA_NAMES, three_letter
from dnahlm.bio.transcripts import codon_table, read_dna, shorten
from dnahlm.errors import UserInputError

Consequence = Literal[
    "synonymous", "missense", "nonsense", "frameshift", "in-frame deletion", "in-frame insertion",
    "start-loss", "stop-loss",
]  # fmt: skip
FORMS = "c.61G>T, c.76del(A), c.100_102del, c.50_51insA, c.76dup, c.76_77delinsTT (the 'c.' is optional)"
_SUB = re.compile(r"^(\d+)([ACGTN])>([ACGTN])$")
_OTHER = re.compile(r"^(\d+)(?:_(\d+))?(DELINS|DEL|INS|DUP)([ACGTN]*)$")


# ---------------------------------------------------------------- parsing and normalising a change


def parse_change(
    change: str | None, position: int | None, ref: str | None, alt: str | None
) -> tuple[int, int, str, str | None]:
    """(start, end, alt, ref to check or None): 0-based half-open span of the relative positions replaced."""
    if change is not None:
        if position is not None or ref is not None or alt is not None:
            raise UserInputError(
                "give the change either as text (e.g. 'c.61G>T') or as position/ref/alt, not both"
            )
        text = re.sub(r"\s+", "", str(change))
        text = re.sub(r"^[cgnmCGNM]\.", "", text).upper()
        if m := _SUB.match(text):
            p = int(m.group(1))
            return p - 1, p, m.group(3), m.group(2)
        m = _OTHER.match(text)
        if m is None:
            raise UserInputError(f"cannot read the change {change!r}; supported forms: {FORMS}")
        s, e, op, bases = int(m.group(1)), int(m.group(2) or m.group(1)), m.group(3), m.group(4)
        if s < 1 or e < s:
            raise UserInputError(f"change {change!r}: positions must be 1 or more and in increasing order")
        if op == "INS":
            if m.group(2) is None or e != s + 1 or not bases:
                raise UserInputError(
                    f"change {change!r}: an insertion names two adjacent positions and the bases, e.g. c.50_51insA"
                )
            return s, s, bases, None
        if op == "DELINS" and not bases:
            raise UserInputError(f"change {change!r}: delins needs the new bases, e.g. c.76_77delinsTT")
        if op in ("DEL", "DUP") and bases and len(bases) != e - s + 1:
            raise UserInputError(f"change {change!r}: {len(bases)} bases named for a span of {e - s + 1}")
        if op == "DUP":
            return s - 1, e, "DUP", bases or None  # the caller inserts a copy of the span after it
        return s - 1, e, bases if op == "DELINS" else "", (bases or None) if op == "DEL" else None
    if position is None or alt is None:
        raise UserInputError(f"give a change such as {FORMS}, or position=, ref= and alt=")
    if isinstance(position, bool) or not isinstance(position, int) or position < 1:
        raise UserInputError(f"position must be a 1-based whole number, got {position!r}")
    ref_b, alt_b = ((x or "").strip().upper().replace("-", "") for x in (ref, alt))
    for name, b in (("ref", ref_b), ("alt", alt_b)):
        if re.fullmatch(r"[ACGTN]*", b) is None:
            raise UserInputError(f"{name} must be DNA bases (A, C, G, T, N; '' or '-' for none), got {b!r}")
    if not ref_b:  # insertion after `position`
        return position, position, alt_b, None
    return position - 1, position - 1 + len(ref_b), alt_b, ref_b


def _normalise(seq: str, s: int, e: int, alt: str, hi: int) -> tuple[int, int, str]:
    """Trim bases shared by ref and alt, then shift an indel 3' while the result is the same, up to ``hi``."""
    ref = seq[s:e]
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt, e = ref[:-1], alt[:-1], e - 1
    while ref and alt and ref[0] == alt[0]:
        ref, alt, s = ref[1:], alt[1:], s + 1
    if ref and not alt:
        while e < hi and seq[s] == seq[e]:
            s, e = s + 1, e + 1
    elif alt and not ref:
        while s < hi and alt[0] == seq[s]:
            alt, s = alt[1:] + seq[s], s + 1
        e = s
    return s, e, alt


def _hgvs_c(seq: str, s: int, e: int, alt: str, off: int, prefix: str = "c.") -> tuple[str, str]:
    """(HGVS text, kind) of replacing seq[s:e] by alt; positions relative to ``off`` (0-based of c.1)."""
    a, b = s - off + 1, e - off  # 1-based inclusive
    ref = seq[s:e]
    span = f"{a}" if a == b else f"{a}_{b}"
    if len(ref) == 1 and len(alt) == 1:
        return f"{prefix}{a}{ref}>{alt}", "substitution"
    if not alt:
        return f"{prefix}{span}del", "deletion"
    if not ref:
        k = len(alt)
        if s - k >= 0 and seq[s - k : s] == alt:
            d = f"{s - off}" if k == 1 else f"{s - k - off + 1}_{s - off}"
            return f"{prefix}{d}dup", "duplication"
        return f"{prefix}{s - off}_{s - off + 1}ins{alt}", "insertion"
    return f"{prefix}{span}delins{alt}", "delins"


def _locate(
    seq: str, off: int, hi: int, change: str | None, position: int | None, ref: str | None, alt: str | None
) -> tuple[int, int, str]:
    """Absolute 0-based (start, end, alt) after checking positions and the reference bases.

    ``off`` is the 0-based position of c.1, ``hi`` the end of the region changes may start in.
    """
    s, e, new, check = parse_change(change, position, ref, alt)
    s, e = s + off, e + off
    span = f"{s - off + 1}" if e - s <= 1 else f"{s - off + 1}_{e - off}"
    if s == e:
        if not off < s < min(hi, len(seq) + 1):
            raise UserInputError(
                f"insertion after position {s - off} is outside the sequence or coding region "
                f"(insertions go between positions 1 and {min(hi, len(seq) + 1) - off - 1})"
            )
    elif s < off or e > len(seq) or s >= hi:
        raise UserInputError(
            f"position {span} is outside the region a change may start in (1-{hi - off}; "
            f"{len(seq) - off:,} nt given from position 1)"
        )
    if check is not None and seq[s:e] != check:
        raise UserInputError(
            f"reference mismatch at position {span}: the sequence has {seq[s:e]}, not {check}"
        )
    if new == "DUP":  # a copy of the span goes right after it
        s, new = e, seq[s:e]
    return s, e, new


# ---------------------------------------------------------------- protein comparison


def _orf(dna: str, table: int) -> str:
    """Translation from the first base to the first stop, '*' included when one is reached."""
    from Bio.Seq import translate

    m = len(dna) // 3
    prot = translate(dna[: 3 * m], table=table) if m else ""
    return prot[: prot.index("*") + 1] if "*" in prot else prot


def _three(aas: str) -> str:
    return "".join(three_letter(a) for a in aas)


def _one(aas: str) -> str:
    return aas


def _protein_change(
    ref_p: str, mut_p: str, frameshift: bool, new_stop: bool, stop_touched: bool, codon: int
) -> tuple[Consequence, Callable[[Callable[[str], str]], str], str]:
    """(consequence, p. text from an amino-acid formatter, detail) comparing reference and changed proteins.

    ``new_stop``: the changed sequence's stop codon is not the reference stop codon (moved by the indel);
    ``stop_touched``: the change overlaps the reference stop codon.
    """
    n = min(len(ref_p), len(mut_p))
    i = next((k for k in range(n) if ref_p[k] != mut_p[k]), n)
    names = AA_NAMES
    if ref_p == mut_p:
        k = min(codon, len(ref_p)) - 1
        aa = ref_p[k]
        return "synonymous", (lambda t: f"p.{t(aa)}{k + 1}="), f"{names[aa]} unchanged"
    if i >= len(ref_p):  # the reference ran out of sequence without a stop; nothing changed before that
        return ("frameshift" if frameshift else "missense"), (lambda t: "p.?"), "the change lies past the end"
    r = ref_p[i]
    # the new stop's position, counting the first changed residue as 1
    tail = (len(mut_p) - i) if mut_p.endswith("*") else None
    after = (
        f"{len(mut_p) - 1:,} aa"
        if mut_p.endswith("*")
        else f"at least {len(mut_p):,} aa, with no stop codon before the sequence ends"
    )
    before = f"{len(ref_p) - 1:,} aa" if ref_p.endswith("*") else f"{len(ref_p):,}+ aa"
    ter = "?" if tail is None else str(tail)
    if i >= len(mut_p):  # the changed sequence ran out before a stop
        return ("frameshift" if frameshift else "stop-loss"), (lambda t: f"p.{t(r)}{i + 1}fs"), after
    m = mut_p[i]
    if r == "*" and (stop_touched or frameshift):
        return (
            "stop-loss",
            (lambda t: f"p.{t('*')}{i + 1}{t(m)}ext{t('*')}{ter}"),
            f"the stop codon now encodes {names[m]}; protein {before} becomes {after}",
        )
    if m == "*" and (frameshift or new_stop):
        return (
            ("frameshift" if frameshift else "nonsense"),
            (lambda t: f"p.{t(r)}{i + 1}{t('*')}"),
            f"{names[r]} to a stop codon; protein {before} becomes {len(mut_p) - 1:,} aa",
        )
    if frameshift:
        return (
            "frameshift",
            (lambda t: f"p.{t(r)}{i + 1}{t(m)}fs{t('*')}{ter}"),
            f"{names[r]} {i + 1} to {names[m]} in a new reading frame; protein {before} becomes {after}",
        )
    stop = len(mut_p) - 1
    if new_stop and mut_p.endswith("*") and stop < len(ref_p) - 1:  # a stop after a few new residues
        ins = mut_p[i:]
        return (
            "nonsense",
            (lambda t: f"p.{t(r)}{i + 1}_{t(ref_p[stop])}{stop + 1}delins{t(ins)}"),
            f"a stop codon replaces {names[ref_p[stop]]} {stop + 1}; protein {before} becomes {stop:,} aa",
        )
    sfx = 0
    while sfx < min(len(ref_p), len(mut_p)) - i and ref_p[-1 - sfx] == mut_p[-1 - sfx]:
        sfx += 1
    gone, new = ref_p[i : len(ref_p) - sfx], mut_p[i : len(mut_p) - sfx]
    j = i + len(gone)  # 0-based end of the deleted residues

    def span(t):
        return f"{t(ref_p[i])}{i + 1}" + (f"_{t(ref_p[j - 1])}{j}" if j - i > 1 else "")

    if len(gone) == 1 and len(new) == 1:
        return "missense", (lambda t: f"p.{t(r)}{i + 1}{t(m)}"), f"{names[r]} to {names[m]}"
    if not new:
        return (
            "in-frame deletion",
            (lambda t: f"p.{span(t)}del"),
            f"{len(gone)} aa removed; protein {before} becomes {after}",
        )
    if not gone:
        k = len(new)
        if i >= k and ref_p[i - k : i] == new:
            d0 = i - k

            def dup(t):
                return f"p.{t(ref_p[d0])}{d0 + 1}" + (f"_{t(ref_p[i - 1])}{i}" if k > 1 else "") + "dup"

            return "in-frame insertion", dup, f"{k} aa duplicated; protein {before} becomes {after}"
        return (
            "in-frame insertion",
            (lambda t: f"p.{t(ref_p[i - 1])}{i}_{t(ref_p[i])}{i + 1}ins{t(new)}"),
            f"{k} aa inserted; protein {before} becomes {after}",
        )
    kind: Consequence = (
        "missense"
        if len(new) == len(gone)
        else "in-frame deletion"
        if len(new) < len(gone)
        else "in-frame insertion"
    )
    return (
        kind,
        (lambda t: f"p.{span(t)}delins{t(new)}"),
        f"{len(gone)} aa replaced by {len(new)}; protein {before} becomes {after}",
    )


# ---------------------------------------------------------------- results


class MutationEffect(BaseModel):
    """What one DNA change does to the protein of a coding sequence."""

    hgvs_c: str = Field(description="the change in HGVS c. notation, indels at their most 3' position")
    kind: Literal["substitution", "deletion", "insertion", "duplication", "delins"]
    start: int = Field(description="first CDS position (c.) replaced; for an insertion the base after it")
    end: int = Field(description="last CDS position replaced; start - 1 for an insertion")
    ref: str = Field(description="reference bases replaced ('' for an insertion)")
    alt: str = Field(description="new bases ('' for a deletion)")
    codon_number: int = Field(description="1-based number of the first codon touched")
    ref_codons: str = Field(description="reference codon(s) spanning the change")
    alt_codons: str = Field(description="the bases in their place after the change (whole codons)")
    codon_change: str = Field(description="e.g. GGT>TGT")
    hgvs_p: str = Field(description="protein change, HGVS three-letter codes, e.g. p.Gly21Cys")
    hgvs_p_one_letter: str = Field(description="the same with one-letter codes and '*', e.g. p.G21C")
    consequence: Consequence
    detail: str = Field(description="the change in words")
    protein_length_before: int = Field(description="aa, stop not included")
    protein_length_after: int | None = Field(description="aa up to the new stop; None when start is lost")
    stop_reached_after: bool = Field(description="the changed sequence reaches a stop codon")
    table: int
    notes: list[str]

    def summary(self) -> str:
        codon = (
            f"codon {self.codon_number}" if len(self.ref_codons) <= 3 else f"codons from {self.codon_number}"
        )
        alt = self.alt_codons or "nothing"
        verb = {
            "substitution": f"changes {codon} from {self.ref_codons} to {alt}",
            "deletion": f"deletes {len(self.ref)} nt in {codon} ({self.ref_codons} to {alt})",
            "insertion": f"inserts {len(self.alt)} nt in {codon} ({self.ref_codons} to {alt})",
            "duplication": f"duplicates {len(self.alt)} nt in {codon} ({self.ref_codons} to {alt})",
            "delins": f"replaces {len(self.ref)} nt by {len(self.alt)} in {codon} ({self.ref_codons} to {alt})",
        }[self.kind]
        article = "an" if self.consequence.startswith("in-") else "a"
        return f"{self.hgvs_c} {verb}: {self.hgvs_p}, {article} {self.consequence} mutation ({self.detail})."


class MutatedSequence(BaseModel):
    """A DNA sequence with one change applied."""

    sequence: str = Field(description="the changed DNA")
    change: str = Field(
        description="the change in HGVS-like notation, positions 1-based in the given sequence"
    )
    kind: Literal["substitution", "deletion", "insertion", "duplication", "delins"]
    start: int
    end: int
    ref: str
    alt: str
    length_before: int
    length_after: int

    def summary(self) -> str:
        return (
            f"After {self.change} the sequence is {self.length_after:,} bp (was {self.length_before:,} bp): "
            f"{shorten(self.sequence)}."
        )


# ---------------------------------------------------------------- public functions


def mutation_effect(
    cds: str,
    change: str | None = None,
    *,
    position: int | None = None,
    ref: str | None = None,
    alt: str | None = None,
    cds_start: int = 1,
    table: int = 1,
) -> MutationEffect:
    """Codon change, HGVS protein change and class of one substitution, insertion or deletion in a CDS.

    Args:
        cds: DNA whose position ``cds_start`` is the first base of the start codon (see module docstring).
        change: HGVS-like text such as ``"c.61G>T"``, ``"c.100_102del"``, ``"c.50_51insA"``.
        position: instead of ``change``: 1-based CDS position of the first reference base (for an
            insertion, ``ref=""`` and the bases go after ``position``).
        ref: the reference bases at ``position`` (checked); ``""`` or ``"-"`` for an insertion.
        alt: the new bases; ``""`` or ``"-"`` for a deletion.
        cds_start: 1-based position of c.1 in ``cds``.
        table: NCBI genetic code id.

    Example:
        >>> cds = "ATG" + "AAA" * 19 + "GGT" + "AAA" * 3 + "TAA"
        >>> mutation_effect(cds, "c.61G>T").summary()
        'c.61G>T changes codon 21 from GGT to TGT: p.Gly21Cys, a missense mutation (glycine to cysteine).'
    """
    seq = read_dna(cds, "cds")
    codon_table(table)
    if isinstance(cds_start, bool) or not isinstance(cds_start, int) or not 1 <= cds_start <= len(seq) - 2:
        raise UserInputError(
            f"cds_start must be a 1-based position from 1 to {len(seq) - 2}, got {cds_start!r}"
        )
    off = cds_start - 1
    ref_p = _orf(seq[off:], table)
    hi = off + 3 * len(ref_p)  # end of the CDS (stop included), 0-based exclusive
    notes = []
    if seq[off : off + 3] != "ATG":
        notes.append(f"the CDS starts with {seq[off : off + 3]}, not ATG")
    if not ref_p.endswith("*"):
        notes.append("no in-frame stop codon: the CDS runs to the end of the sequence")
    s, e, new = _locate(seq, off, hi, change, position, ref, alt)
    s, e, new = _normalise(seq, s, e, new, hi)
    if s == e and not new:
        raise UserInputError("the change leaves the sequence as it is (ref equals alt)")
    hgvs_c, kind = _hgvs_c(seq, s, e, new, off)
    mut = seq[:s] + new + seq[e:]
    mut_p = _orf(mut[off:], table)
    diff = len(new) - (e - s)
    # codons spanning the change (for an insertion: the codons of the bases either side of it)
    c0 = ((s - 1 if s == e else s) - off) // 3
    c1 = c0 if s == e and (s - off) % 3 == 0 else (max(e - 1, s) - off) // 3
    lo = off + 3 * c0
    ref_codons = seq[lo : off + 3 * c1 + 3]
    alt_len = len(ref_codons) + diff
    alt_codons = mut[lo : lo + (alt_len if diff % 3 == 0 else -(-alt_len // 3) * 3)]
    if s < off + 3 and mut[off : off + 3] != seq[off : off + 3] and seq[off : off + 3] == "ATG":
        consequence: Consequence = "start-loss"
        fmt, detail = (
            (lambda t: f"p.{t('M')}1?"),
            f"the start codon ATG becomes {mut[off : off + 3]}; initiation is lost",
        )
        after = None
    else:
        # the changed sequence's stop is the reference stop when its codon lies wholly after the new bases
        m_stop = off + 3 * (len(mut_p) - 1)
        new_stop = mut_p.endswith("*") and not (m_stop >= s + len(new) and m_stop - diff == hi - 3)
        touched = ref_p.endswith("*") and (hi - 3 < s < hi if s == e else s < hi and e > hi - 3)
        consequence, fmt, detail = _protein_change(ref_p, mut_p, diff % 3 != 0, new_stop, touched, c0 + 1)
        after = len(mut_p) - 1 if mut_p.endswith("*") else len(mut_p)
    return MutationEffect(
        hgvs_c=hgvs_c, kind=kind, start=s - off + 1, end=e - off, ref=seq[s:e], alt=new, codon_number=c0 + 1,
        ref_codons=ref_codons, alt_codons=alt_codons, codon_change=f"{ref_codons}>{alt_codons or '-'}",
        hgvs_p=fmt(_three), hgvs_p_one_letter=fmt(_one), consequence=consequence, detail=detail,
        protein_length_before=len(ref_p) - 1 if ref_p.endswith("*") else len(ref_p),
        protein_length_after=after, stop_reached_after=mut_p.endswith("*"), table=table, notes=notes,
    )  # fmt: skip


def apply_mutation(
    sequence: str,
    change: str | None = None,
    *,
    position: int | None = None,
    ref: str | None = None,
    alt: str | None = None,
) -> MutatedSequence:
    """Apply one change to any DNA sequence, positions 1-based from its first base (no reading frame).

    The change is written as for :func:`mutation_effect` (``"61G>T"``, ``"g.100_102del"``,
    ``"50_51insA"``, ``"76dup"``, ``"76_77delinsTT"``; a ``c.``/``g.``/``n.`` prefix is ignored) or as
    ``position``/``ref``/``alt``; the reference bases are checked.

    Example:
        >>> apply_mutation("ACGTACGT", "3G>A").sequence, apply_mutation("ACGTACGT", position=4, ref="T", alt="").sequence
        ('ACATACGT', 'ACGACGT')
    """
    seq = read_dna(sequence, "sequence")
    s, e, new = _locate(seq, 0, len(seq) + 1, change, position, ref, alt)
    s, e, new = _normalise(seq, s, e, new, len(seq))
    if s == e and not new:
        raise UserInputError("the change leaves the sequence as it is (ref equals alt)")
    text, kind = _hgvs_c(seq, s, e, new, 0, prefix="")
    mutated = seq[:s] + new + seq[e:]
    return MutatedSequence(
        sequence=mutated, change=text, kind=kind, start=s + 1, end=e, ref=seq[s:e], alt=new,
        length_before=len(seq), length_after=len(mutated),
    )  # fmt: skip


__all__ = ["MutatedSequence", "MutationEffect", "apply_mutation", "mutation_effect", "parse_change"]


# ---------------------------------------------------------------- a clone against its reference


class CloneComparison(BaseModel):
    """A sequenced clone read against the coding sequence it should carry (both from the reference's ATG)."""

    reference_length_aa: int = Field(description="the reference protein, stop not included")
    clone_length_aa: int = Field(description="the clone's protein up to its first stop, stop not included")
    premature_stop: bool = Field(description="the clone stops before the reference does")
    stop_codon_number: int | None = Field(description="1-based codon of the clone's first stop")
    stop_codon: str | None
    differences: list[str] = Field(description="base differences, c. numbering from the reference's ATG")
    first_protein_change: str | None = Field(description="the first amino-acid difference, e.g. p.Q3*")
    frame: int = Field(description="forward frame (1-3) of the reference's ATG in the given sequences")
    table: int
    consequence: str = Field(default="", description="nonsense, frameshift, missense, synonymous or none")

    def summary(self) -> str:
        if self.premature_stop:
            return (
                f"Yes: the clone has a premature stop ({self.stop_codon}) at codon {self.stop_codon_number}, "
                f"a {self.consequence} mutation, "
                f"so its protein is {self.clone_length_aa} aa instead of {self.reference_length_aa} aa "
                f"({self.first_protein_change}; {len(self.differences)} base difference(s))."
            )
        changed = f"; first protein change {self.first_protein_change}" if self.first_protein_change else ""
        kind = f" ({self.consequence} change)" if self.consequence != "none" else ""
        return (
            f"No: the clone has no premature stop{kind}; its protein is {self.clone_length_aa} aa like the "
            f"reference's {self.reference_length_aa} aa ({len(self.differences)} base difference(s){changed})."
        )


def compare_clone(reference: str, clone: str, table: int = 1) -> CloneComparison:
    """Read a clone against its reference coding sequence: both are translated from the reference's first
    ATG (the same offset in the clone, which is aligned first when their lengths differ) to their first
    stop; a stop in the clone before the reference's is a premature stop.

    Example:
        >>> compare_clone("ATGAAACAGTGGTAA", "ATGAAATAGTGGTAA").stop_codon_number
        3
    """

    ref = reference.upper()
    mut = clone.upper()
    start = ref.find("ATG")
    if start < 0:
        raise UserInputError("reference: no ATG start codon; give the coding sequence from its start")
    offset = start
    if len(mut) != len(ref) or mut[:start] != ref[:start]:  # the clone is a read: place the ATG by alignment
        anchor = ref[start : start + 20]
        at = mut.find(anchor)
        if at < 0:
            from Bio import Align

            aligner = Align.PairwiseAligner(mode="local")
            aln = aligner.align(ref, mut)[0]
            blocks = [(r, q) for r, q in zip(*aln.aligned, strict=False)]
            at = next((q[0] + (start - r[0]) for r, q in blocks if r[0] <= start < r[1]), -1)
        if at < 0:
            raise UserInputError("the clone does not cover the reference's start codon")
        offset = at
    ref_cds, mut_cds = ref[start:], mut[offset:]
    ref_p, mut_p = _orf(ref_cds, table), _orf(mut_cds, table)
    n = min(len(ref_cds), len(mut_cds))
    diffs = [f"c.{i + 1}{ref_cds[i]}>{mut_cds[i]}" for i in range(n) if ref_cds[i] != mut_cds[i]]
    first = next((i for i in range(min(len(ref_p), len(mut_p))) if ref_p[i] != mut_p[i]), None)
    change = f"p.{ref_p[first]}{first + 1}{mut_p[first]}" if first is not None else None
    ref_len = len(ref_p.rstrip("*"))
    stop_at = mut_p.find("*")
    premature = stop_at >= 0 and stop_at < ref_len
    first_base = next((i for i in range(n) if ref_cds[i] != mut_cds[i]), n)
    after = [ref_cds[i] == mut_cds[i] for i in range(first_base, min(n, first_base + 60))]
    shift = len(after) >= 12 and sum(after) / len(after) < 0.6  # out of register after the first change
    if shift:
        consequence = "frameshift"
    elif premature:
        consequence = "nonsense"
    elif change is not None:
        consequence = "missense"
    else:
        consequence = "synonymous" if diffs else "none"
    return CloneComparison(
        reference_length_aa=ref_len, clone_length_aa=len(mut_p.rstrip("*")), premature_stop=premature,
        stop_codon_number=stop_at + 1 if stop_at >= 0 else None,
        stop_codon=mut_cds[3 * stop_at : 3 * stop_at + 3] if stop_at >= 0 else None,
        differences=diffs, first_protein_change=change, frame=start % 3 + 1, table=table, consequence=consequence,
    )  # fmt: skip
