"""The question set of ``bench_ask_questions``: plain bench-biology questions about real sequences.

Sequences: protein-coding genes of the E. coli K-12 MG1655 GenBank record (CDS features of 600-3,000 bp
that start with ATG, end with a stop, translate without internal stops under table 11 and agree with
their ``/translation``), promoter-length windows upstream of such genes (300-500 bp, read 5'->3' towards
the start codon; ``regulatory_variant`` writes a TATA box into 300 bp ones) and, for circular digests,
four real plasmids of the shared Biopython test records.

Every expected answer is computed here with Biopython (``Bio.Restriction``, ``Bio.SeqUtils``,
``Bio.SeqUtils.MeltingTemp``, ``Bio.SeqUtils.ProtParam``, ``Bio.Align``) or primer3-py, or by slicing and
brute force; nothing from ``dnahlm`` is imported. Each family draws from its own RNG seeded with
``f"{seed}:{family}"``, so choosing a subset of families does not change the questions.

Each question carries a ``check(answer_text) -> (passed, detail)`` and a ``reference`` answer (what a
correct answer could say); ``--answer oracle`` asks the reference answers, which must all pass.
"""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from Bio import Restriction, SeqIO
from Bio.Seq import Seq
from Bio.SeqUtils import MeltingTemp as mt
from Bio.SeqUtils import gc_fraction, nt_search
from Bio.SeqUtils.ProtParam import ProteinAnalysis

from . import scoring as sc

GENBANK = "annotated/ecoli_K12_MG1655_NC_000913.3.gbff.gz"
PLASMIDS = [  # (file, name in the question); all are treated as circular
    ("annotated/biopython_tests/pBAD30.gb", "pBAD30"),
    ("annotated/biopython_tests/addgene-plasmid-39296-sequence-49545.gbk", "Addgene plasmid 39296"),
    ("annotated/biopython_tests/addgene-plasmid-11664-sequence-180430.gbk", "Addgene plasmid 11664 (pPRIME)"),
    ("annotated/biopython_tests/NC_005816.gb", "pPCP1 (Yersinia pestis)"),
]  # fmt: skip

# Enzymes for the digest families: well-known prototypes plus isoschizomers under other names.
COMMON_ENZYMES = [
    "EcoRI", "HindIII", "BamHI", "PstI", "SalI", "XhoI", "KpnI", "SacI", "SmaI", "NcoI", "NdeI", "XbaI",
    "SphI", "BglII", "EcoRV", "ClaI", "MluI", "NheI", "ApaI", "PvuII", "ScaI", "HincII", "AvaI", "StuI",
    "NruI", "BsaAI", "HaeII", "AgeI", "BstBI", "MfeI", "SacII", "BanI", "SspI", "DraI", "AflII",
]  # fmt: skip
ISOSCHIZOMERS = [
    "AccB1I",
    "Ppu21I",
    "Eco32I",
    "BshTI",
    "Kpn2I",
    "Bsp143I",
    "HapII",
    "BsuRI",
    "Hin6I",
    "Csp6I",
]
FOUR_CUTTERS = ["HapII", "MspI", "HaeIII", "AluI", "TaqI", "RsaI", "Bsp143I", "Csp6I", "Hin6I", "BsuRI"]

IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT",
    "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip
MOTIFS = [
    "TATAWAW",
    "TTGACA",
    "TATAAT",
    "AGGAGG",
    "CCAAT",
    "GGGCGG",
    "TGTGA",
    "WGATAR",
    "TTTTTTTT",
    "GCCNNNNNGGC",
]

TM_CONDITIONS = "nearest-neighbour method, SantaLucia 2004 parameters, 50 mM Na+, no Mg2+, primer 250 nM in excess over the template"


@dataclass
class Question:
    family: str
    qid: str
    question: str
    sequences: list[str]
    expected: Any  # JSON-able expected value
    expected_text: str  # what the answer must contain, in words
    reference: str  # an answer that passes (for --answer oracle)
    check: Callable[[str], tuple[bool, str]] = field(repr=False)
    info: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------- sequences


@dataclass(frozen=True)
class Gene:
    name: str  # gene name (locus tag when unnamed)
    locus: str
    product: str
    cds: str  # coding strand, ATG..stop
    protein: str  # without the stop
    upstream: str  # 500 bp before the start codon, 5'->3' on the gene's strand


def rc(s: str) -> str:
    return str(Seq(s).reverse_complement())


@lru_cache(maxsize=2)
def load_genes(data: str) -> tuple[Gene, ...]:
    path = Path(data) / GENBANK
    with gzip.open(path, "rt") as fh:
        record = SeqIO.read(fh, "genbank")
    genome = str(record.seq).upper()
    genes = []
    for f in record.features:
        if f.type != "CDS" or "pseudo" in f.qualifiers or "translation" not in f.qualifiers:
            continue
        if len(f.location.parts) != 1:
            continue
        cds = str(f.extract(record.seq)).upper()
        if not 600 <= len(cds) <= 3000 or not cds.startswith("ATG") or set(cds) - set("ACGT"):
            continue
        try:
            protein = str(Seq(cds).translate(table=11, cds=True))
        except Exception:  # internal stop, no stop, length not a multiple of 3
            continue
        if protein != f.qualifiers["translation"][0]:
            continue
        start, end = int(f.location.start), int(f.location.end)
        if f.location.strand == 1:
            if start < 500:
                continue
            upstream = genome[start - 500 : start]
        else:
            if end + 500 > len(genome):
                continue
            upstream = rc(genome[end : end + 500])
        locus = f.qualifiers.get("locus_tag", ["?"])[0]
        genes.append(Gene(f.qualifiers.get("gene", [locus])[0], locus, f.qualifiers.get("product", [""])[0],
                          cds, protein, upstream))  # fmt: skip
    genes.sort(key=lambda g: g.locus)
    return tuple(genes)


@lru_cache(maxsize=2)
def load_plasmids(data: str) -> tuple[tuple[str, str], ...]:
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rel, name in PLASMIDS:
            p = Path(data) / rel
            if p.exists():
                out.append((name, str(SeqIO.read(p, "genbank").seq).upper()))
    return tuple(out)


class Pool:
    """Deterministic draws of genes and windows for one family, and the wording of its questions."""

    def __init__(self, data: Path, seed: int, family: str, phrasing: str = "default"):
        self.genes = load_genes(str(data))
        self.data = data
        self.rng = random.Random(f"{seed}:{family}")
        self.order = list(range(len(self.genes)))
        self.rng.shuffle(self.order)
        self.next = 0
        self.phrase = Phrasing(phrasing, seed, family)

    def gene(self) -> Gene:
        g = self.genes[self.order[self.next % len(self.order)]]
        self.next += 1
        return g

    def window(self, lo: int, hi: int) -> tuple[str, str]:
        """A window of lo..hi bp inside a gene's CDS (its name, sequence)."""
        g = self.gene()
        n = self.rng.randint(lo, min(hi, len(g.cds)))
        s = self.rng.randint(0, len(g.cds) - n)
        return f"{g.name} CDS {s + 1}..{s + n}", g.cds[s : s + n]

    def promoter(self, lo: int = 300, hi: int = 500) -> tuple[str, str]:
        g = self.gene()
        n = self.rng.randint(lo, hi)
        return f"{n} bp upstream of {g.name}", g.upstream[-n:]


# ----------------------------------------------------------------------------------------- phrasing

PHRASINGS = ("default", "heldout", "heldout2")
# The hand-written template files of the held-out phrasings, written independently of each other.
HELDOUT_FILES = {
    "heldout": Path(__file__).with_name("heldout_phrasings.json"),
    "heldout2": Path(__file__).with_name("heldout2_phrasings.json"),
}
HELDOUT_FILE = HELDOUT_FILES["heldout"]

# The slot values each family's question is written from, by question kind ("" where a family asks one
# kind), with an example value of each: a held-out template may use any of them and no other.
SLOTS: dict[str, dict[str, dict[str, Any]]] = {
    "digest_count": {"": {"length": 1_234, "a": "EcoRI", "b": "bamhi"}},
    "digest_sizes": {"": {"length": 1_234, "enzyme": "HindIII"}},
    "digest_circular": {k: {"length": 4_321, "enzyme": "PstI", "plasmid": "pBAD30"} for k in ("sizes", "count")},
    "cutters_once": {"": {"length": 456}},
    "pcr_product": {"": {"fwd": "ATGACCATGATTACGGATTC", "rev": "TTAGCGGCCGCAAGCTTGGC", "length": 1_234}},
    "pcr_tailed": {"": {"fwd": "CGGAATTCATGACCATGATTACGGATTC", "rev": "GCGCAAGCTTTTAGCGGCCGCAAGCTTGGC",
                        "length": 1_234}},
    "primer_design": {"": {"length": 987}},
    "tm": {"nearest_neighbour": {"oligo": "AGCTTGCATGCCTGCAGGTC", "length": 20, "conditions": TM_CONDITIONS},
           "wallace": {"oligo": "AGCTTGCATGCC", "length": 12}},
    "protein_mw": {"": {"length": 1_234}},
    "protein_pi": {"": {"length": 1_234}},
    "residue_at": {"": {"pos": 57, "length": 1_234}},
    "mutation": {"": {"ref": "A", "alt": "G", "pos": 123}},
    "transcription": {"": {"strand": "coding", "length": 90}},
    "translation": {"": {"frame": 2, "length": 120}},
    "reverse_complement": {"": {"length": 150}},
    "gc_content": {"": {"length": 480}},
    "alignment": {"in_text": {"seq1": "ACGTACGTTA", "seq2": "ACGAACGTTA", "length": 10}, "attached": {"length": 10}},
    "pattern": {"": {"motif": "TTGACA", "length": 400}},
    "cloning_primers": {"": {"e5": "NdeI", "e3": "XhoI", "length": 1_234}},
    "codon_usage": {"": {"length": 1_234}},
    "regulatory_variant": {"": {"ref": "T", "alt": "G", "pos": 87}},
}  # fmt: skip


@lru_cache(maxsize=len(HELDOUT_FILES))
def heldout_templates(style: str = "heldout") -> dict[str, dict[str, list[str]]]:
    """The template file of held-out phrasing ``style`` (``HELDOUT_FILES``) as {family: {kind: templates}}
    (kind "" for a family's plain list)."""
    raw = json.loads(HELDOUT_FILES[style].read_text(encoding="utf-8"))
    return {f: (v if isinstance(v, dict) else {"": v}) for f, v in raw.items() if not f.startswith("_")}


class Phrasing:
    """How one family's questions are worded. ``default``: the family's own template, the question set the
    benchmark has always asked. ``heldout`` (and ``heldout2``, a second set written independently): the
    templates of ``heldout_phrasings.json`` (``heldout2_phrasings.json``) for the question's kind, taken in turn in an order shuffled once per (seed, family, kind) by an RNG of their own, so the
    family's draws (its sequences and expected answers) are the same under both phrasings, consecutive
    questions of a kind never share a template and n questions of a kind use min(n, templates) of them.
    ``used`` lists the template of each question asked, in order ("kind#index"; None under default)."""

    def __init__(self, style: str, seed: int, family: str):
        if style not in PHRASINGS:
            raise ValueError(f"unknown phrasing {style!r}; choose from {', '.join(PHRASINGS)}")
        self.style, self.seed, self.family = style, seed, family
        self.order: dict[str, list[int]] = {}
        self.asked: dict[str, int] = {}
        self.used: list[str | None] = []

    def __call__(self, default: str, kind: str = "", **slots: Any) -> str:
        names = SLOTS[self.family][kind]
        assert set(slots) == set(names), f"{self.family}/{kind}: slots {sorted(slots)} != {sorted(names)}"
        if self.style == "default":
            self.used.append(None)
            return default
        templates = heldout_templates(self.style)[self.family][kind]
        if kind not in self.order:
            self.order[kind] = list(range(len(templates)))
            random.Random(f"{self.seed}:{self.family}:{kind}:{self.style}").shuffle(self.order[kind])
        asked = self.asked.get(kind, 0)
        self.asked[kind] = asked + 1
        k = self.order[kind][asked % len(templates)]
        self.used.append(f"{kind or self.family}#{k}")
        return templates[k].format(**slots)


# ------------------------------------------------------------------------------------------- helpers


def enzyme(name: str) -> Any:
    return getattr(Restriction, name)


def cuts(name: str, seq: str, linear: bool = True) -> list[int]:
    return sorted(enzyme(name).search(Seq(seq), linear=linear))


def linear_sizes(positions: list[int], length: int) -> list[int]:
    """Fragment sizes of a linear sequence cut before the 1-based ``positions``."""
    bounds = [1, *sorted(set(positions)), length + 1]
    return [b - a for a, b in itertools.pairwise(bounds)]


def plural(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def fmt_sizes(sizes: list[int]) -> str:
    return ", ".join(f"{s:,}" for s in sizes) + " bp"


def sizes_check(expected: list[int]) -> Callable[[str], tuple[bool, str]]:
    """All expected sizes appear among the numbers of the whole answer."""

    def check(text: str) -> tuple[bool, str]:
        got = {round(n.value) for n in sc.numbers(text) if n.value == int(n.value)}
        missing = [s for s in sorted(set(expected)) if s not in got]
        return not missing, f"missing {missing}" if missing else "all sizes found"

    return check


FRAGMENT_NOUNS = ("fragment", "piece", "band")


def count_check(
    expected: int, nouns: tuple[str, ...], fallback: bool = True
) -> Callable[[str], tuple[bool, str]]:
    """The count written before one of ``nouns`` (anywhere); else, with ``fallback``, the first number of
    the first sentence. Fragment counts use no fallback: '2 cuts' is not a fragment count."""

    def check(text: str) -> tuple[bool, str]:
        got = sc.count_in(text, nouns, fallback=fallback)
        return got == expected, f"read {got}"

    return check


def value_check(expected: float, tol: float, units: tuple[str, ...], scale: dict[str, float] | None = None):
    """A number of the first sentence within ``tol``: the numbers written with one of ``units`` when any
    is, else all its numbers; ``scale`` converts units (kDa -> Da)."""

    def check(text: str) -> tuple[bool, str]:
        nums = sc.with_unit(sc.numbers(sc.first_sentence(text)), units)
        vals = [n.value * (scale or {}).get(n.unit, 1.0) for n in nums]
        ok = any(sc.near(v, expected, tol) for v in vals)
        return ok, f"read {[round(v, 3) for v in vals][:8]}"

    return check


def string_check(expected: str) -> Callable[[str], tuple[bool, str]]:
    """The expected string appears in the answer (upper case, white space removed)."""

    def check(text: str) -> tuple[bool, str]:
        ok = sc.squash(expected) in sc.squash(text)
        return ok, "found" if ok else "not found"

    return check


# ------------------------------------------------------------------------------------------ families


def fam_digest_count(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    names = COMMON_ENZYMES + ISOSCHIZOMERS
    tries = 0
    while len(out) < n and tries < 5000:
        tries += 1
        g = pool.gene()
        cutting = {e: c for e in names if 1 <= len(c := cuts(e, g.cds)) <= 4}
        first = [e for e in ISOSCHIZOMERS if e in cutting] if len(out) % 3 == 0 else sorted(cutting)
        if not first or len(cutting) < 2:
            continue
        a = pool.rng.choice(sorted(first))
        b = pool.rng.choice(sorted(e for e in cutting if e != a))
        batch = Restriction.RestrictionBatch([enzyme(a), enzyme(b)])
        positions = sorted({p for ps in batch.search(Seq(g.cds), linear=True).values() for p in ps})
        expected = len(positions) + 1
        if expected > 10:
            continue
        sa, sb = (a.lower(), b.lower()) if len(out) % 4 == 1 else (a, b)
        q = f"How many fragments does a double digest of this {len(g.cds):,} bp linear sequence with {sa} and {sb} give?"
        q = pool.phrase(q, length=len(g.cds), a=sa, b=sb)
        out.append(Question("digest_count", "", q, [g.cds], expected, plural(expected, "fragment"),
                            f"A double digest with {a} and {b} gives {expected} fragments.",
                            count_check(expected, FRAGMENT_NOUNS, fallback=False),
                            {"gene": g.name, "enzymes": [a, b], "cut_positions": positions}))  # fmt: skip
    return out


def fam_digest_sizes(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    names = COMMON_ENZYMES + ISOSCHIZOMERS + FOUR_CUTTERS
    while len(out) < n:
        g = pool.gene()
        cutting = sorted(e for e in names if 1 <= len(cuts(e, g.cds)) <= 4)
        if not cutting:
            continue
        e = pool.rng.choice(cutting)
        sizes = sorted(len(f) for f in enzyme(e).catalyse(Seq(g.cds), linear=True))
        assert sizes == sorted(linear_sizes(cuts(e, g.cds), len(g.cds))) and sum(sizes) == len(g.cds)
        name = e.lower() if len(out) % 5 == 2 else e
        q = f"What fragment sizes does {name} give on this {len(g.cds):,} bp linear sequence?"
        q = pool.phrase(q, length=len(g.cds), enzyme=name)
        out.append(Question("digest_sizes", "", q, [g.cds], sizes, fmt_sizes(sizes),
                            f"{e} cuts {len(sizes) - 1} time(s), giving fragments of {fmt_sizes(sizes)}.",
                            sizes_check(sizes), {"gene": g.name, "enzyme": e, "cuts": cuts(e, g.cds)}))  # fmt: skip
    return out


def fam_digest_circular(pool: Pool, n: int) -> list[Question]:
    plasmids = load_plasmids(str(pool.data))
    if not plasmids:
        return []
    names = COMMON_ENZYMES + ISOSCHIZOMERS + ["NotI", "SfiI", "AscI", "PacI", "BsaI", "SpeI", "AatII", "PvuI"]
    out: list[Question] = []
    used: set[tuple[str, str]] = set()
    i = 0
    while len(out) < n and i < 2000:
        pname, seq = plasmids[i % len(plasmids)]
        i += 1
        ncuts = {e: len(cuts(e, seq, linear=False)) for e in names if (pname, e) not in used}
        cutting = sorted(e for e, k in ncuts.items() if 1 <= k <= 4)
        several = [e for e in cutting if ncuts[e] >= 2]  # size questions: prefer enzymes that cut 2-4 times
        if not cutting:
            continue
        e = pool.rng.choice(cutting if len(out) % 3 == 2 or not several else several)
        used.add((pname, e))
        sizes = sorted(len(f) for f in enzyme(e).catalyse(Seq(seq), linear=False))
        ncut = len(cuts(e, seq, linear=False))
        assert sum(sizes) == len(seq) and len(sizes) == ncut
        if len(out) % 3 == 2:  # a count question
            q = f"How many fragments does {e} give when it digests this {len(seq):,} bp circular plasmid ({pname})?"
            q = pool.phrase(q, "count", length=len(seq), enzyme=e, plasmid=pname)
            out.append(Question("digest_circular", "", q, [seq], ncut, plural(ncut, "fragment"),
                                f"{e} cuts the circular plasmid {ncut} time(s), giving {ncut} fragments.",
                                count_check(ncut, FRAGMENT_NOUNS, fallback=False), {"plasmid": pname, "enzyme": e, "sizes": sizes}))  # fmt: skip
        else:
            q = f"What fragment sizes does {e} give on this {len(seq):,} bp circular plasmid ({pname})?"
            q = pool.phrase(q, "sizes", length=len(seq), enzyme=e, plasmid=pname)
            out.append(Question("digest_circular", "", q, [seq], sizes, fmt_sizes(sizes),
                                f"{e} cuts the circular plasmid {ncut} time(s), giving {fmt_sizes(sizes)}.",
                                sizes_check(sizes), {"plasmid": pname, "enzyme": e}))  # fmt: skip
    return out


def fam_cutters_once(pool: Pool, n: int) -> list[Question]:
    """Check: the answer's stated count (the number before 'enzyme(s)'/'cutter(s)', else the first number of
    the first sentence) equals the number of commercially available enzymes (``Bio.Restriction.CommOnly``)
    with exactly one cut, and a check enzyme drawn from that set (a well-known one when the set has one) is
    named anywhere in the answer."""
    out: list[Question] = []
    known = set(COMMON_ENZYMES + ISOSCHIZOMERS + FOUR_CUTTERS)
    while len(out) < n:
        label, seq = pool.promoter(300, 500) if len(out) % 2 else pool.window(300, 600)
        found = Restriction.CommOnly.search(Seq(seq), linear=True)
        once = sorted(str(e) for e, ps in found.items() if len(ps) == 1)
        if not once:
            continue
        prefer = [e for e in once if e in known]
        check_enzyme = pool.rng.choice(prefer or once)
        q = pool.phrase(
            f"Which commercially available enzymes cut this {len(seq)} bp sequence exactly once?",
            length=len(seq),
        )
        check = _cutters_check(len(once), check_enzyme)

        out.append(Question("cutters_once", "", q, [seq], {"count": len(once), "check_enzyme": check_enzyme},
                            f"{len(once)} enzymes, including {check_enzyme}",
                            f"{len(once)} commercially available enzymes cut once: {', '.join(once)}.",
                            check, {"source": label, "single_cutters": once}))  # fmt: skip
    return out


def _cutters_check(k: int, e: str) -> Callable[[str], tuple[bool, str]]:
    def check(text: str) -> tuple[bool, str]:
        got = sc.count_in(text, ("enzyme", "cutter"))
        named = sc.has_word(text, e)
        return got == k and named, f"count read {got}, {e} {'named' if named else 'not named'}"

    return check


def _primer_positions(pool: Pool, cds: str, lo: int, hi: int) -> tuple[int, int] | None:
    """(i, j): forward = cds[i:i+20], reverse = rc(cds[j-20:j]), product j - i in lo..hi, both unique."""
    for _ in range(50):
        size = pool.rng.randint(lo, min(hi, len(cds) - 1))
        i = pool.rng.randint(0, len(cds) - size)
        j = i + size
        f, r = cds[i : i + 20], rc(cds[j - 20 : j])
        both = cds + "|" + rc(cds)
        if (
            both.count(f) == 1
            and both.count(r) == 1
            and 0.35 <= gc_fraction(f) <= 0.65
            and 0.35 <= gc_fraction(r) <= 0.65
        ):
            return i, j
    return None


def _pcr(pool: Pool, n: int, tailed: bool) -> list[Question]:
    family = "pcr_tailed" if tailed else "pcr_product"
    tails_f = [("GAATTC", "EcoRI"), ("GGATCC", "BamHI"), ("CATATG", "NdeI"), ("CCATGG", "NcoI")]
    tails_r = [("AAGCTT", "HindIII"), ("CTCGAG", "XhoI"), ("GCGGCCGC", "NotI"), ("TCTAGA", "XbaI")]
    leaders = ["CG", "GCG", "CCG", "ATAT", "GCGC", "TTAA", "CCGGCG"]
    out: list[Question] = []
    while len(out) < n:
        g = pool.gene()
        pos = _primer_positions(pool, g.cds, 150, 1500)
        if pos is None:
            continue
        i, j = pos
        f, r = g.cds[i : i + 20], rc(g.cds[j - 20 : j])
        product = g.cds[i:j]
        assert product.startswith(f) and rc(product).startswith(r)
        size = len(product)
        info: dict[str, Any] = {"gene": g.name, "forward_at": i + 1, "reverse_end": j, "product": size}
        if tailed:
            tf = pool.rng.choice(leaders) + pool.rng.choice(tails_f)[0]
            tr = pool.rng.choice(leaders) + pool.rng.choice(tails_r)[0]
            f, r = tf + f, tr + r
            size += len(tf) + len(tr)
            info.update(tail_forward=tf, tail_reverse=tr)
            q = (f"What size product do the primers {f} and {r} give on this template? "
                 "Both primers carry a 5' tail with a restriction site.")  # fmt: skip
        else:
            q = f"What product do the primers {f} and {r} give on this template?"
        q = pool.phrase(q, fwd=f, rev=r, length=len(g.cds))
        out.append(Question(family, "", q, [g.cds], size, f"{size:,} bp",
                            f"The primers amplify a {size:,} bp product.",
                            value_check(size, 0, ("bp",)), info))  # fmt: skip
    return out


def fam_pcr_product(pool: Pool, n: int) -> list[Question]:
    return _pcr(pool, n, tailed=False)


def fam_pcr_tailed(pool: Pool, n: int) -> list[Question]:
    return _pcr(pool, n, tailed=True)


def primer_pair_ok(template: str, words: list[str]) -> tuple[bool, str]:
    """The first two primer-like words: the first occurs in the template and the second's reverse
    complement occurs downstream of (starting after the start of) the first."""
    if len(words) < 2:
        return False, f"{len(words)} primer sequence(s) found"
    f, r = words[0], words[1]
    i = template.find(f)
    if i < 0:
        return False, "first primer not in template"
    j = template.find(rc(r), i + 1)
    if j < 0:
        return False, "second primer's reverse complement not downstream of the first"
    return True, f"product {j + len(r) - i} bp"


def fam_primer_design(pool: Pool, n: int) -> list[Question]:
    import primer3

    out: list[Question] = []
    while len(out) < n:
        label, seq = pool.window(400, 1200) if len(out) % 2 else (lambda g: (g.name, g.cds))(pool.gene())
        res = primer3.design_primers(
            {"SEQUENCE_ID": "t", "SEQUENCE_TEMPLATE": seq},
            {"PRIMER_NUM_RETURN": 1, "PRIMER_PRODUCT_SIZE_RANGE": [[min(150, len(seq) - 50), len(seq)]]},
        )
        if not res.get("PRIMER_PAIR_NUM_RETURNED"):
            continue
        f, r = res["PRIMER_LEFT_0_SEQUENCE"], res["PRIMER_RIGHT_0_SEQUENCE"]
        size = res["PRIMER_PAIR_0_PRODUCT_SIZE"]
        reference = f"Forward primer {f} and reverse primer {r} give a {size} bp product."
        assert primer_pair_ok(seq, sc.dna_words(reference))[0]
        q = pool.phrase(f"Design a primer pair to amplify this {len(seq):,} bp sequence.", length=len(seq))
        out.append(Question("primer_design", "", q, [seq], {"primer3_forward": f, "primer3_reverse": r,
                            "primer3_product": size}, "two primers (18-30 nt): forward in the template, "
                            "reverse complement of the reverse downstream", reference,
                            lambda text, s=seq: primer_pair_ok(s, sc.dna_words(text)), {"source": label}))  # fmt: skip
    return out


def tm_nn(oligo: str) -> float:
    return mt.Tm_NN(
        oligo, nn_table=mt.DNA_NN4, Na=50, K=0, Tris=0, Mg=0, dNTPs=0, dnac1=250, dnac2=0, saltcorr=5
    )


def fam_tm(pool: Pool, n: int) -> list[Question]:
    """Nearest-neighbour Tm as stated in the question (Biopython ``Tm_NN``; primer3's ``calc_tm``, SantaLucia
    1998 with C/4, is kept in ``info`` for reference: about 2 °C lower), and Wallace-rule Tm of 12-14-mers."""
    import primer3

    out: list[Question] = []
    oligos = ["AGCTTGCATGCCTGCAGGTC"]
    while len(oligos) < n - n // 3:
        _, w = pool.window(18, 25)
        if 0.4 <= gc_fraction(w) <= 0.65 and w not in oligos:
            oligos.append(w)
    for o in oligos:
        t = tm_nn(o)
        q = f"What is the melting temperature of the primer {o} ({TM_CONDITIONS})?"
        q = pool.phrase(q, "nearest_neighbour", oligo=o, length=len(o), conditions=TM_CONDITIONS)
        out.append(Question("tm", "", q, [], round(t, 2), f"{t:.1f} °C (±1.5)",
                            f"The Tm of {o} is {t:.1f} °C.", value_check(t, 1.5, ("c",)),
                            {"method": "Tm_NN DNA_NN4 Na=50 dnac1=250 dnac2=0 saltcorr=5",
                             "primer3_calc_tm": round(primer3.calc_tm(o, mv_conc=50, dv_conc=0, dntp_conc=0, dna_conc=250), 2)}))  # fmt: skip
    while len(out) < n:
        _, w = pool.window(12, 14)
        wallace = 2 * (w.count("A") + w.count("T")) + 4 * (w.count("G") + w.count("C"))
        assert wallace == mt.Tm_Wallace(w)
        q = f"What is the melting temperature of the oligo {w} by the Wallace rule (2 °C per A/T, 4 °C per G/C)?"
        q = pool.phrase(q, "wallace", oligo=w, length=len(w))
        out.append(Question("tm", "", q, [], wallace, f"{wallace} °C", f"By the Wallace rule the Tm of {w} is {wallace} °C.",
                            value_check(wallace, 0.5, ("c",)), {"method": "Wallace"}))  # fmt: skip
    return out


def fam_protein_mw(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    for _ in range(n):
        g = pool.gene()
        mw = ProteinAnalysis(g.protein).molecular_weight()
        q = f"What is the molecular weight of the protein this gene ({len(g.cds):,} bp coding sequence) encodes?"
        q = pool.phrase(q, length=len(g.cds))
        out.append(Question("protein_mw", "", q, [g.cds], round(mw, 2), f"{mw:,.1f} Da ({mw / 1000:.2f} kDa) ±0.5%",
                            f"The encoded {len(g.protein)}-aa protein weighs {mw / 1000:.2f} kDa.",
                            value_check(mw, 0.005 * mw, ("da", "kda"), {"kda": 1000.0}),
                            {"gene": g.name, "product": g.product, "length_aa": len(g.protein)}))  # fmt: skip
    return out


def fam_protein_pi(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    for _ in range(n):
        g = pool.gene()
        pi = ProteinAnalysis(g.protein).isoelectric_point()
        q = pool.phrase("What is the isoelectric point of the protein this gene encodes?", length=len(g.cds))
        out.append(Question("protein_pi", "", q, [g.cds], round(pi, 3), f"pI {pi:.2f} (±0.05)",
                            f"The encoded protein has a pI of {pi:.2f}.", value_check(pi, 0.05, ()),
                            {"gene": g.name, "product": g.product}))  # fmt: skip
    return out


def fam_residue_at(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    for _ in range(n):
        g = pool.gene()
        k = pool.rng.randint(2, len(g.protein))
        aa = g.protein[k - 1]
        assert str(Seq(g.cds[3 * (k - 1) : 3 * k]).translate(table=11)) == aa
        three, full = sc.AA_NAMES[aa]
        q = f"Which amino acid is at position {k} of the protein this coding sequence encodes?"
        q = pool.phrase(q, pos=k, length=len(g.cds))

        def check(text: str, aa=aa) -> tuple[bool, str]:
            s = sc.first_sentence(text)
            return sc.names_residue(s, aa), f"first sentence: {s[:80]!r}"

        out.append(Question("residue_at", "", q, [g.cds], aa, f"{three} ({full[0]}, {aa})",
                            f"Position {k} is {full[0]} ({three}).", check, {"gene": g.name, "position": k}))  # fmt: skip
    return out


def hgvs_p(ref_aa: str, codon_no: int, alt_aa: str) -> str:
    three = lambda a: "Ter" if a == "*" else sc.AA_NAMES[a][0]  # noqa: E731
    if ref_aa == alt_aa:
        return f"p.{three(ref_aa)}{codon_no}="
    return f"p.{three(ref_aa)}{codon_no}{three(alt_aa)}"


def fam_mutation(pool: Pool, n: int) -> list[Question]:
    """Kinds in turn: missense, missense, synonymous, missense, nonsense (when the gene allows)."""
    out: list[Question] = []
    kinds = ["missense", "missense", "synonymous", "missense", "nonsense"]
    while len(out) < n:
        g = pool.gene()
        want = kinds[len(out) % len(kinds)]
        options = []
        for p in range(4, len(g.cds) - 3):  # not the start or the stop codon
            c0 = (p // 3) * 3
            codon = g.cds[c0 : c0 + 3]
            ref_aa = str(Seq(codon).translate(table=11))
            for alt in "ACGT":
                if alt == g.cds[p]:
                    continue
                new = codon[: p - c0] + alt + codon[p - c0 + 1 :]
                alt_aa = str(Seq(new).translate(table=11))
                kind = "synonymous" if alt_aa == ref_aa else "nonsense" if alt_aa == "*" else "missense"
                if kind == want:
                    options.append((p, alt, ref_aa, alt_aa))
        if not options:
            continue
        p, alt, ref_aa, alt_aa = pool.rng.choice(options)
        codon_no = p // 3 + 1
        assert g.protein[codon_no - 1] == ref_aa
        mutant = g.cds[:p] + alt + g.cds[p + 1 :]
        assert str(Seq(mutant).translate(table=11))[codon_no - 1] == alt_aa
        hg = hgvs_p(ref_aa, codon_no, alt_aa)
        art = "an" if g.cds[p] == "A" else "a"
        q = (f"What does {art} {g.cds[p]}>{alt} change at position {p + 1} of this coding sequence do to the protein? "
             "(Position 1 is the A of the ATG start codon.)")  # fmt: skip
        q = pool.phrase(q, ref=g.cds[p], alt=alt, pos=p + 1)
        accept = {hg, hg.replace("p.", "p.(") + ")"}
        if alt_aa == "*":
            accept |= {a.replace("Ter", "*") for a in accept}

        def check(text: str, accept=frozenset(accept)) -> tuple[bool, str]:
            t = (text or "").replace(" ", "").lower()
            ok = any(a.lower() in t for a in accept)
            return ok, "found" if ok else "not found"

        out.append(Question("mutation", "", q, [g.cds], hg, f"{hg} ({want})",
                            f"c.{p + 1}{g.cds[p]}>{alt} is a {want} change: {hg}.", check,
                            {"gene": g.name, "kind": want, "codon": codon_no}))  # fmt: skip
    return out


def fam_transcription(pool: Pool, n: int) -> list[Question]:
    """Mostly coding strand (mRNA = the sequence with U for T); every fourth gives the template strand."""
    out: list[Question] = []
    for i in range(n):
        label, seq = pool.window(60, 120)
        if i % 4 == 3:
            given, mrna = rc(seq), seq.replace("T", "U")
            q = pool.phrase("Write out the mRNA transcribed from this template strand (given 5' to 3').",
                            strand="template", length=len(given))  # fmt: skip
        else:
            given, mrna = seq, seq.replace("T", "U")
            q = pool.phrase("Write out the mRNA transcribed from this coding strand.", strand="coding",
                            length=len(given))  # fmt: skip
        assert (
            mrna == str(Seq(rc(given)).transcribe()) if i % 4 == 3 else mrna == str(Seq(given).transcribe())
        )
        out.append(Question("transcription", "", q, [given], mrna, mrna, f"The mRNA is 5'-{mrna}-3'.",
                            string_check(mrna), {"source": label}))  # fmt: skip
    return out


def fam_translation(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    for i in range(n):
        label, seq = pool.window(60, 150)
        frame = [1, 2, 3][i % 3]
        sub = seq[frame - 1 :]
        prot = str(Seq(sub[: len(sub) // 3 * 3]).translate(table=11))
        q = pool.phrase(f"Translate this sequence in frame {frame} (starting at base {frame}).", frame=frame,
                        length=len(seq))  # fmt: skip
        out.append(Question("translation", "", q, [seq], prot, prot, f"Frame {frame} reads {prot}.",
                            string_check(prot), {"source": label, "frame": frame}))  # fmt: skip
    return out


def fam_reverse_complement(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    for i in range(n):
        label, seq = pool.promoter(30, 200) if i % 2 else pool.window(30, 200)
        r = rc(seq)
        assert r[::-1].translate(str.maketrans("ACGT", "TGCA")) == seq
        q = pool.phrase("What is the reverse complement of this sequence?", length=len(seq))
        out.append(Question("reverse_complement", "", q, [seq], r, r, f"The reverse complement is {r}.",
                            string_check(r), {"source": label}))  # fmt: skip
    return out


def fam_gc_content(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    for i in range(n):
        if i % 3 == 0:
            label, seq = pool.promoter(300, 500)
        elif i % 3 == 1:
            label, seq = pool.window(200, 1000)
        else:
            g = pool.gene()
            label, seq = g.name, g.cds
        gc = 100 * gc_fraction(seq)
        assert abs(gc - 100 * (seq.count("G") + seq.count("C")) / len(seq)) < 1e-9
        q = pool.phrase("What is the GC content of this sequence, as a percentage to one decimal place?",
                        length=len(seq))  # fmt: skip
        out.append(Question("gc_content", "", q, [seq], round(gc, 3), f"{gc:.1f}% (±0.1)",
                            f"The GC content is {gc:.1f}%.", value_check(gc, 0.1, ("%",)), {"source": label}))  # fmt: skip
    return out


def fam_alignment(pool: Pool, n: int) -> list[Question]:
    """Half the pairs are written in the question (no ``sequences``), half passed as two sequences."""
    from Bio.Align import PairwiseAligner

    aligner = PairwiseAligner(mode="global", match_score=1, mismatch_score=0, open_gap_score=-10,
                              extend_gap_score=-1)  # fmt: skip
    out: list[Question] = []
    for i in range(n):
        label, a = pool.window(60, 300)
        k = pool.rng.randint(1, max(1, len(a) // 6))
        sites = pool.rng.sample(range(len(a)), k)
        b = list(a)
        for s in sites:
            b[s] = pool.rng.choice([x for x in "ACGT" if x != a[s]])
        b = "".join(b)
        ident = 100 * (len(a) - k) / len(a)
        assert aligner.score(a, b) == len(a) - k
        if i % 2 == 0:
            q = f"What is the percent identity between these two sequences? Sequence 1: {a} Sequence 2: {b}"
            q = pool.phrase(q, "in_text", seq1=a, seq2=b, length=len(a))
            seqs: list[str] = []
        else:
            q = pool.phrase(
                "What is the percent identity between these two sequences?", "attached", length=len(a)
            )
            seqs = [a, b]
        out.append(Question("alignment", "", q, seqs, round(ident, 3), f"{ident:.1f}% (±1)",
                            f"The two sequences are {ident:.1f}% identical ({len(a) - k}/{len(a)}).",
                            value_check(ident, 1.0, ("%",)),
                            {"source": label, "length": len(a), "substitutions": k, "in_text": i % 2 == 0}))  # fmt: skip
    return out


def iupac_count(seq: str, motif: str) -> int:
    """Occurrences of an IUPAC motif on both strands, overlaps allowed, each strand counted separately."""
    sets = [IUPAC[c] for c in motif]
    total = 0
    for s in (seq, rc(seq)):
        for i in range(len(s) - len(motif) + 1):
            if all(s[i + j] in sets[j] for j in range(len(motif))):
                total += 1
    return total


def fam_pattern(pool: Pool, n: int) -> list[Question]:
    out: list[Question] = []
    motifs = [m for m in MOTIFS if _rc_iupac(m) != m]  # palindromes would count each site twice
    tries = 0
    while len(out) < n and tries < 5000:
        tries += 1
        label, seq = pool.promoter(300, 500)
        m = motifs[len(out) % len(motifs)]
        count = iupac_count(seq, m)
        if not 1 <= count <= 12:
            continue
        # cross-check with Biopython's nt_search on each strand (it reports every start, overlaps included)
        assert count == len(nt_search(seq, m)) - 1 + len(nt_search(rc(seq), m)) - 1
        q = f"How many times does the motif {m} occur in this {len(seq)} bp sequence, counting both strands?"
        q = pool.phrase(q, motif=m, length=len(seq))
        out.append(Question("pattern", "", q, [seq], count, plural(count, "occurrence"), f"{m} occurs {count} times on the two strands.",
                            count_check(count, ("time", "occurrence", "match", "site", "hit")),
                            {"source": label, "motif": m}))  # fmt: skip
    return out


def _rc_iupac(m: str) -> str:
    comp = {"A": "T", "C": "G", "G": "C", "T": "A", "R": "Y", "Y": "R", "S": "S", "W": "W", "K": "M",
            "M": "K", "B": "V", "V": "B", "D": "H", "H": "D", "N": "N"}  # fmt: skip
    return "".join(comp[c] for c in reversed(m))


# ----------------------------------------------------------------- cloning, codon usage, regulatory variants

CLONING_ENZYMES = ["NdeI", "NcoI", "EcoRI", "BamHI", "XhoI", "HindIII", "SalI", "NotI", "KpnI", "XbaI"]
ARTICLE = {"NdeI": "an", "NcoI": "an", "EcoRI": "an", "XhoI": "an", "XbaI": "an"}  # the rest take "a"


def tailed_primer_ok(word: str, site: str, head: str) -> bool:
    """``word`` holds the recognition ``site`` and, after it, the insert's first bases ``head``: starting
    0-2 bases after the site's end, or inside the site's last 4 bases when they are also the insert's
    first bases (NdeI CATATG or NcoI CCATGG written over the ATG start codon)."""
    for i in (k for k in range(len(word)) if word.startswith(site, k)):
        for j in (k for k in range(len(word)) if word.startswith(head, k)):
            if -4 <= j - (i + len(site)) <= 2:
                return True
    return False


def cloning_pair_ok(insert: str, e5: str, e3: str, words: list[str]) -> tuple[bool, str]:
    """The first two 18+ nt words: the forward holds e5's site then insert[:15]; the reverse holds the
    reverse complement of e3's site then the reverse complement of insert[-15:]."""
    if len(words) < 2:
        return False, f"{len(words)} primer sequence(s) found"
    f, r = words[0], words[1]
    if not tailed_primer_ok(f, enzyme(e5).site, insert[:15]):
        return False, f"forward {f} lacks {e5} site + insert start"
    if not tailed_primer_ok(r, rc(enzyme(e3).site), rc(insert[-15:])):
        return False, f"reverse {r} lacks rc({e3} site) + rc(insert end)"
    return True, "both primers carry site + insert end"


WARNING_WORDS = ("warning", "cuts inside")


def fam_cloning_primers(pool: Pool, n: int) -> list[Question]:
    """Every fourth question (2-3 of 10-12) has an insert that enzyme5 cuts (enzyme3 does not): the answer
    must warn ('warning' or 'cuts inside' anywhere). The others use two enzymes that cut neither the
    insert (``Bio.Restriction`` search): the first two 18+ nt ACGT words are checked as in
    :func:`cloning_pair_ok`. Each insert is a whole CDS."""
    out: list[Question] = []
    tries = 0
    while len(out) < n and tries < 5000:
        tries += 1
        g = pool.gene()
        ins = g.cds
        cutting = {e: cuts(e, ins) for e in CLONING_ENZYMES}
        clean = [e for e in CLONING_ENZYMES if not cutting[e]]
        warn = len(out) % 4 == 3
        firsts = [e for e in CLONING_ENZYMES if cutting[e]] if warn else clean
        if not firsts or len(clean) < (1 if warn else 2):
            continue
        e5 = pool.rng.choice(firsts)
        e3 = pool.rng.choice([e for e in clean if e != e5])
        assert not cutting[e3] and bool(cutting[e5]) == warn
        fwd = "GCGC" + enzyme(e5).site + ins[:20]
        rev = "GCGC" + rc(enzyme(e3).site) + rc(ins[-20:])
        q = (f"Design primers to clone this insert with {ARTICLE.get(e5, 'a')} {e5} site at the 5' end and "
             f"{ARTICLE.get(e3, 'a')} {e3} site at the 3' end.")  # fmt: skip
        q = pool.phrase(q, e5=e5, e3=e3, length=len(ins))
        reference = (f"Use forward 5'-{fwd}-3' ({e5}) and reverse 5'-{rev}-3' ({e3}) to add the sites to "
                     f"this {len(ins):,} bp insert.")  # fmt: skip
        info = {"gene": g.name, "enzyme5": e5, "enzyme3": e3, "enzyme5_cuts_insert": cutting[e5]}
        if warn:
            reference += (
                f" Warning: {e5} also cuts inside the insert (at {', '.join(map(str, cutting[e5]))})."
            )

            def check(text: str) -> tuple[bool, str]:
                hit = [w for w in WARNING_WORDS if w in (text or "").lower()]
                return bool(hit), f"warns ({hit[0]!r})" if hit else "no warning"

            expected: Any = {"warning": True, "enzyme5_cuts": cutting[e5]}
            expected_text = f"a warning that {e5} cuts inside the insert ('warning' or 'cuts inside')"
        else:

            def check(text: str, ins=ins, e5=e5, e3=e3) -> tuple[bool, str]:
                return cloning_pair_ok(ins, e5, e3, sc.dna_words(text, longer=True))

            expected = {"site5": enzyme(e5).site, "site3": enzyme(e3).site, "insert_start": ins[:15],
                        "insert_end": ins[-15:]}  # fmt: skip
            expected_text = (f"forward: {enzyme(e5).site} then {ins[:15]}; "
                             f"reverse: {rc(enzyme(e3).site)} then {rc(ins[-15:])}")  # fmt: skip
        assert check(reference)[0], reference
        out.append(Question("cloning_primers", "", q, [ins], expected, expected_text, reference, check, info))
    return out


def fam_codon_usage(pool: Pool, n: int) -> list[Question]:
    """Counts every in-frame codon of the CDS, the stop codon included (ATG..stop, length / 3 codons);
    genes whose top codon is tied are skipped. Check: the first codon (upper-case three-letter A/C/G/T/U
    word) named in the first sentence is the most frequent one, and a number written between it and the
    next codon named (or the sentence end) is its frequency per thousand codons within 0.1."""
    from collections import Counter

    out: list[Question] = []
    while len(out) < n:
        g = pool.gene()
        codons = [g.cds[i : i + 3] for i in range(0, len(g.cds), 3)]
        assert len(g.cds) % 3 == 0 and len(codons) == len(g.protein) + 1
        (top, c1), (second, c2) = Counter(codons).most_common(2)
        if c1 == c2:
            continue
        per_k = 1000 * c1 / len(codons)
        aa = str(Seq(top).translate(table=11))
        q = pool.phrase("What is the codon usage of this coding sequence? Which codon is used most often?",
                        length=len(g.cds))  # fmt: skip
        reference = (f"The {len(codons)} codons of this {len(g.cds):,} nt coding sequence (stop codon included) "
                     f"use {len(set(codons))} of 64 codons; the most frequent is {top} ({aa}, {c1} times, "
                     f"{per_k:.1f} per 1000 codons), then {second} ({1000 * c2 / len(codons):.1f} per 1000).")  # fmt: skip

        def check(text: str, top=top, per_k=per_k) -> tuple[bool, str]:
            s = sc.first_sentence(text)
            named = sc.codon_words(s)
            if not named:
                return False, f"no codon in first sentence {s[:80]!r}"
            first = named[0].group(1).replace("U", "T")
            if first != top:
                return False, f"first codon named {first}"
            stop = named[1].start() if len(named) > 1 else len(s)
            vals = [x.value for x in sc.numbers(s[named[0].end() : stop], cleaned=True)]
            ok = any(sc.near(v, per_k, 0.1) for v in vals)
            return ok, f"{first} first; per-thousand read {vals[:4]}"

        assert check(reference)[0], reference
        out.append(Question("codon_usage", "", q, [g.cds], {"codon": top, "count": c1, "per_thousand": round(per_k, 2)},
                            f"{top} first, {per_k:.1f}/1000 (±0.1; {c1} of {len(codons)} codons, stop included)",
                            reference, check, {"gene": g.name, "codons": len(codons), "second": [second, c2]}))  # fmt: skip
    return out


TBP_SITE = "GCTATAAAAGGCGC"  # written into the window: TATAAAA (JASPAR TBP consensus) between GC flanks
# JASPAR MA0108.3 (TBP) counts, rows A C G T (as pyjaspar's JASPAR2024/2026 CORE hold it), used only to
# keep control changes away from TBP-like sites that the window already has.
TBP_COUNTS = {
    "A": [16, 352, 3, 354, 268, 360, 222],
    "C": [46, 0, 10, 0, 0, 3, 2],
    "G": [18, 2, 2, 5, 0, 20, 44],
    "T": [309, 35, 374, 30, 121, 6, 121],
}  # fmt: skip


@lru_cache(maxsize=1)
def tbp_loose_kmers() -> frozenset[str]:
    """The 7-mers whose TBP log-odds score (pseudocount 0.8, uniform background) has p < 1e-3 among all
    4^7 7-mers: a threshold ten times looser than a usual site scan's 1e-4."""
    import math

    cols = []
    for j in range(7):
        tot = sum(TBP_COUNTS[b][j] for b in "ACGT")
        cols.append({b: math.log2((TBP_COUNTS[b][j] + 0.2) / (tot + 0.8) / 0.25) for b in "ACGT"})
    scored = sorted(
        ((sum(cols[j][b] for j, b in enumerate(k)), "".join(k)) for k in itertools.product("ACGT", repeat=7)),
        reverse=True,
    )
    keep = int(1e-3 * len(scored))
    return frozenset(k for _, k in scored[:keep])


def tbp_like_near(seq: str, p0: int) -> bool:
    """A TBP-like 7-mer (either strand) overlaps 0-based position ``p0``."""
    loose = tbp_loose_kmers()
    for s in range(max(0, p0 - 6), min(p0, len(seq) - 7) + 1):
        w = seq[s : s + 7]
        if w in loose or rc(w) in loose:
            return True
    return False


DESTROY = re.compile(r"\b(destroy\w*|abolish\w*|disrupt\w*|los[est]\w*|loss|eliminat\w*|remov\w*)\b", re.I)
NEGATED = re.compile(r"\b(?:not|no|never|without|neither|nor)\b|n't", re.I)


def says_tbp_destroyed(sentence: str) -> bool:
    """A clause of the sentence (split at ';') has a destroy word, no negation before it or 'no' right
    after it, and names TBP (as a word: not TBPL1) after it."""
    for clause in sentence.split(";"):
        m = DESTROY.search(clause)
        if not m or NEGATED.search(clause[: m.start()]) or re.match(r"\s+no\b", clause[m.end() :], re.I):
            continue
        if sc.has_word(clause[m.end() :], "TBP") or sc.has_word(clause[: m.start()], "TBP"):
            return True
    return False


def fam_regulatory_variant(pool: Pool, n: int) -> list[Question]:
    """300 bp upstream of a gene's start codon with ``TBP_SITE`` written over 14 bases at offset o
    (40..256, 0-based). Question: T>G at the second T of TATAAAA (1-based o + 5: TATAAAA -> TAGAAAA).
    Pass: the first sentence says TBP is destroyed (:func:`says_tbp_destroyed`). Every third question is a
    control on the previous question's sequence: a base 100+ bp from the TATA box, chosen where no
    TBP-like 7-mer (:func:`tbp_like_near`) overlaps it before or after the change; pass: the first
    sentence names the position (so an empty or off-topic answer fails) and does not say TBP is
    destroyed."""
    out: list[Question] = []
    last: tuple[str, str, int] | None = None
    while len(out) < n:
        if len(out) % 3 == 2 and last is not None:
            label, seq, o = last
            tata = (o + 2, o + 9)  # TATAAAA, 0-based half-open
            far = [c for c in range(len(seq)) if c <= tata[0] - 101 or c >= tata[1] + 100]
            pool.rng.shuffle(far)
            pick = None
            for c in far:
                alt = pool.rng.choice([b for b in "ACGT" if b != seq[c]])
                mutated = seq[:c] + alt + seq[c + 1 :]
                if not tbp_like_near(seq, c) and not tbp_like_near(mutated, c):
                    pick = (c, alt)
                    break
            last = None
            if pick is None:
                continue
            c, alt = pick
            distance = min(abs(c - tata[0]), abs(c - (tata[1] - 1)))
            q = f"What does {'an' if seq[c] == 'A' else 'a'} {seq[c]}>{alt} change at position {c + 1} do to this promoter?"
            q = pool.phrase(q, ref=seq[c], alt=alt, pos=c + 1)
            reference = (
                f"{c + 1}{seq[c]}>{alt} lies {distance} bp from the TATA box and destroys no TBP site."
            )

            def check(text: str, pos=c + 1) -> tuple[bool, str]:
                s = sc.first_sentence(text)
                if not any(x.value == pos for x in sc.numbers(s, cleaned=True)):
                    return False, f"first sentence does not name position {pos}: {s[:120]!r}"
                bad = says_tbp_destroyed(s)
                return not bad, f"says TBP destroyed: {s[:160]!r}" if bad else "TBP not said destroyed"

            out.append(Question("regulatory_variant", "", q, [seq], {"tbp_destroyed": False},
                                f"first sentence names position {c + 1} and does not say TBP is destroyed",
                                reference, check,
                                {"source": label, "tata_at": o + 3, "change": f"{c + 1}{seq[c]}>{alt}",
                                 "distance": distance, "control": True}))  # fmt: skip
            continue
        label, up = pool.promoter(300, 300)
        o = pool.rng.randint(40, 256)
        seq = up[:o] + TBP_SITE + up[o + len(TBP_SITE) :]
        assert len(seq) == 300 and seq[o + 2 : o + 9] == "TATAAAA"
        p = o + 5  # 1-based position of the second T of TATAAAA
        assert seq[p - 1] == "T" and (seq[: p - 1] + "G" + seq[p:])[o + 2 : o + 9] == "TAGAAAA"
        q = pool.phrase(
            f"What does a T>G change at position {p} do to this promoter?", ref="T", alt="G", pos=p
        )
        reference = (f"{p}T>G turns the TATA box TATAAAA ({o + 3}-{o + 9}) into TAGAAAA; it destroys 1 "
                     f"JASPAR site(s): TBP (MA0108.3, {o + 3}-{o + 9}).")  # fmt: skip

        def check(text: str) -> tuple[bool, str]:
            s = sc.first_sentence(text)
            ok = says_tbp_destroyed(s)
            return ok, "says TBP destroyed" if ok else f"TBP not said destroyed: {s[:160]!r}"

        out.append(Question("regulatory_variant", "", q, [seq], {"tbp_destroyed": True},
                            f"first sentence says the change destroys a TBP site (TATAAAA at {o + 3}-{o + 9})",
                            reference, check, {"source": f"{label}, {TBP_SITE} at {o + 1}", "tata_at": o + 3,
                                               "change": f"{p}T>G", "control": False}))  # fmt: skip
        last = (label, seq, o)
    return out


FAMILIES: dict[str, tuple[Callable[[Pool, int], list[Question]], int, str]] = {
    # name: (builder, default count, scoring rule)
    "digest_count": (fam_digest_count, 14, "number before fragment(s)/piece(s)/band(s) anywhere (no fallback); exact"),
    "digest_sizes": (fam_digest_sizes, 14, "every expected size among the numbers of the whole answer"),
    "digest_circular": (fam_digest_circular, 14, "sizes: every size in the whole answer; counts: as digest_count"),
    "cutters_once": (fam_cutters_once, 12, "stated count (before 'enzyme(s)') exact AND a check enzyme from the set named"),
    "pcr_product": (fam_pcr_product, 14, "a number of the 1st sentence (those with bp/nt if any) equals the size"),
    "pcr_tailed": (fam_pcr_tailed, 12, "as pcr_product; size includes both 5' tails"),
    "primer_design": (fam_primer_design, 12, "first two 18-30 nt ACGT words: fwd in template, rc(rev) downstream"),
    "tm": (fam_tm, 15, "a number of the 1st sentence (those with °C if any) within 1.5 °C (Wallace: 0.5)"),
    "protein_mw": (fam_protein_mw, 14, "a number of the 1st sentence (Da/kDa ones if any; kDa x1000) within 0.5%"),
    "protein_pi": (fam_protein_pi, 14, "a number of the 1st sentence within 0.05"),
    "residue_at": (fam_residue_at, 14, "1st sentence names the residue (3-letter, full, 1-letter word) and no other"),
    "mutation": (fam_mutation, 15, "expected HGVS p. notation anywhere (p.(..) ok; Ter or *)"),
    "transcription": (fam_transcription, 12, "exact mRNA (U) string anywhere, case/white space ignored"),
    "translation": (fam_translation, 12, "exact protein string (stops '*') anywhere, case/white space ignored"),
    "reverse_complement": (fam_reverse_complement, 10, "exact reverse complement anywhere, case/white space ignored"),
    "gc_content": (fam_gc_content, 12, "a number of the 1st sentence (% ones if any) within 0.1"),
    "alignment": (fam_alignment, 12, "a number of the 1st sentence (% ones if any) within 1 point"),
    "pattern": (fam_pattern, 14, "count before time(s)/occurrence(s)/match(es)/site(s), else 1st number; exact"),
    "cloning_primers": (fam_cloning_primers, 12, "first two 18+ nt ACGT words: fwd = site5 (+0-2 nt) + insert[:15], rev = rc(site3) + rc(insert[-15:]); site in insert: 'warning'/'cuts inside'"),
    "codon_usage": (fam_codon_usage, 12, "1st codon named in the 1st sentence is the top codon (stop counted) AND its per-1000 within 0.1"),
    "regulatory_variant": (fam_regulatory_variant, 12, "TATA T>G: 1st sentence says TBP destroyed; controls (100+ bp away): it names the position, not TBP destroyed"),
}  # fmt: skip


def build(
    data: Path,
    seed: int = 0,
    families: list[str] | None = None,
    limit: int | None = None,
    per_family: int | None = None,
    phrasing: str = "default",
) -> list[Question]:
    """The questions of ``families`` (all by default): each family's own count, or ``per_family``, at most
    ``limit``; worded by ``phrasing`` (:class:`Phrasing`; under ``heldout``/``heldout2`` each question's
    ``info`` names its template as ``"phrasing"``)."""
    out: list[Question] = []
    for name in families or list(FAMILIES):
        builder, count, _ = FAMILIES[name]
        count = per_family or count
        n = min(count, limit) if limit else count
        pool = Pool(data, seed, name, phrasing)
        qs = builder(pool, n)
        assert len(pool.phrase.used) == len(qs), (
            f"{name}: {len(pool.phrase.used)} phrasings, {len(qs)} questions"
        )
        for i, (q, template) in enumerate(zip(qs, pool.phrase.used, strict=True), 1):
            q.qid = f"{name}-{i:02d}"
            if template is not None:
                q.info["phrasing"] = template
        out.extend(qs)
    return out
