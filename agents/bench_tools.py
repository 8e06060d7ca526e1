"""Bench-biology tools for the agent: thin LangChain wrappers over :mod:`dnahlm.bio`.

Each tool is a schema (what a planner may pass, with a description on every field) and a call into one
library function; the biology, the checks and the result's ``summary()`` live in ``dnahlm.bio``. Every
tool's first argument is the sequence the question is about (``sequence``), filled in by the graph, so
one rule serves the router and a chat-model planner alike.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .sequence_tools import SEQUENCE_FIELD


class DigestArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    enzymes: list[str] = Field(description="restriction enzyme names, any case, e.g. ['EcoRI', 'HindIII']")
    circular: bool = Field(default=False, description="true for a circular molecule (a plasmid)")


class CuttersArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    times: int | None = Field(default=None, ge=0, le=10, description="enzymes cutting exactly this often")
    circular: bool = Field(default=False, description="true for a circular molecule (a plasmid)")
    commercial: bool = Field(default=True, description="only commercially available enzymes")


class DesignArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    region: list[int] | None = Field(
        default=None, min_length=2, max_length=2, description="[start, end], 1-based: amplify inside this"
    )
    product_size: list[int] | None = Field(
        default=None, min_length=2, max_length=2, description="[min, max] bp"
    )


class PcrArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    forward: str = Field(description="forward primer 5'->3' (may carry a 5' tail)")
    reverse: str = Field(description="reverse primer 5'->3' (may carry a 5' tail)")
    circular: bool = Field(default=False, description="true for a circular template")


class CloningArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    enzyme5: str = Field(description="enzyme whose site the forward primer adds, e.g. EcoRI")
    enzyme3: str = Field(description="enzyme whose site the reverse primer adds, e.g. XhoI")
    leader: str = Field(default="GCGC", description="extra 5' bases so the enzyme can cut near the end")


class MeltingArgs(BaseModel):
    oligo: str = Field(description="the oligo or primer, 5'->3' (A, C, G, T)")
    method: Literal["auto", "nearest-neighbour", "wallace"] = Field(
        default="auto", description="auto: Wallace rule below 14 nt, nearest-neighbour otherwise"
    )
    na_mM: float = Field(default=50.0, ge=0, le=2000, description="Na+ (mM)")
    mg_mM: float = Field(default=1.5, ge=0, le=1000, description="Mg2+ (mM)")
    dntp_mM: float = Field(default=0.2, ge=0, le=100, description="dNTPs (mM)")
    oligo_nM: float = Field(default=250.0, gt=0, le=1e7, description="oligo concentration (nM)")


class ProteinArgs(BaseModel):
    sequence: str | None = Field(default=None, description="coding DNA (its longest ORF is used)")
    protein: str | None = Field(default=None, description="a protein in one-letter codes instead")
    n_tag: str = Field(default="", description="residues added at the N-terminus (after the Met), e.g. a tag")
    c_tag: str = Field(default="", description="residues added at the C-terminus, e.g. HHHHHH for a His6 tag")


class CloneArgs(BaseModel):
    reference: str = Field(description="the coding sequence the clone should carry, from its ATG")
    clone: str = Field(description="the sequenced clone (or mutant)")
    table: int = Field(default=1, ge=1, le=33, description="NCBI genetic code")


class OrfCountArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    min_aa: int = Field(default=30, ge=1, description="count ORFs encoding at least this many amino acids")
    both_strands: bool = Field(default=True, description="also the reverse complement")
    table: int = Field(default=1, ge=1, le=33, description="NCBI genetic code")


class ResidueArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    position: int = Field(ge=1, description="1-based residue number in the encoded protein")


class MutationArgs(BaseModel):
    sequence: str = Field(description="coding sequence starting at its start codon (A, C, G, T)")
    change: str = Field(description="the change, HGVS-like: '61G>T', 'c.76delA', 'c.50_51insA'")


class TranscribeArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    strand: Literal["coding", "template"] = Field(default="coding", description="which strand is given")


class FrameArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    frame: Literal[1, 2, 3, -1, -2, -3] = Field(
        default=1, description="reading frame; -1 starts at the last base"
    )
    table: int = Field(default=1, ge=1, le=33, description="NCBI genetic code (1 standard, 11 bacterial)")


class PatternArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    pattern: str = Field(description="IUPAC pattern, e.g. TATAWAW or GAATTC")
    both_strands: bool = Field(default=True, description="false: the given strand only")


class CodonArgs(BaseModel):
    sequence: str = SEQUENCE_FIELD
    table: int = Field(default=1, ge=1, le=33, description="NCBI genetic code")


def digest(sequence: str, enzymes: list[str], circular: bool = False) -> Any:
    """Digest a DNA sequence with one or more restriction enzymes together: the number of fragments, their
    sizes (largest first) and coordinates, every cut and the ends each enzyme leaves."""
    from dnahlm.bio.restriction import digest as run

    return run(sequence, enzymes, circular=circular)


def cutters(sequence: str, times: int | None = None, circular: bool = False, commercial: bool = True) -> Any:
    """Which restriction enzymes cut a DNA sequence once, twice or not at all (commercially available
    enzymes by default)."""
    from dnahlm.bio.restriction import cutters as run

    return run(sequence, times=times, circular=circular, commercial=commercial)


def design_primers(
    sequence: str, region: list[int] | None = None, product_size: list[int] | None = None
) -> Any:
    """Design a PCR primer pair (primer3) for a sequence or a region of it: primers, positions, Tm, GC,
    product size, hairpin and dimer checks."""
    from dnahlm.bio.pcr import design_primers as run

    return run(
        sequence,
        region=tuple(region) if region else None,
        product_size=tuple(product_size) if product_size else None,
    )


def pcr_product(sequence: str, forward: str, reverse: str, circular: bool = False) -> Any:
    """The PCR product two primers give on a template: its size and sequence, where and on which strand
    each primer binds (5' tails allowed), or why there is no product."""
    from dnahlm.bio.pcr import pcr_product as run

    return run(sequence, forward, reverse, circular=circular)


def cloning_primers(sequence: str, enzyme5: str, enzyme3: str, leader: str = "GCGC") -> Any:
    """Primers that amplify an insert and add restriction sites (with leader bases) to its ends, and
    whether either enzyme also cuts inside the insert."""
    from dnahlm.bio.cloning import cloning_primers as run

    return run(sequence, enzyme5, enzyme3, leader=leader)


def melting_temperature(oligo: str, method: str = "auto", na_mM: float = 50.0, mg_mM: float = 1.5,
                        dntp_mM: float = 0.2, oligo_nM: float = 250.0) -> Any:  # fmt: skip
    """The melting temperature of an oligo or primer (nearest-neighbour with the salt and oligo
    conditions stated, or the Wallace rule for short oligos), naming the method used."""
    from dnahlm.bio.melting import melting_temperature as run

    return run(oligo, method=method, na_mM=na_mM, mg_mM=mg_mM, dntp_mM=dntp_mM, oligo_nM=oligo_nM)


def protein_properties(
    sequence: str | None = None, protein: str | None = None, n_tag: str = "", c_tag: str = ""
) -> Any:
    """Properties of a protein, given or encoded by DNA (its longest ORF), with any tag added to either
    end: length, molecular weight (Da, kDa), isoelectric point, extinction coefficient, GRAVY."""
    from dnahlm.bio.protein import protein_properties as run
    from dnahlm.bio.protein import with_tags

    if not (n_tag or c_tag):
        return run(protein, dna=None if protein else sequence)
    return with_tags(run(protein, dna=None if protein else sequence), n_tag, c_tag)


def compare_clone(reference: str, clone: str, table: int = 1) -> Any:
    """Read a sequenced clone (or mutant) against the coding sequence it should carry: a premature stop
    (codon number), the base differences and the first amino-acid change."""
    from dnahlm.bio.mutations import compare_clone as run

    return run(reference, clone, table=table)


class ChoiceArgs(BaseModel):
    options: list[list[str]] = Field(description="each option's sequences: one, or a primer pair")
    labels: list[str] = Field(description="the options' labels as the question writes them (A, B, ...)")
    criterion: str = Field(description="gc_high, gc_low, longest, shortest, tm_high, tm_low, cut_by, "
                           "not_cut_by, has_pattern, longest_orf, product_size, mass_high, mass_low")  # fmt: skip
    enzymes: list[str] = Field(default_factory=list, description="for cut_by / not_cut_by")
    pattern: str | None = Field(default=None, description="IUPAC pattern for has_pattern")
    template: str | None = Field(default=None, description="template for product_size")
    size: int | None = Field(default=None, description="product size (bp) for product_size")
    circular: bool = Field(default=False, description="circular molecules")


def choose(options: list[list[str]], labels: list[str], criterion: str, enzymes: list[str] | None = None,
           pattern: str | None = None, template: str | None = None, size: int | None = None,
           circular: bool = False) -> Any:  # fmt: skip
    """Which of the labelled options best meets a criterion (highest GC, cut by an enzyme, gives a product
    of a size...): every option is evaluated the same way and the values are reported."""
    from dnahlm.bio.choice import choose as run

    return run(options, labels, criterion, enzymes=enzymes, pattern=pattern, template=template, size=size,
               circular=circular)  # type: ignore[arg-type]  # fmt: skip


def count_orfs(sequence: str, min_aa: int = 30, both_strands: bool = True, table: int = 1) -> Any:
    """How many open reading frames (ATG to stop) encode at least ``min_aa`` amino acids, on one or both
    strands, and where they are."""
    from dnahlm.bio.orfs import count_orfs as run

    return run(sequence, min_aa=min_aa, both_strands=both_strands, table=table)


def residue_at(sequence: str, position: int) -> Any:
    """The amino acid at a 1-based position of the protein a DNA sequence encodes (its longest ORF)."""
    from dnahlm.bio.protein import residue_at as run

    return run(sequence, position)


def mutation_effect(sequence: str, change: str) -> Any:
    """What a substitution, insertion or deletion in a coding sequence does: the codon and amino-acid
    change (HGVS, e.g. p.Gly21Cys) and its class (synonymous, missense, nonsense, frameshift...)."""
    from dnahlm.bio.mutations import mutation_effect as run

    return run(sequence, change)


def transcribe(sequence: str, strand: str = "coding") -> Any:
    """The mRNA (5'->3', with U) transcribed from a DNA strand (coding strand, or the template strand)."""
    from dnahlm.bio.transcripts import transcribe as run

    return run(sequence, strand=strand)


def translate_frame(sequence: str, frame: int = 1, table: int = 1) -> Any:
    """The protein of one reading frame of a DNA sequence (stops as '*')."""
    from dnahlm.bio.transcripts import translate_frame as run

    return run(sequence, frame=frame, table=table)


def find_pattern(sequence: str, pattern: str, both_strands: bool = True) -> Any:
    """Every match of an IUPAC pattern (e.g. TATAWAW) on both strands of a DNA sequence (or the given
    strand only), with positions."""
    from dnahlm.bio.transcripts import find_pattern as run

    return run(sequence, pattern, both_strands=both_strands)


def codon_usage(sequence: str, table: int = 1) -> Any:
    """Codon usage of a coding sequence: counts and frequencies per codon and per amino acid."""
    from dnahlm.bio.transcripts import codon_usage as run

    return run(sequence, table=table)


BENCH_TOOLS: dict[str, tuple[Any, type[BaseModel]]] = {
    "digest": (digest, DigestArgs),
    "cutters": (cutters, CuttersArgs),
    "design_primers": (design_primers, DesignArgs),
    "pcr_product": (pcr_product, PcrArgs),
    "cloning_primers": (cloning_primers, CloningArgs),
    "melting_temperature": (melting_temperature, MeltingArgs),
    "protein_properties": (protein_properties, ProteinArgs),
    "residue_at": (residue_at, ResidueArgs),
    "mutation_effect": (mutation_effect, MutationArgs),
    "transcribe": (transcribe, TranscribeArgs),
    "translate_frame": (translate_frame, FrameArgs),
    "find_pattern": (find_pattern, PatternArgs),
    "codon_usage": (codon_usage, CodonArgs),
    "compare_clone": (compare_clone, CloneArgs),
    "count_orfs": (count_orfs, OrfCountArgs),
    "choose": (choose, ChoiceArgs),
}
"""Tool name -> (function, argument schema)."""


__all__ = ["BENCH_TOOLS"]
