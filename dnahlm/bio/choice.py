"""Which of the candidates: evaluate every option by one criterion, then choose.

A question that lists options ("which of the following has the highest GC content?", "which primer pair
gives a 412 bp product from this template?", "which fragment carries an EcoRI site?") is answered by
computing the criterion for each option with the same library function and choosing the best (or every
option that meets it). Each option's value is kept, so the answer shows how close the others came.

Example:
    >>> choose([["ATATATAT"], ["GCGCGCAT"]], ["A", "B"], "gc_high").label
    'B'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from dnahlm.errors import UserInputError

Criterion = Literal[
    "gc_high", "gc_low", "longest", "shortest", "tm_high", "tm_low", "cut_by", "not_cut_by", "has_pattern",
    "longest_orf", "product_size", "mass_high", "mass_low",
]  # fmt: skip
WORDS = {
    "gc_high": "the highest GC content", "gc_low": "the lowest GC content", "longest": "the longest",
    "shortest": "the shortest", "tm_high": "the highest melting temperature", "tm_low": "the lowest melting temperature",
    "cut_by": "a site for {enzymes}", "not_cut_by": "no site for {enzymes}", "has_pattern": "a match to {pattern}",
    "longest_orf": "the longest ORF", "product_size": "a {size:,} bp product from the template",
    "mass_high": "the heaviest encoded protein", "mass_low": "the lightest encoded protein",
}  # fmt: skip


class Choice(BaseModel):
    """The option chosen, and every option's value under the criterion."""

    criterion: Criterion
    label: str | None = Field(description="the chosen option (None: no option meets the criterion)")
    chosen: list[str] = Field(description="every option that meets a yes/no criterion, or the best one")
    values: dict[str, str] = Field(description="each option's value, in words")
    what: str = Field(description="the criterion in words")

    def summary(self) -> str:
        others = "; ".join(f"{k}: {v}" for k, v in self.values.items())
        if self.label is None:
            return f"None of the options has {self.what} ({others})."
        if len(self.chosen) > 1:
            return f"Options {', '.join(self.chosen)} have {self.what} ({others})."
        return f"Option {self.label} has {self.what} ({others})."


def _value(criterion: str, option: list[str], *, enzymes: list[str], pattern: str | None, template: str | None,
           circular: bool) -> tuple[float, str]:  # fmt: skip
    """One option's number under the criterion (higher is better, or 1/0 for yes/no), and its words."""
    seq = option[0]
    if criterion in ("gc_high", "gc_low"):
        from dnahlm.sequences import gc_content

        gc = gc_content(seq)
        return gc, f"{100 * gc:.1f}% GC"
    if criterion in ("longest", "shortest"):
        return len(seq), f"{len(seq):,} nt"
    if criterion in ("tm_high", "tm_low"):
        from dnahlm.bio.melting import melting_temperature

        tm = melting_temperature(seq).tm_c
        return tm, f"Tm {tm:.1f} °C"
    if criterion in ("cut_by", "not_cut_by"):
        from dnahlm.bio.restriction import digest

        n = sum(e.count for e in digest(seq, enzymes, circular=circular).enzymes)
        return float(n > 0), f"{n} site(s)"
    if criterion == "has_pattern":
        from dnahlm.bio.transcripts import find_pattern

        n = find_pattern(seq, pattern or "").count
        return float(n > 0), f"{n} match(es)"
    if criterion in ("longest_orf", "mass_high", "mass_low"):
        from dnahlm.bio.orfs import find_orfs

        orfs = find_orfs(seq, min_protein_length=1, max_orfs=1)
        if criterion == "longest_orf":
            return (orfs[0].length_aa if orfs else 0), f"{orfs[0].length_aa if orfs else 0} aa"
        from dnahlm.bio.protein import protein_properties

        mass = protein_properties(orfs[0].protein).molecular_weight_da if orfs else 0.0
        return mass, f"{mass / 1000:.2f} kDa"
    if criterion == "product_size":
        from dnahlm.bio.pcr import pcr_product

        if len(option) < 2 or template is None:
            raise UserInputError("a primer-pair option needs two primers and the question a template")
        size = pcr_product(template, option[0], option[1], circular=circular).product_size
        return (size or 0), (f"{size:,} bp" if size else "no product")
    raise UserInputError(f"unknown criterion {criterion!r}")


def choose(
    options: list[list[str]],
    labels: list[str],
    criterion: Criterion,
    *,
    enzymes: list[str] | None = None,
    pattern: str | None = None,
    template: str | None = None,
    size: int | None = None,
    circular: bool = False,
) -> Choice:
    """The option that best meets ``criterion`` (see the module docstring).

    Args:
        options: each option's sequences (one, or a primer pair).
        labels: how the question labels them ("A", "B" or "1", "2").
        criterion: what to compare; ``*_low``/``shortest`` choose the smallest value.
        enzymes, pattern: for ``cut_by``/``not_cut_by`` and ``has_pattern``.
        template, size: for ``product_size``: the option whose product is closest to ``size`` bp.
    """
    if len(options) != len(labels) or len(options) < 2:
        raise UserInputError("a choice needs at least two labelled options")
    enzymes = enzymes or []
    scored = {
        lab: _value(criterion, opt, enzymes=enzymes, pattern=pattern, template=template, circular=circular)
        for lab, opt in zip(labels, options, strict=True)
    }
    values = {k: v[1] for k, v in scored.items()}
    what = WORDS[criterion].format(enzymes=" or ".join(enzymes) or "the enzyme", pattern=pattern or "the pattern",
                                   size=size or 0)  # fmt: skip
    if criterion in ("cut_by", "not_cut_by", "has_pattern"):
        want = 0.0 if criterion == "not_cut_by" else 1.0
        chosen = [k for k, v in scored.items() if v[0] == want]
        return Choice(
            criterion=criterion, label=chosen[0] if chosen else None, chosen=chosen, values=values, what=what
        )
    if criterion == "product_size":
        if size is None:
            raise UserInputError("which product size? the question names none")
        close = {k: abs(v[0] - size) for k, v in scored.items() if v[0]}
        best = min(close, key=close.get) if close else None
        ok = best is not None and close[best] <= max(2, size // 50)
        return Choice(
            criterion=criterion,
            label=best if ok else None,
            chosen=[best] if ok else [],
            values=values,
            what=what,
        )
    low = criterion.endswith("_low") or criterion == "shortest"
    best = (min if low else max)(scored, key=lambda k: scored[k][0])
    return Choice(criterion=criterion, label=best, chosen=[best], values=values, what=what)


__all__ = ["Choice", "choose"]
