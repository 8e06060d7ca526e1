"""Protein properties (length, mass, pI, extinction coefficient, GRAVY, composition) and residue look-up.

A protein is given as one-letter codes, or as DNA that encodes it. From DNA the open reading frame is
chosen as follows (``ProteinProperties.orf`` says which was used):

* ``frame=None`` (default): the longest ORF in any of the six frames, from an ATG (a codon that encodes
  M) to the first in-frame stop codon, or to the end of the sequence when there is none. Ties go to a
  complete ORF, then to frames +1, +2, +3, -1, -2, -3 in that order, then to the earlier start.
* ``frame=1..3`` or ``-1..-3``: the first ATG of that frame, to the next stop codon in that frame.

Frames are as in :func:`dnahlm.bio.transcripts.translate_frame` (frame -1 starts at the last base of the
DNA); positions are 1-based and inclusive on the given strand. Masses are average masses of the
unmodified chain (Biopython's :class:`~Bio.SeqUtils.ProtParam.ProteinAnalysis`), the stop is not part of
the protein, and the extinction coefficient at 280 nm in water is Pace et al. (1995) Protein Sci 4:2411:
``5500 * W + 1490 * Y`` (all Cys reduced) plus ``125`` per cystine (Cys pair).

Example:
    >>> p = protein_properties("MKWVTFISLLLLFSSAYS")
    >>> p.length_aa, p.extinction_coefficient_reduced
    (18, 6990)
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.bio.transcripts import FRAMES, check_frame, codon_span, codon_table, frame_strand, read_dna
from dnahlm.errors import UserInputError

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
AA_NAMES = {
    "A": "alanine", "C": "cysteine", "D": "aspartate", "E": "glutamate", "F": "phenylalanine",
    "G": "glycine", "H": "histidine", "I": "isoleucine", "K": "lysine", "L": "leucine",
    "M": "methionine", "N": "asparagine", "P": "proline", "Q": "glutamine", "R": "arginine",
    "S": "serine", "T": "threonine", "V": "valine", "W": "tryptophan", "Y": "tyrosine",
    "*": "stop", "X": "unknown amino acid",
}  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


def three_letter(aa: str) -> str:
    """Three-letter code of a one-letter amino-acid code (``*`` -> ``Ter``), as in HGVS.

    Example:
        >>> three_letter("W"), three_letter("*")
        ('Trp', 'Ter')
    """
    from Bio.Data.IUPACData import protein_letters_1to3_extended

    return "Ter" if aa == "*" else protein_letters_1to3_extended[aa]


# ---------------------------------------------------------------- ORF choice


class OrfUsed(BaseModel):
    """The open reading frame a protein was translated from."""

    frame: int = Field(description="+1..+3 on the given strand, -1..-3 on its reverse complement")
    strand: int = Field(description="+1 or -1")
    start: int = Field(description="1-based first base of the start codon's span on the given strand")
    end: int = Field(description="1-based last base (stop codon included when complete), given strand")
    complete: bool = Field(description="ends with a stop codon (False: the DNA ends first)")
    choice: Literal["longest ORF", "first ATG in frame"]
    table: int


def choose_orf(seq: str, frame: int | None, table: int) -> tuple[str, OrfUsed]:
    """Protein (no stop) and the ORF it comes from, chosen as the module docstring says."""
    from Bio.Seq import translate

    codon_table(table)
    if frame is not None:
        frame = check_frame(frame)
    best: tuple[tuple, str, OrfUsed] | None = None
    for rank, f in enumerate(FRAMES if frame is None else (frame,)):
        bases = frame_strand(seq, f)
        m = len(bases) // 3
        prot = translate(bases[: 3 * m], table=table) if m else ""
        for hit in re.finditer(r"M[^*]*\*?", prot):
            complete = hit.group().endswith("*")
            aa = hit.group().rstrip("*")
            start, end = codon_span(len(seq), f, hit.start(), hit.end() - 1)
            orf = OrfUsed(
                frame=f, strand=1 if f > 0 else -1, start=start, end=end, complete=complete,
                choice="longest ORF" if frame is None else "first ATG in frame", table=table,
            )  # fmt: skip
            key = (len(aa), complete, -rank, -hit.start())
            if best is None or key > best[0]:
                best = (key, aa, orf)
            if frame is not None:
                break
    if best is None:
        where = "any of the six frames" if frame is None else f"frame {frame:+d}"
        raise UserInputError(f"dna: no ATG start codon found in {where}; no protein to translate")
    return best[1], best[2]


def clean_protein(protein: str, name: str = "protein") -> str:
    """Upper-case one-letter protein without whitespace or a final ``*``; error names a bad letter's position."""
    if not isinstance(protein, str):
        raise UserInputError(f"{name} must be a string of one-letter amino-acid codes")
    text = protein.lstrip()
    if text.startswith(">"):
        text = text.partition("\n")[2]
    seq = _WHITESPACE.sub("", text).upper()
    if seq.endswith("*"):
        seq = seq[:-1]
    if not seq:
        raise UserInputError(f"{name} is empty: give one-letter amino-acid codes such as MKWV")
    for i, letter in enumerate(seq, start=1):
        if letter not in AMINO_ACIDS:
            what = (
                "a stop codon '*' inside the protein"
                if letter == "*"
                else f"invalid amino-acid letter {letter!r}"
            )
            raise UserInputError(
                f"{what} in {name} at position {i} (allowed: the 20 standard one-letter codes {AMINO_ACIDS}; "
                "a final '*' is ignored)"
            )
    return seq


def _protein_from(
    protein: str | None, dna: str | None, frame: int | None, table: int
) -> tuple[str, OrfUsed | None, list[str], str]:
    """(protein, orf, warnings, dna or '') from exactly one of ``protein`` and ``dna``."""
    if (protein is None) == (dna is None):
        raise UserInputError("give either a protein sequence or dna=..., not both and not neither")
    if dna is not None:
        seq = read_dna(dna, "dna")
        aa, orf = choose_orf(seq, frame, table)
        bad = re.search(r"X", aa)
        if bad:
            raise UserInputError(
                f"dna: the ORF at {orf.start}-{orf.end} holds a codon with N (protein position {bad.start() + 1})"
            )
        return aa, orf, [], seq
    seq = clean_protein(protein)
    warnings = []
    if len(seq) >= 8 and set(seq) <= set("ACGT"):
        warnings.append("the protein has only the letters A, C, G, T: if this is DNA, pass it as dna=...")
    return seq, None, warnings, ""


# ---------------------------------------------------------------- properties


class ProteinProperties(BaseModel):
    """Physico-chemical properties of one protein (stop not included)."""

    length_aa: int
    molecular_weight_da: float = Field(description="average mass in daltons (ProteinAnalysis)")
    molecular_weight_kda: float
    isoelectric_point: float = Field(description="pI (Biopython's Bjellqvist-style pK values)")
    extinction_coefficient_reduced: int = Field(description="M^-1 cm^-1 at 280 nm, all Cys reduced")
    extinction_coefficient_cystines: int = Field(description="M^-1 cm^-1 at 280 nm, Cys pairs as cystines")
    absorbance_0_1_percent_reduced: float = Field(description="A280 of a 1 g/L solution, Cys reduced")
    absorbance_0_1_percent_cystines: float = Field(description="A280 of a 1 g/L solution, cystines")
    gravy: float = Field(description="grand average of hydropathy (Kyte-Doolittle)")
    composition: dict[str, int] = Field(description="counts of the 20 amino acids (one-letter codes)")
    composition_percent: dict[str, float]
    source: Literal["protein", "dna"]
    orf: OrfUsed | None = Field(description="the ORF translated, when the input was DNA")
    protein: str = Field(description="the protein, one-letter codes, no stop")
    warnings: list[str]
    tags: str = Field(default="", description="tag residues added to the protein, in words")

    def summary(self) -> str:
        tagged = f" with {self.tags}" if self.tags else ""
        text = (
            f"The protein{tagged} is {self.length_aa:,} aa long with a molecular weight of {self.molecular_weight_da:,.1f} Da "
            f"({self.molecular_weight_kda:,.2f} kDa); pI {self.isoelectric_point:.2f}, extinction coefficient at "
            f"280 nm {self.extinction_coefficient_reduced:,} M^-1 cm^-1 (Cys reduced) or "
            f"{self.extinction_coefficient_cystines:,} (cystines), GRAVY {self.gravy:.3f}"
        )
        if self.orf is not None:
            o = self.orf
            text += (
                f" (translated from the {o.choice}, frame {o.frame:+d}, nt {o.start:,}-{o.end:,}"
                f"{'' if o.complete else ', no stop codon before the end'})"
            )
        return text + "."


def protein_properties(
    protein: str | None = None, *, dna: str | None = None, frame: int | None = None, table: int = 1
) -> ProteinProperties:
    """Length, average molecular weight, pI, extinction coefficient, GRAVY and composition of a protein.

    Give the protein (one-letter codes; a final ``*`` is ignored) or ``dna=`` that encodes it; from DNA
    the longest ORF is used (``frame=None``) or the first ATG of ``frame`` (see the module docstring),
    and ``orf`` reports its frame and positions.

    Args:
        protein: one-letter amino-acid sequence (the 20 standard residues).
        dna: DNA to translate instead (A, C, G, T, N).
        frame: None for the longest ORF in six frames, else 1, 2, 3, -1, -2, -3.
        table: NCBI genetic code id for the translation.

    Example:
        >>> p = protein_properties(dna="CC" + "ATG" + "TGG" * 2 + "TAA")
        >>> p.protein, p.orf.start, p.orf.end, p.extinction_coefficient_reduced
        ('MWW', 3, 14, 11000)
    """
    from Bio.SeqUtils.ProtParam import ProteinAnalysis

    seq, orf, warnings, _ = _protein_from(protein, dna, frame, table)
    pa = ProteinAnalysis(seq)
    mw = pa.molecular_weight()
    reduced, cystines = pa.molar_extinction_coefficient()
    counts = {a: seq.count(a) for a in AMINO_ACIDS}
    return ProteinProperties(
        length_aa=len(seq), molecular_weight_da=round(mw, 2), molecular_weight_kda=round(mw / 1000, 3),
        isoelectric_point=round(pa.isoelectric_point(), 2),
        extinction_coefficient_reduced=reduced, extinction_coefficient_cystines=cystines,
        absorbance_0_1_percent_reduced=round(reduced / mw, 3), absorbance_0_1_percent_cystines=round(cystines / mw, 3),
        gravy=round(pa.gravy(), 3), composition=counts,
        composition_percent={a: round(100 * k / len(seq), 2) for a, k in counts.items()},
        source="dna" if dna is not None else "protein", orf=orf, protein=seq, warnings=warnings,
    )  # fmt: skip


# ---------------------------------------------------------------- one residue


class Residue(BaseModel):
    """The amino acid at one position of a protein."""

    position: int = Field(description="1-based position in the protein (Met1 = 1)")
    one_letter: str
    three_letter: str
    name: str
    protein_length: int = Field(description="aa, stop not included")
    source: Literal["protein", "dna"]
    codon: str | None = Field(
        default=None, description="the codon read 5'->3' on the ORF's strand (DNA input)"
    )
    codon_start: int | None = Field(default=None, description="1-based first base of the codon, given strand")
    codon_end: int | None = Field(default=None, description="1-based last base of the codon, given strand")
    orf: OrfUsed | None = None

    def summary(self) -> str:
        text = (
            f"Residue {self.position:,} is {self.three_letter} ({self.one_letter}, {self.name}) "
            f"of the {self.protein_length:,}-aa protein"
        )
        if self.codon is not None and self.orf is not None:
            text += (
                f", encoded by codon {self.codon} at nt {self.codon_start:,}-{self.codon_end:,} "
                f"(frame {self.orf.frame:+d}, {self.orf.choice})"
            )
        return text + "."


def residue_at(
    protein_or_dna: str,
    position: int,
    *,
    kind: Literal["auto", "protein", "dna"] = "auto",
    frame: int | None = None,
    table: int = 1,
) -> Residue:
    """The residue at 1-based ``position`` of a protein, or of the protein a DNA sequence encodes.

    ``kind="auto"`` reads the input as DNA when it holds only A, C, G, T and N, else as protein. From
    DNA the ORF is chosen as in :func:`protein_properties` and the codon and its positions are given.

    Args:
        protein_or_dna: one-letter protein or DNA.
        position: 1-based residue number (the initiator Met is 1).
        kind: ``"auto"``, ``"protein"`` or ``"dna"``.
        frame: for DNA, None (longest ORF) or the frame whose first ATG starts the protein.
        table: NCBI genetic code id.

    Example:
        >>> r = residue_at("ATGAAATGGTAA", 3)
        >>> r.three_letter, r.codon, r.codon_start, r.codon_end
        ('Trp', 'TGG', 7, 9)
    """
    if kind not in ("auto", "protein", "dna"):
        raise UserInputError(f"kind must be 'auto', 'protein' or 'dna', got {kind!r}")
    if not isinstance(protein_or_dna, str):
        raise UserInputError("give the protein or DNA as a string")
    if kind == "auto":
        body = protein_or_dna.lstrip()
        body = body.partition("\n")[2] if body.startswith(">") else body
        kind = "dna" if re.fullmatch(r"[ACGTNacgtn\s]+", body) else "protein"
    seq, orf, _, dna = _protein_from(
        protein_or_dna if kind == "protein" else None, protein_or_dna if kind == "dna" else None, frame, table
    )
    if isinstance(position, bool) or not isinstance(position, int):
        raise UserInputError(f"position must be a whole number (1-based), got {position!r}")
    if not 1 <= position <= len(seq):
        raise UserInputError(
            f"position {position} is out of range: the protein has {len(seq):,} aa (positions 1-{len(seq):,})"
        )
    aa = seq[position - 1]
    out = Residue(
        position=position, one_letter=aa, three_letter=three_letter(aa), name=AA_NAMES[aa],
        protein_length=len(seq), source=kind, orf=orf,
    )  # fmt: skip
    if orf is not None:
        first_base = orf.start - 1 if orf.frame > 0 else len(dna) - orf.end  # 0-based, on the ORF's strand
        index = (first_base - (abs(orf.frame) - 1)) // 3 + position - 1  # codon index in the frame
        start, end = codon_span(len(dna), orf.frame, index, index)
        codon = frame_strand(dna, orf.frame)[3 * index : 3 * index + 3]
        out.codon, out.codon_start, out.codon_end = codon, start, end
    return out


__all__ = [
    "AA_NAMES",
    "OrfUsed",
    "ProteinProperties",
    "Residue",
    "protein_properties",
    "residue_at",
    "three_letter",
]


def with_tags(props: ProteinProperties, n_tag: str = "", c_tag: str = "") -> ProteinProperties:
    """The properties of ``props``' protein with tag residues added: ``n_tag`` after the initiator Met,
    ``c_tag`` before the stop (e.g. ``HHHHHH`` for a C-terminal His6 tag).

    Example:
        >>> with_tags(protein_properties("MKW"), c_tag="HHHHHH").length_aa
        9
    """
    body = props.protein
    tagged = body[:1] + n_tag + body[1:] + c_tag if body.startswith("M") else n_tag + body + c_tag
    out = protein_properties(clean_protein(tagged))
    added = " and ".join(
        x
        for x in (
            f"{n_tag} at the N-terminus" if n_tag else "",
            f"{c_tag} at the C-terminus" if c_tag else "",
        )
        if x
    )
    return out.model_copy(
        update={"orf": props.orf, "source": props.source, "warnings": props.warnings, "tags": added}
    )
