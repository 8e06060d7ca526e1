"""PCR: primer design (primer3) and the product two primers give (cloning primers: :mod:`.cloning`).

Positions are 1-based and inclusive on the template's top strand. A primer "binds" where its 3'-most
``min_anneal`` bases match the template exactly; the match is then extended towards the primer's 5' end,
and whatever does not match is a 5' tail, carried into the product.

Example:
    >>> t = "A" * 30 + "GACCTGAAGCTCGAATTCGG" + "T" * 60 + "CCGTTAGCCGATCAAGGTCA" + "C" * 30
    >>> pcr_product(t, "GACCTGAAGCTCGAATTCGG", "TGACCTTGATCGGCTAACGG").product_size
    100
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.bio.melting import check_conditions
from dnahlm.errors import UserInputError
from dnahlm.sequences import normalize, reverse_complement

Strand = Literal["top", "bottom"]


# ---------------------------------------------------------------------------------------------- design
class DesignedPrimer(BaseModel):
    """One primer primer3 picked; ``start``-``end`` is its site on the top strand."""

    sequence: str
    start: int
    end: int
    strand: Strand
    tm_c: float
    gc_percent: float
    hairpin_tm_c: float = Field(description="primer3 HAIRPIN_TH: Tm of the most stable hairpin (0 = none)")
    self_any_tm_c: float = Field(description="primer3 SELF_ANY_TH: Tm of the most stable self-dimer")
    self_end_tm_c: float = Field(description="primer3 SELF_END_TH: Tm of the most stable 3'-end self-dimer")
    hairpin_dg_kcal: float = Field(description="ΔG (kcal/mol, 37 °C) of the most stable hairpin")
    homodimer_dg_kcal: float = Field(description="ΔG (kcal/mol, 37 °C) of the most stable self-dimer")
    penalty: float


class PrimerPair(BaseModel):
    left: DesignedPrimer
    right: DesignedPrimer
    product_size: int
    product_tm_c: float
    heterodimer_tm_c: float = Field(
        description="primer3 COMPL_ANY_TH: Tm of the most stable left-right dimer"
    )
    heterodimer_end_tm_c: float = Field(description="primer3 COMPL_END_TH: same, anchored at a 3' end")
    heterodimer_dg_kcal: float = Field(description="ΔG (kcal/mol, 37 °C) of the most stable left-right dimer")
    penalty: float


class PrimerDesign(BaseModel):
    """primer3's pairs, best (lowest penalty) first; empty ``pairs`` with primer3's explanation if none."""

    template_length: int
    target: tuple[int, int] | None = Field(None, description="1-based start, length the product must span")
    region: tuple[int, int] | None = Field(None, description="1-based start, end primers must lie within")
    product_size_range: tuple[int, int]
    primer_tm_c: tuple[float, float, float] = Field(description="min, optimum, max primer Tm asked for")
    conditions: str
    tm_method: str = "primer3 (SantaLucia 1998 nearest-neighbour, SantaLucia salt correction)"
    pairs: list[PrimerPair]
    explanation: dict[str, str] = Field(default_factory=dict, description="primer3 *_EXPLAIN statistics")

    def summary(self) -> str:
        where = f"this {self.template_length:,} bp template"
        if self.target:
            where += f" around {self.target[0]}-{self.target[0] + self.target[1] - 1}"
        if not self.pairs:
            why = "; ".join(f"{k}: {v}" for k, v in self.explanation.items())
            return (
                f"primer3 found no primer pair for {where} with products of "
                f"{self.product_size_range[0]}-{self.product_size_range[1]} bp ({why})."
            )
        p = self.pairs[0]
        return (
            f"The best primer pair for {where} gives a {p.product_size} bp product: forward "
            f"5'-{p.left.sequence}-3' ({p.left.start}-{p.left.end}, Tm {p.left.tm_c:.1f} °C) and reverse "
            f"5'-{p.right.sequence}-3' ({p.right.start}-{p.right.end}, Tm {p.right.tm_c:.1f} °C); "
            f"{len(self.pairs)} pair{'s' if len(self.pairs) != 1 else ''} returned."
        )


def default_product_size(length: int, target_length: int | None = None) -> tuple[int, int]:
    """Product sizes to ask for in a sequence of ``length`` bp: half to all of it, at most 1,000 bp;
    with a target, from target + 40 bp (room for two primers) to target + 300 bp."""
    if target_length is not None:
        lo = target_length + 40
        return min(lo, length), min(length, max(lo + 260, 2 * lo))
    hi = min(length, 1000)
    return max(min(hi, 60), hi // 2), hi


def design_primers(
    template: str,
    *,
    target: tuple[int, int] | None = None,
    region: tuple[int, int] | None = None,
    product_size: tuple[int, int] | None = None,
    primer_tm: tuple[float, float, float] = (57.0, 60.0, 63.0),
    primer_size: tuple[int, int, int] = (18, 20, 27),
    num_return: int = 5,
    na_mM: float = 50.0,
    mg_mM: float = 1.5,
    dntp_mM: float = 0.2,
    oligo_nM: float = 250.0,
) -> PrimerDesign:
    """Design PCR primer pairs with primer3 (``primer3.bindings.design_primers``).

    Args:
        template: DNA sequence (ACGTN).
        target: ``(start, length)``, 1-based: a stretch every product must contain.
        region: ``(start, end)``, 1-based inclusive: primers and product stay inside it.
        product_size: ``(min, max)`` bp; default from :func:`default_product_size`.
        primer_tm: ``(min, optimum, max)`` primer Tm in °C (primer3's own Tm).
        primer_size: ``(min, optimum, max)`` primer length in nt.
        num_return: how many pairs to return at most.
        na_mM, mg_mM, dntp_mM, oligo_nM: reaction conditions handed to primer3.

    Raises:
        UserInputError: bad sequence, target or region outside the template, or options primer3 rejects.

    Example:
        >>> d = design_primers(lacz_fragment, target=(300, 50))  # doctest: +SKIP
        >>> d.pairs[0].left.sequence in lacz_fragment  # doctest: +SKIP
        True
    """
    import primer3

    seq = normalize(template, record_id="template")
    n = len(seq)
    check_conditions(na_mM=na_mM, mg_mM=mg_mM, dntp_mM=dntp_mM, oligo_nM=oligo_nM)
    if not 1 <= num_return <= 100:
        raise UserInputError(f"num_return must be 1-100, got {num_return}")
    seq_args: dict = {"SEQUENCE_ID": "template", "SEQUENCE_TEMPLATE": seq}
    lo, hi = 1, n
    if region is not None:
        lo, hi = _span(region, n, "region", as_length=False)
        seq_args["SEQUENCE_INCLUDED_REGION"] = [lo - 1, hi - lo + 1]
    if target is not None:
        t_start, t_end = _span(target, n, "target", as_length=True)
        if not lo <= t_start <= t_end <= hi:
            raise UserInputError(f"target {t_start}-{t_end} is not inside region {lo}-{hi}")
        seq_args["SEQUENCE_TARGET"] = [t_start - 1, t_end - t_start + 1]
    if product_size is None:
        product_size = default_product_size(hi - lo + 1, target[1] if target else None)
    p_min, p_max = (int(x) for x in product_size)
    if not 0 < p_min <= p_max:
        raise UserInputError(f"product_size must be (min, max) with 0 < min <= max, got {product_size}")
    tm_min, tm_opt, tm_max = (float(x) for x in primer_tm)
    s_min, s_opt, s_max = (int(x) for x in primer_size)
    if not (tm_min <= tm_opt <= tm_max and 0 < s_min <= s_opt <= s_max <= 36):
        raise UserInputError(f"primer_tm {primer_tm} / primer_size {primer_size} must be (min <= opt <= max)")
    global_args = {
        "PRIMER_NUM_RETURN": num_return,
        "PRIMER_PICK_INTERNAL_OLIGO": 0,
        "PRIMER_EXPLAIN_FLAG": 1,
        "PRIMER_PRODUCT_SIZE_RANGE": [[p_min, p_max]],
        "PRIMER_MIN_TM": tm_min,
        "PRIMER_OPT_TM": tm_opt,
        "PRIMER_MAX_TM": tm_max,
        "PRIMER_MIN_SIZE": s_min,
        "PRIMER_OPT_SIZE": s_opt,
        "PRIMER_MAX_SIZE": s_max,
        "PRIMER_SALT_MONOVALENT": na_mM,
        "PRIMER_SALT_DIVALENT": mg_mM,
        "PRIMER_DNTP_CONC": dntp_mM,
        "PRIMER_DNA_CONC": oligo_nM,
    }
    try:
        out = primer3.bindings.design_primers(seq_args, global_args)
    except (OSError, ValueError, TypeError) as exc:
        raise UserInputError(f"primer3 rejected the design request: {exc}") from exc
    cond = {"mv_conc": na_mM, "dv_conc": mg_mM, "dntp_conc": dntp_mM, "dna_conc": oligo_nM}
    pairs = []
    for pair, left, right in zip(out["PRIMER_PAIR"], out["PRIMER_LEFT"], out["PRIMER_RIGHT"], strict=True):
        lp, rp = _designed(left, "top", cond), _designed(right, "bottom", cond)
        het = primer3.bindings.calc_heterodimer(lp.sequence, rp.sequence, **cond)
        pairs.append(
            PrimerPair(
                left=lp,
                right=rp,
                product_size=pair["PRODUCT_SIZE"],
                product_tm_c=round(pair["PRODUCT_TM"], 2),
                heterodimer_tm_c=round(pair["COMPL_ANY_TH"], 2),
                heterodimer_end_tm_c=round(pair["COMPL_END_TH"], 2),
                heterodimer_dg_kcal=round(het.dg / 1000, 2),
                penalty=round(pair["PENALTY"], 4),
            )
        )
    explanation = {k.split("_")[1].lower(): v for k, v in out.items() if k.endswith("_EXPLAIN")}
    return PrimerDesign(
        template_length=n,
        target=tuple(target) if target else None,
        region=(lo, hi) if region else None,
        product_size_range=(p_min, p_max),
        primer_tm_c=(tm_min, tm_opt, tm_max),
        conditions=f"{na_mM:g} mM Na+, {mg_mM:g} mM Mg2+, {dntp_mM:g} mM dNTPs, {oligo_nM:g} nM oligo",
        pairs=pairs,
        explanation=explanation,
    )


def _designed(p: dict, strand: Strand, cond: dict) -> DesignedPrimer:
    import primer3

    pos, length = p["COORDS"]  # 0-based; for a right primer, pos is its 3' end on the top strand
    start, end = (pos + 1, pos + length) if strand == "top" else (pos - length + 2, pos + 1)
    return DesignedPrimer(
        sequence=p["SEQUENCE"],
        start=start,
        end=end,
        strand=strand,
        tm_c=round(p["TM"], 2),
        gc_percent=round(p["GC_PERCENT"], 2),
        hairpin_tm_c=round(p["HAIRPIN_TH"], 2),
        self_any_tm_c=round(p["SELF_ANY_TH"], 2),
        self_end_tm_c=round(p["SELF_END_TH"], 2),
        hairpin_dg_kcal=round(primer3.bindings.calc_hairpin(p["SEQUENCE"], **cond).dg / 1000, 2),
        homodimer_dg_kcal=round(primer3.bindings.calc_homodimer(p["SEQUENCE"], **cond).dg / 1000, 2),
        penalty=round(p["PENALTY"], 4),
    )


def _span(pair: tuple[int, int], n: int, name: str, *, as_length: bool) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in pair)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"{name} must be a pair of integers, got {pair!r}") from exc
    end = a + b - 1 if as_length else b
    form = "(start, length)" if as_length else "(start, end)"
    if not (1 <= a <= end <= n):
        raise UserInputError(f"{name} {form} = {pair} is not inside the {n} bp template (1-based)")
    return a, end


# --------------------------------------------------------------------------------------------- product
class BindingSite(BaseModel):
    """Where a primer's 3' part anneals. ``start`` > ``end`` when a site spans a circular origin."""

    primer: Literal["forward", "reverse"]
    strand: Strand
    start: int
    end: int
    annealed_length: int
    tail_length: int = Field(description="5' bases of the primer that do not match the template")

    def describe(self) -> str:
        return f"{self.start}-{self.end} on the {self.strand} strand"


class PcrProduct(BaseModel):
    """The product two primers give, or why there is none (``product_size`` None, ``problems`` say)."""

    template_length: int
    circular: bool
    forward: str
    reverse: str
    min_anneal: int
    forward_sites: list[BindingSite]
    reverse_sites: list[BindingSite]
    swapped: bool = Field(
        False, description="the 'forward' primer binds the bottom strand, 'reverse' the top"
    )
    product_size: int | None = None
    product_sequence: str | None = None
    forward_binding: BindingSite | None = Field(None, description="site of the primer on the top strand")
    reverse_binding: BindingSite | None = Field(None, description="site of the primer on the bottom strand")
    spans_origin: bool = False
    candidate_sizes: list[int] = Field(default_factory=list, description="all products the sites allow")
    problems: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        size = f"this {self.template_length:,} bp {'circular ' if self.circular else ''}template"
        if self.product_size is None:
            return f"These primers amplify no single product from {size}: {'; '.join(self.problems)}."
        f, r = self.forward_binding, self.reverse_binding
        extra = []
        if self.swapped:
            extra.append("the primers were given in swapped order")
        if self.spans_origin:
            extra.append("the product spans the origin")
        for name, site in (("forward", f), ("reverse", r)):
            if site.tail_length:
                extra.append(f"the {name} primer adds a {site.tail_length}-nt 5' tail")
        extra += self.problems
        return (
            f"These primers amplify a {self.product_size:,} bp product from {size} "
            f"(forward binds at {f.start}-{f.end} on the {f.strand} strand, reverse at "
            f"{r.start}-{r.end} on the {r.strand} strand{'; ' if extra else ''}{'; '.join(extra)})."
        )


def find_binding_sites(
    template: str, primer: str, name: Literal["forward", "reverse"], *, circular: bool, min_anneal: int
) -> list[BindingSite]:
    """Sites where ``primer``'s 3'-most ``min_anneal`` nt match either strand of ``template`` exactly."""
    n, k = len(template), min_anneal
    ring = template + template[: k - 1] if circular else template
    sites = []
    for strand, seed in (("top", primer[-k:]), ("bottom", reverse_complement(primer[-k:]))):
        hit = ring.find(seed)
        while 0 <= hit < n:
            if strand == "top":  # 3' end at hit + k - 1; extend leftwards along the primer's 5' part
                length = k
                while (
                    length < min(len(primer), n)
                    and _base(template, hit + k - 1 - length, circular) == (primer[-length - 1])
                ):
                    length += 1
                first = hit + k - length
            else:  # top-strand site starts at the primer's 3' end; extend rightwards
                rc = reverse_complement(primer)
                length = k
                while length < min(len(primer), n) and _base(template, hit + length, circular) == rc[length]:
                    length += 1
                first = hit
            if circular or first >= 0:
                start0 = first % n
                sites.append(
                    BindingSite(
                        primer=name,
                        strand=strand,
                        start=start0 + 1,
                        end=(start0 + length - 1) % n + 1,
                        annealed_length=length,
                        tail_length=len(primer) - length,
                    )
                )
            hit = ring.find(seed, hit + 1)
    return sites


def _base(template: str, i: int, circular: bool) -> str:
    if circular:
        return template[i % len(template)]
    return template[i] if 0 <= i < len(template) else ""


def pcr_product(
    template: str, forward: str, reverse: str, *, circular: bool = False, min_anneal: int = 15
) -> PcrProduct:
    """The product of ``forward`` and ``reverse`` on ``template`` (either order, tails allowed).

    A primer binds where its 3'-most ``min_anneal`` nt match exactly; bases further 5' that do not
    match form a tail. The product is the top-strand primer, the template between the two sites and the
    reverse complement of the bottom-strand primer, tails included. No binding site, several sites or
    primers facing away from each other give no product and a line in ``problems``, not an exception.

    Args:
        template: DNA sequence (ACGTN), the top strand.
        forward, reverse: primers 5'->3'.
        circular: the template is a circle (plasmid); products may span the origin.
        min_anneal: 3'-terminal bases that must match exactly.

    Raises:
        UserInputError: bad letters, a primer shorter than ``min_anneal``, ``min_anneal`` < 8.

    Example:
        >>> pcr_product("GGG" + "ACGTTGCAAGGCTTAGCAT" + "A" * 50 + "CCATGGTACCTTAGGCAAT", "ACGTTGCAAGGCTTAGCAT",
        ...             "ATTGCCTAAGGTACCATGG").product_size
        88
    """
    seq = normalize(template, record_id="template")
    fwd = normalize(forward, record_id="forward primer")
    rev = normalize(reverse, record_id="reverse primer")
    if isinstance(min_anneal, bool) or not isinstance(min_anneal, int) or min_anneal < 8:
        raise UserInputError(f"min_anneal must be an integer >= 8, got {min_anneal!r}")
    for name, p in (("forward", fwd), ("reverse", rev)):
        if len(p) < min_anneal:
            raise UserInputError(f"{name} primer is {len(p)} nt, shorter than min_anneal={min_anneal}")
    if len(seq) < min_anneal:
        raise UserInputError(f"template is {len(seq)} bp, shorter than min_anneal={min_anneal}")
    n = len(seq)
    f_sites = find_binding_sites(seq, fwd, "forward", circular=circular, min_anneal=min_anneal)
    r_sites = find_binding_sites(seq, rev, "reverse", circular=circular, min_anneal=min_anneal)
    result = PcrProduct(
        template_length=n,
        circular=circular,
        forward=fwd,
        reverse=rev,
        min_anneal=min_anneal,
        forward_sites=f_sites,
        reverse_sites=r_sites,
    )
    problems = result.problems
    for name, sites in (("forward", f_sites), ("reverse", r_sites)):
        if not sites:
            problems.append(
                f"the {name} primer does not bind (its 3'-most {min_anneal} nt match neither strand)"
            )
        elif len(sites) > 1:
            where = ", ".join(s.describe() for s in sites)
            problems.append(f"the {name} primer binds {len(sites)} sites ({where})")
    primers = {"forward": fwd, "reverse": rev}
    candidates = []  # (size, top site, bottom site)
    sites = f_sites + r_sites
    for top in (s for s in sites if s.strand == "top"):
        for bottom in (s for s in sites if s.strand == "bottom"):
            a, b, c, d = top.start - 1, top.end - 1, bottom.start - 1, bottom.end - 1
            off = (lambda x, a=a: (x - a) % n) if circular else (lambda x, a=a: x - a)
            if off(b) <= off(d) and 0 <= off(c) <= off(d) and (circular or top.start <= bottom.start):
                candidates.append((off(d) + 1 + top.tail_length + bottom.tail_length, top, bottom))
    result.candidate_sizes = sorted(c[0] for c in candidates)
    if not candidates:
        if f_sites and r_sites:
            strands = {s.strand for s in sites}
            why = "both primers bind the same strand" if len(strands) == 1 else "the primers face away"
            problems.append(f"{why}, so they cannot amplify anything between them")
        return result
    if len(candidates) > 1:
        problems.append(
            f"{len(candidates)} possible products ({', '.join(map(str, result.candidate_sizes))} bp)"
        )
        return result
    size, top, bottom = candidates[0]
    if top.primer == bottom.primer:
        problems.append(f"the {top.primer} primer alone amplifies this product (it binds both strands)")
    a, span = top.start - 1, size - top.tail_length - bottom.tail_length
    body = (seq + seq)[a : a + span] if circular else seq[a : a + span]
    top_primer, bottom_primer = primers[top.primer], primers[bottom.primer]
    result.product_sequence = (
        top_primer[: top.tail_length] + body + reverse_complement(bottom_primer[: bottom.tail_length])
    )
    result.product_size = size
    result.forward_binding, result.reverse_binding = top, bottom
    result.swapped = top.primer == "reverse" and bottom.primer == "forward"
    result.spans_origin = circular and a + span > n
    return result
