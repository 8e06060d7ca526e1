"""The asked form first: a count, a yes/no verdict or a choice as the answer's first sentence.

A question asks for a count ("how many fragments?"), a verdict ("does EcoRI cut it?", "is there a
premature stop?") or a choice ("which of the following...?"); the form is read from its words
(:attr:`.operands.Query.form`). :func:`lead` writes that first sentence from the last step that can give
it, so the answer starts with "3 fragments." or "No: EcoRI does not cut this sequence." before the
supporting detail. Numbers, sequences and choices already lead their step's own sentence; then nothing
is added.
"""

from __future__ import annotations

import re
from typing import Any

from .operands import Query


def _count(tool: str, r: Any, query: Query) -> str | None:
    q = query.lower
    if tool == "digest":
        return f"{r.count:,} fragment{'s' if r.count != 1 else ''}"
    if tool == "find_orfs":
        return f"{len(r):,} ORF{'s' if len(r) != 1 else ''}"
    if tool == "find_pattern":
        strands = "both strands" if r.searched_strands == 2 else "the given strand"
        return f"{r.count:,} match{'es' if r.count != 1 else ''} of {r.pattern} (on {strands})"
    if tool == "restriction_sites":
        cutting = [e for e in r.enzymes if e.count or query.enzymes]
        if len(cutting) == 1:
            e = cutting[0]
            return f"{e.count:,} {e.enzyme} site{'s' if e.count != 1 else ''}"
        return None
    if tool == "cutters" and r.times is not None:
        names = r.exactly if r.times not in (1, 2) else (r.once if r.times == 1 else r.twice)
        return f"{len(names):,} enzyme{'s' if len(names) != 1 else ''}"
    if tool in ("protein_properties", "translate_frame") and re.search(
        r"amino acids?|residues|\baa\b|long", q
    ):
        n = r.length_aa
        return f"{n:,} amino acid{'s' if n != 1 else ''}"
    if tool == "pcr_product" and r.product_size is not None and re.search(r"products?|bands?", q):
        return f"1 product ({r.product_size:,} bp)"
    if tool == "align_identity" and re.search(r"mismatch|differen", q):
        return f"{r.mismatches:,} mismatch{'es' if r.mismatches != 1 else ''}"
    return None


def _verdict(tool: str, r: Any, query: Query) -> str | None:
    q = query.lower
    if tool == "compare_clone":
        return None  # its own sentence starts with Yes or No
    if tool in ("digest", "restriction_sites") and query.enzymes:
        sites = {e.enzyme: e.count for e in r.enzymes}
        cut = [e for e, n in sites.items() if n]
        if not cut:
            return f"No: {' or '.join(sites)} does not cut this sequence"
        listed = ", ".join(f"{e} {sites[e]} time{'s' if sites[e] != 1 else ''}" for e in cut)
        return f"Yes: it is cut ({listed})"
    if tool == "pcr_product":
        if r.product_size is None:
            return "No: these primers give no single product"
        return f"Yes: a {r.product_size:,} bp product"
    if tool == "find_pattern":
        return f"Yes: {r.count:,} match(es) of {r.pattern}" if r.count else f"No: {r.pattern} does not occur"
    if tool == "align_identity" and re.search(r"identical|same", q):
        return (
            "Yes: they are identical"
            if r.identity == 1 and not r.gaps
            else f"No: {100 * r.identity:.1f}% identity"
        )
    if tool == "mutation_effect":
        for word in ("synonymous", "missense", "nonsense", "frameshift", "silent"):
            if word in q:
                kind = "synonymous" if word == "silent" else word
                is_it = kind in r.consequence
                return f"{'Yes' if is_it else 'No'}: it is {'a' if r.consequence[0] not in 'aeiou' else 'an'} {r.consequence} change"
        if re.search(r"stop|truncat", q):
            return f"{'Yes' if 'nonsense' in r.consequence or 'stop' in r.consequence else 'No'}: {r.hgvs_p}"
    if tool in ("find_orfs", "count_orfs"):
        found = r if isinstance(r, list) else r.orfs
        return f"Yes: {len(found)} ORF(s) qualify" if found else "No: no ORF qualifies"
    if tool == "cloning_primers" and re.search(r"cut|site", q):
        return None
    return None


def lead(query: Query, results: list[Any]) -> tuple[str, int] | None:
    """The first sentence in the asked form, and the index of the call it rests on (None: the first
    step's own sentence already leads with what was asked)."""
    make = {"count": _count, "verdict": _verdict}.get(query.form)
    if make is None:
        return None
    for i in range(len(results) - 1, -1, -1):
        call = results[i]
        if not call.ok or call.result is None:
            continue
        text = make(call.tool, call.result, query)
        if text:
            return text, i
    return None


__all__ = ["lead"]
