"""Cloning primers: PCR primers that add restriction sites (with leader bases) to the ends of an insert.

The forward primer is leader + the 5' enzyme's site + the insert's first bases; the reverse primer is
leader + the 3' enzyme's site (reverse-complemented when it is not palindromic, so it reads correctly on
the top strand of the product) + the reverse complement of the insert's last bases. Each annealing part is
the shortest that reaches the wanted Tm (:mod:`.melting`). Whether either enzyme also cuts inside the
insert is checked and reported, since it would cut the insert apart.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from dnahlm.bio.melting import check_conditions, nn_tm
from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize, reverse_complement


class CloningPrimers(BaseModel):
    """Primers that put ``enzyme5``'s site before an insert and ``enzyme3``'s after it.

    The product's top strand reads leader + site5 + insert + site3 + reverse complement of the leader,
    both sites 5'->3' on the top strand; so the reverse primer carries the reverse complement of site3.
    Type IIS enzymes (BsaI, BsmBI...) cut beside their site; for them the reverse primer carries the site
    itself, so that it faces the insert and cuts at its end (a warning says so).
    """

    forward: str
    reverse: str
    enzyme5: str
    enzyme3: str
    site5: str
    site3: str
    leader: str
    forward_anneal: str
    reverse_anneal: str
    forward_anneal_tm_c: float
    reverse_anneal_tm_c: float
    forward_full_tm_c: float = Field(description="Tm of the whole forward primer (cycles after the first)")
    reverse_full_tm_c: float
    insert_length: int
    product_size: int
    internal_cuts5: list[int] = Field(description="1-based cut positions of enzyme5 inside the insert")
    internal_cuts3: list[int] = Field(description="1-based cut positions of enzyme3 inside the insert")
    conditions: str
    warnings: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"Use forward 5'-{self.forward}-3' ({self.enzyme5}) and reverse 5'-{self.reverse}-3' "
            f"({self.enzyme3}) to add the sites to this {self.insert_length:,} bp insert (annealing parts "
            f"{len(self.forward_anneal)} and {len(self.reverse_anneal)} nt, Tm {self.forward_anneal_tm_c:.1f} "
            f"and {self.reverse_anneal_tm_c:.1f} °C; product {self.product_size:,} bp)"
        )
        return text + (f"; warning: {'; '.join(self.warnings)}." if self.warnings else ".")


def _enzyme(name: str, which: str):
    from Bio import Restriction

    if not isinstance(name, str) or not name.strip():
        raise UserInputError(f"{which} must be an enzyme name such as 'EcoRI', got {name!r}")
    by_name = {str(e).lower(): e for e in Restriction.AllEnzymes}
    enz = by_name.get(name.strip().lower())
    if enz is None:
        raise UserInputError(
            f"{which}: unknown restriction enzyme {name!r} (Biopython REBASE names, e.g. 'EcoRI')"
        )
    if set(enz.site) - set("ACGT"):
        raise UserInputError(
            f"{which}: {enz} recognises {enz.site}, which has ambiguous bases; choose an enzyme with a "
            "fixed site or add the site to the primers yourself"
        )
    return enz


def cloning_primers(
    insert: str,
    enzyme5: str,
    enzyme3: str,
    *,
    leader: str = "GCGC",
    anneal_tm: float = 60.0,
    min_anneal: int = 18,
    max_anneal: int = 30,
    na_mM: float = 50.0,
    mg_mM: float = 1.5,
    dntp_mM: float = 0.2,
    oligo_nM: float = 250.0,
) -> CloningPrimers:
    """Primers that amplify ``insert`` with ``enzyme5``'s site at its start and ``enzyme3``'s at its end.

    Forward = leader + site5 + the insert's first n nt; reverse = leader + reverse complement of site3
    (site3 itself for a Type IIS enzyme) + reverse complement of the insert's last m nt. n and m are the
    shortest lengths from ``min_anneal`` to ``max_anneal`` whose nearest-neighbour Tm (the method and
    conditions of :func:`dnahlm.bio.melting.melting_temperature`) reaches ``anneal_tm``. Sites of either
    enzyme inside the insert are warned of.

    Args:
        insert: DNA to clone (ACGT).
        enzyme5, enzyme3: enzyme names as in Biopython's REBASE list (case-insensitive), e.g. "EcoRI".
        leader: extra 5' bases that let the enzyme cut near the end of the product.
        anneal_tm: Tm (°C) the annealing parts should reach.
        min_anneal, max_anneal: bounds on the annealing length, nt.

    Example:
        >>> c = cloning_primers("ATG" + "GCTAGCAAAGGAGAAGAACTTTTCACTGGAGTTGTCCCAATTCTTGTTGAA" * 6, "EcoRI", "BamHI")
        >>> c.forward.startswith("GCGCGAATTCATG"), c.reverse.startswith("GCGCGGATCC")
        (True, True)
    """
    from Bio.Seq import Seq

    seq = normalize(insert, record_id="insert")
    if "N" in seq:
        raise UserInputError(f"insert has N at position {seq.index('N') + 1}; primers need A, C, G, T")
    lead = normalize(leader, record_id="leader")
    if "N" in lead:
        raise UserInputError("leader must be A, C, G, T only")
    check_conditions(na_mM=na_mM, mg_mM=mg_mM, dntp_mM=dntp_mM, oligo_nM=oligo_nM)
    if not 10 <= min_anneal <= max_anneal <= 60:
        raise UserInputError(f"need 10 <= min_anneal <= max_anneal <= 60, got {min_anneal}, {max_anneal}")
    if len(seq) < 2 * min_anneal:
        raise UserInputError(
            f"insert is {len(seq)} bp; it needs at least {2 * min_anneal} bp (2 x min_anneal)"
        )
    e5, e3 = _enzyme(enzyme5, "enzyme5"), _enzyme(enzyme3, "enzyme3")
    cond = {"na_mM": na_mM, "mg_mM": mg_mM, "dntp_mM": dntp_mM, "oligo_nM": oligo_nM}
    warnings = []

    def anneal(strand: str, label: str) -> tuple[str, float]:
        for length in range(min_anneal, min(max_anneal, len(seq) // 2) + 1):
            tm = nn_tm(strand[:length], **cond)
            if tm >= anneal_tm:
                return strand[:length], tm
        warnings.append(f"the {label} annealing part reaches only {tm:.1f} °C at {length} nt")
        return strand[:length], tm

    f_anneal, f_tm = anneal(seq, "forward")
    r_anneal, r_tm = anneal(reverse_complement(seq), "reverse")
    site5, site3 = e5.site, e3.site
    forward = lead + site5 + f_anneal
    if e3.fst5 is not None and e3.fst5 > e3.size:  # Type IIS: cuts after its site, so point it at the insert
        reverse = lead + site3 + r_anneal
        warnings.append(
            f"{e3} cuts outside its site, so the reverse primer carries {site3} facing the insert"
        )
    else:
        reverse = lead + reverse_complement(site3) + r_anneal
    cuts = {}
    for label, enz in (("enzyme5", e5), ("enzyme3", e3)):
        cuts[label] = sorted(enz.search(Seq(seq), linear=True))
        if cuts[label]:
            where = ", ".join(map(str, cuts[label]))
            warnings.append(f"{enz} also cuts inside the insert (at {where}), so digestion would cut it")
    if str(e5) == str(e3):
        warnings.append(f"both ends use {e5}: the insert can ligate in either orientation")
    elif e5.ovhg == e3.ovhg and e5.ovhgseq == e3.ovhgseq and "N" not in e5.ovhgseq:
        warnings.append(f"{e5} and {e3} leave the same ends: cloning is not directional")
    return CloningPrimers(
        forward=forward,
        reverse=reverse,
        enzyme5=str(e5),
        enzyme3=str(e3),
        site5=site5,
        site3=site3,
        leader=lead,
        forward_anneal=f_anneal,
        reverse_anneal=r_anneal,
        forward_anneal_tm_c=round(f_tm, 2),
        reverse_anneal_tm_c=round(r_tm, 2),
        forward_full_tm_c=round(nn_tm(forward, **cond), 2),
        reverse_full_tm_c=round(nn_tm(reverse, **cond), 2),
        insert_length=len(seq),
        product_size=len(forward) + len(seq) - len(f_anneal) + len(reverse) - len(r_anneal),
        internal_cuts5=cuts["enzyme5"],
        internal_cuts3=cuts["enzyme3"],
        conditions=f"{na_mM:g} mM Na+, {mg_mM:g} mM Mg2+, {dntp_mM:g} mM dNTPs, {oligo_nM:g} nM oligo",
        warnings=warnings,
    )
