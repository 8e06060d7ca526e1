"""Build the ask_dev items from the shared data folder.

``build_items(data)`` returns the items; ``build_records(data)`` returns ``(item, operands)`` pairs, where
``operands`` holds the raw inputs (sequences, enzymes, primers, topology...) used to compute the expected
value, so that tests can re-derive a few expected values independently.

Every expected value is computed here with Biopython (Bio.Restriction, gc_fraction, MeltingTemp,
ProteinAnalysis, Seq.translate, PairwiseAligner) and primer3-py, never with dnahlm. All randomness is
seeded per family, so the set is the same on every run.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import primer3
from Bio import Restriction, SeqIO
from Bio.Align import PairwiseAligner, substitution_matrices
from Bio.Restriction import RestrictionBatch
from Bio.Seq import Seq
from Bio.SeqUtils import MeltingTemp, gc_fraction
from Bio.SeqUtils.ProtParam import ProteinAnalysis

# ----------------------------------------------------------------------------------------------------------
# Item model


@dataclass(frozen=True)
class Expect:
    kind: str  # "number" | "count" | "verdict" | "choice" | "sequence" | "ask_back"
    value: object = None  # float for number/count, "yes"/"no", option label, sequence, keyword list
    tol: float = 0.0  # absolute tolerance for numbers
    unit: str = ""  # "bp", "kDa", "°C", "%", "aa", ...
    also: tuple = ()  # other acceptable values (other standard conventions)


@dataclass(frozen=True, kw_only=True)
class Item:
    id: str
    family: str
    shape: str  # forum, protocol, textbook, notebook, non_native, chat
    question: str
    sequences: tuple[str, ...] = ()
    expect: Expect


FAMILIES = (
    "gc",
    "digest",
    "pcr_product",
    "tm",
    "orf_longest",
    "orf_count",
    "translate",
    "residue",
    "protein_mass",
    "protein_pi",
    "revcomp",
    "mutation",
    "premature_stop",
    "pattern_count",
    "identity",
    "cutters",
    "primer_design_constraint",
    "transcribe",
    "choice",
    "chain",
    "ask_back",
)
SHAPES = ("forum", "protocol", "textbook", "notebook", "non_native", "chat")

# ----------------------------------------------------------------------------------------------------------
# Calculators (all expected values go through these)

STOPS = ("TAA", "TAG", "TGA")
_COMP = str.maketrans("ACGTUNacgtun", "TGCAANtgcaan")


def revcomp(seq: str) -> str:
    return str(Seq(seq).reverse_complement())


def gc_percent(seq: str) -> float:
    return 100.0 * gc_fraction(seq.upper().replace("U", "T"))


def enzyme(name: str):
    return getattr(Restriction, name)


def cut_positions(seq: str, enzymes: list[str] | tuple[str, ...], circular: bool) -> list[int]:
    """1-based top-strand positions of the first base after each cut (Bio.Restriction convention)."""
    batch = RestrictionBatch([enzyme(e) for e in enzymes])
    found = batch.search(Seq(seq), linear=not circular)
    return sorted({p for positions in found.values() for p in positions})


def fragment_sizes(length: int, cuts: list[int], circular: bool) -> list[int]:
    """Fragment lengths, in order along the molecule (circular: starting after the first cut)."""
    cuts = sorted(set(cuts))
    if not cuts:
        return [length]
    if circular:
        sizes = [b - a for a, b in itertools.pairwise(cuts)]
        sizes.append(length - cuts[-1] + cuts[0])
        return sizes
    bounds = [1, *cuts, length + 1]
    return [b - a for a, b in itertools.pairwise(bounds) if b - a > 0]


def digest(seq: str, enzymes: list[str] | tuple[str, ...], circular: bool) -> list[int]:
    return fragment_sizes(len(seq), cut_positions(seq, enzymes, circular), circular)


def n_cuts(seq: str, name: str, circular: bool) -> int:
    return len(cut_positions(seq, [name], circular))


def max_overhang(enzymes) -> int:
    return max(abs(enzyme(e).ovhg) for e in enzymes)


@dataclass(frozen=True)
class Orf:
    strand: int
    frame: int
    start: int  # 0-based on the strand's own 5'->3' string
    end: int  # exclusive, includes the stop codon when complete
    aa: int  # amino acids, stop excluded


def find_orfs(seq: str, strands=(1, -1)) -> tuple[list[Orf], list[Orf]]:
    """Complete ORFs (first ATG to the in-frame stop, nested ATGs not counted) and open ones (no stop)."""
    complete: list[Orf] = []
    partial: list[Orf] = []
    for strand in strands:
        s = seq if strand == 1 else revcomp(seq)
        for frame in range(3):
            start = None
            for i in range(frame, len(s) - 2, 3):
                codon = s[i : i + 3]
                if start is None:
                    if codon == "ATG":
                        start = i
                elif codon in STOPS:
                    complete.append(Orf(strand, frame, start, i + 3, (i - start) // 3))
                    start = None
            if start is not None:
                partial.append(Orf(strand, frame, start, len(s), (len(s) - start) // 3))
    return complete, partial


def orf_seq(seq: str, orf: Orf) -> str:
    s = seq if orf.strand == 1 else revcomp(seq)
    return s[orf.start : orf.end]


def translate(dna: str, to_stop: bool = True) -> str:
    dna = dna.upper().replace("U", "T")
    dna = dna[: len(dna) - len(dna) % 3]
    return str(Seq(dna).translate(table=11, to_stop=to_stop))


def protein_mass_kda(protein: str, monoisotopic: bool = False) -> float:
    return ProteinAnalysis(protein, monoisotopic=monoisotopic).molecular_weight() / 1000.0


_PK_SETS = {  # N-term, C-term, K, R, H, D, E, C, Y
    "emboss": (8.6, 3.6, 10.8, 12.5, 6.5, 3.9, 4.1, 8.5, 10.1),
    "lehninger": (9.69, 2.34, 10.5, 12.4, 6.0, 3.86, 4.25, 8.33, 10.07),
    "dtaselect": (8.0, 3.1, 10.0, 12.0, 6.5, 4.4, 4.4, 8.5, 10.0),
}


def _pi_hh(protein: str, pks: tuple[float, ...]) -> float:
    nt, ct, k, r, h, d, e, c, y = pks
    n = Counter(protein)

    def charge(ph: float) -> float:
        pos = 1 / (1 + 10 ** (ph - nt)) + sum(
            n[a] / (1 + 10 ** (ph - pk)) for a, pk in (("K", k), ("R", r), ("H", h))
        )
        neg = 1 / (1 + 10 ** (ct - ph)) + sum(
            n[a] / (1 + 10 ** (pk - ph)) for a, pk in (("D", d), ("E", e), ("C", c), ("Y", y))
        )
        return pos - neg

    lo, hi = 0.0, 14.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if charge(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def protein_pi(protein: str) -> tuple[float, tuple[float, ...]]:
    """Biopython (ExPASy/Bjellqvist pK values) plus the EMBOSS, Lehninger and DTASelect pK sets."""
    main = ProteinAnalysis(protein).isoelectric_point()
    return main, tuple(round(_pi_hh(protein, pks), 2) for pks in _PK_SETS.values())


def tm_wallace(p: str) -> float:
    return float(MeltingTemp.Tm_Wallace(p))


def tm_basic(p: str) -> float:
    """Tm = 64.9 + 41 (G+C - 16.4) / N."""
    gc = sum(p.upper().count(b) for b in "GC")
    return 64.9 + 41.0 * (gc - 16.4) / len(p)


def tm_nn(p: str, **kw) -> float:
    return float(MeltingTemp.Tm_NN(p, nn_table=MeltingTemp.DNA_NN3, **kw))


def tm_primer3(p: str, **kw) -> float:
    return float(primer3.calc_tm(p, **kw))


_IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "R": "[AG]", "Y": "[CT]", "S": "[CG]", "W": "[AT]",
    "K": "[GT]", "M": "[AC]", "B": "[CGT]", "D": "[AGT]", "H": "[ACT]", "V": "[ACG]", "N": "[ACGT]",
}  # fmt: skip


def iupac_positions(seq: str, pattern: str) -> list[int]:
    rx = re.compile("(?=" + "".join(_IUPAC[c] for c in pattern) + ")")
    return [m.start() for m in rx.finditer(seq.upper())]


def iupac_revcomp(pattern: str) -> str:
    comp = {"A": "T", "C": "G", "G": "C", "T": "A", "R": "Y", "Y": "R", "S": "S", "W": "W", "K": "M",
            "M": "K", "B": "V", "V": "B", "D": "H", "H": "D", "N": "N"}  # fmt: skip
    return "".join(comp[c] for c in reversed(pattern))


def percent_identity(a: str, b: str, protein: bool = False) -> tuple[float, tuple[float, ...]]:
    """Global alignment (EMBOSS needle-like scores). Identities / alignment columns, plus the other usual
    denominators (length of each sequence, aligned columns without gaps)."""
    al = PairwiseAligner(mode="global")
    if protein:
        al.substitution_matrix = substitution_matrices.load("BLOSUM62")
    else:
        al.match_score, al.mismatch_score = 5, -4
    al.open_gap_score, al.extend_gap_score = -10, -0.5
    al.end_gap_score = 0
    counts = al.align(a, b)[0].counts()
    cols = counts.identities + counts.mismatches + counts.gaps
    main = 100.0 * counts.identities / cols
    others = (
        100.0 * counts.identities / len(a),
        100.0 * counts.identities / len(b),
        100.0 * counts.identities / max(1, counts.identities + counts.mismatches),
    )
    return main, tuple(round(x, 2) for x in others)


def mutation_class(ref_cds: str, mut_cds: str) -> str:
    """missense / nonsense / synonymous / frameshift / inframe for a single change in a CDS."""
    if (len(mut_cds) - len(ref_cds)) % 3:
        return "frameshift"
    if len(mut_cds) != len(ref_cds):
        return "inframe"
    diff = [i for i, (x, y) in enumerate(zip(ref_cds, mut_cds, strict=True)) if x != y]
    c = diff[0] // 3
    ra, ma = translate(ref_cds[3 * c : 3 * c + 3], False), translate(mut_cds[3 * c : 3 * c + 3], False)
    if ra == ma:
        return "synonymous"
    if ma == "*":
        return "nonsense"
    return "missense"


def pcr_product(template: str, fwd: str, rev: str) -> int | None:
    """Product length for primers annealing once each on a linear template (5' tails included)."""
    t = template.upper()
    fwd, rev = fwd.upper(), rev.upper()
    best = None
    for k in range(len(fwd), 14, -1):  # longest 3' part of the primer that matches the template
        core = fwd[-k:]
        if t.count(core) == 1:
            best = (t.index(core), len(fwd) - k)
            break
    if best is None:
        return None
    rc = revcomp(rev)
    for k in range(len(rev), 14, -1):
        core = rc[:k]
        if t.count(core) == 1:
            end = t.index(core) + k
            return end - best[0] + best[1] + (len(rev) - k)
    return None


AA3 = {
    "A": ("Ala", "alanine"), "R": ("Arg", "arginine"), "N": ("Asn", "asparagine"), "D": ("Asp", "aspartate"),
    "C": ("Cys", "cysteine"), "Q": ("Gln", "glutamine"), "E": ("Glu", "glutamate"), "G": ("Gly", "glycine"),
    "H": ("His", "histidine"), "I": ("Ile", "isoleucine"), "L": ("Leu", "leucine"), "K": ("Lys", "lysine"),
    "M": ("Met", "methionine"), "F": ("Phe", "phenylalanine"), "P": ("Pro", "proline"), "S": ("Ser", "serine"),
    "T": ("Thr", "threonine"), "W": ("Trp", "tryptophan"), "Y": ("Tyr", "tyrosine"), "V": ("Val", "valine"),
}  # fmt: skip
_AA_EXTRA = {"D": ("aspartic acid",), "E": ("glutamic acid",)}


def residue_expect(aa: str) -> Expect:
    three, name = AA3[aa]
    return Expect("choice", aa, also=(three, name, *_AA_EXTRA.get(aa, ())))


# ----------------------------------------------------------------------------------------------------------
# Operand formatting


def _wrap(s: str, width: int) -> str:
    return "\n".join(s[i : i + width] for i in range(0, len(s), width))


def _groups(s: str, per_line: int = 60) -> str:
    lines = []
    for i in range(0, len(s), per_line):
        chunk = s[i : i + per_line]
        lines.append(" ".join(chunk[j : j + 10] for j in range(0, len(chunk), 10)))
    return "\n".join(lines)


def _origin(s: str) -> str:
    s = s.lower()
    lines = ["ORIGIN"]
    for i in range(0, len(s), 60):
        chunk = s[i : i + 60]
        lines.append(f"{i + 1:>9} " + " ".join(chunk[j : j + 10] for j in range(0, len(chunk), 10)))
    lines.append("//")
    return "\n".join(lines)


def _numbered(s: str, width: int = 60) -> str:
    return "\n".join(f"{i + 1:<6}{s[i : i + width]}" for i in range(0, len(s), width))


def fmt(seq: str, style: str, name: str = "seq") -> str:
    """Render a sequence the way users paste them."""
    if style == "raw":
        return seq
    if style == "lower":
        return seq.lower()
    if style == "lower_wrap70":
        return _wrap(seq.lower(), 70)
    if style.startswith("wrap"):
        return _wrap(seq, int(style[4:]))
    if style == "groups10":
        return _groups(seq)
    if style == "origin":
        return _origin(seq)
    if style == "numbered":
        return _numbered(seq)
    if style.startswith("fasta"):
        return f">{name}\n" + _wrap(seq, int(style[5:] or 60))
    if style == "rna":
        return seq.replace("T", "U")
    raise ValueError(style)


SHAPE_STYLES = {
    "forum": ("raw", "wrap60", "wrap70", "fasta60", "groups10"),
    "protocol": ("fasta60", "wrap80", "raw", "fasta70"),
    "textbook": ("groups10", "raw", "origin", "wrap60"),
    "notebook": ("lower", "raw", "lower_wrap70"),
    "non_native": ("raw", "wrap60", "lower"),
    "chat": ("raw", "fasta70", "numbered", "lower"),
}

NAMES = (
    "Anna",
    "Tom",
    "Priya",
    "Jonas",
    "Mei",
    "Carlos",
    "Sarah",
    "Dmitri",
    "Fatima",
    "Lukas",
    "Aisha",
    "Ben",
)
PIS = ("Dr. Keller", "Prof. Moreau", "Dr. Chen", "Dr. Okafor", "Prof. Lindqvist", "Dr. Rossi")

# ----------------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Cds:
    tag: str
    gene: str
    product: str
    start: int  # 0-based genome coordinates, end exclusive
    end: int
    strand: int
    seq: str

    @property
    def name(self) -> str:
        return self.gene or self.tag


@dataclass
class _Data:
    genome: str
    cds: list[Cds]
    vectors: dict[str, tuple[str, bool]]
    human: str
    plants: dict[str, str]

    def region(self, c: Cds, up: int, down: int) -> tuple[str, int]:
        """Genome stretch around a CDS in the gene's orientation; returns (sequence, CDS offset)."""
        if c.strand == 1:
            return self.genome[c.start - up : c.end + down], up
        return revcomp(self.genome[c.start - down : c.end + up]), up


_VECTOR_FILES = {
    "pUC19": "pUC19-NEB.gb",
    "pUC18": "pUC18.gb",
    "pBR322": "pBR322.gb",
    "pEGFP-N1": "pEGFP-N1.gb",
    "pGEX-4T-1": "pGEX-4T-1.gb",
    "pBAD30": "pBAD30.gb",
    "pCAPs": "pCAPs.gb",
    "pFA6a-kanMX6": "pFA6a-kanMX6.gb",
    "pWSK29": "pWSK29.gb",
    "YEplac195": "YEplac195.gb",
    "YCplac33": "YCplac33.gb",
    "pcDNA3-EGFP": "pcDNA3-EGFP.gb",
}


def _read_fasta(path: Path) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    name = ""
    with gzip.open(path, "rt") as fh:
        for line in fh:
            if line.startswith(">"):
                name = line[1:].split()[0]
                out[name] = []
            else:
                out[name].append(line.strip())
    return {k: "".join(v).upper() for k, v in out.items()}


@functools.lru_cache(maxsize=2)
def _load(data_dir: str) -> _Data:
    import warnings

    data = Path(data_dir)
    with gzip.open(data / "annotated" / "ecoli_K12_MG1655_NC_000913.3.gbff.gz", "rt") as fh:
        rec = SeqIO.read(fh, "genbank")
    genome = str(rec.seq).upper()
    cds = []
    for f in rec.features:
        if f.type != "CDS" or "pseudo" in f.qualifiers or len(f.location.parts) != 1:
            continue
        q = f.qualifiers
        s = str(f.location.extract(rec.seq)).upper()
        if not (s.startswith("ATG") and s[-3:] in STOPS and len(s) % 3 == 0):
            continue
        if "*" in translate(s[:-3], to_stop=False):
            continue
        cds.append(
            Cds(
                q["locus_tag"][0], q.get("gene", [""])[0], q.get("product", [""])[0],
                int(f.location.start), int(f.location.end), int(f.location.strand), s,
            )
        )  # fmt: skip
    vectors = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in _VECTOR_FILES.items():
            r = SeqIO.read(data / "vectors" / fn, "genbank")
            vectors[name] = (str(r.seq).upper(), r.annotations.get("topology", "circular") == "circular")
    human = _read_fasta(data / "genome" / "human_hg19_chr1_first3.0Mb.fa.gz")["chr1"]
    plants = {
        "A. thaliana Chr1": _read_fasta(data / "genome" / "athaliana_TAIR10_1pct.fa.gz")["Chr1"],
        "C. elegans chr I": _read_fasta(data / "genome" / "celegans_WS282_1pct.fa.gz")["I"],
        "D. melanogaster 2L": _read_fasta(data / "genome" / "dmelanogaster_r6.42_1pct.fa.gz")["2L"],
    }
    return _Data(genome, sorted(cds, key=lambda c: c.tag), vectors, human, plants)


# ----------------------------------------------------------------------------------------------------------
# Builder helpers


class _Builder:
    def __init__(self, d: _Data):
        self.d = d
        self.records: list[tuple[Item, dict]] = []
        self._n: Counter = Counter()
        self._used: set[str] = set()

    def add(self, family: str, shape: str, question: str, expect: Expect, sequences=(), **operands) -> None:
        assert family in FAMILIES and shape in SHAPES, (family, shape)
        self._n[family] += 1
        item = Item(
            id=f"{family}-{self._n[family]:03d}",
            family=family,
            shape=shape,
            question=question.strip("\n"),
            sequences=tuple(sequences),
            expect=expect,
        )
        self.records.append((item, operands))

    # operands -------------------------------------------------------------------------------------------
    def cds(self, rng: random.Random, lo: int, hi: int, ok=None) -> Cds:
        pool = [c for c in self.d.cds if lo <= len(c.seq) <= hi and c.tag not in self._used]
        for _ in range(500):
            c = rng.choice(pool)
            if 20000 < c.start < len(self.d.genome) - 20000 and (ok is None or ok(c)):
                self._used.add(c.tag)
                return c
        raise RuntimeError("no CDS fits")

    def human(self, rng: random.Random, length: int) -> str:
        h = self.d.human
        while True:
            i = rng.randrange(0, len(h) - length)
            w = h[i : i + length]
            if set(w) <= set("ACGT"):
                return w

    def plant(self, rng: random.Random, length: int) -> tuple[str, str]:
        org = rng.choice(sorted(self.d.plants))
        g = self.d.plants[org]
        while True:
            i = rng.randrange(0, len(g) - length)
            w = g[i : i + length]
            if set(w) <= set("ACGT"):
                return org, w

    def ecoli_window(self, rng: random.Random, length: int) -> tuple[int, str]:
        i = rng.randrange(20000, len(self.d.genome) - 20000 - length)
        return i, self.d.genome[i : i + length]

    def vector(self, name: str) -> tuple[str, bool]:
        return self.d.vectors[name]


def _paste(rng: random.Random, shape: str, seq: str, name: str = "seq", styles=None) -> str:
    style = rng.choice(styles or SHAPE_STYLES[shape])
    return fmt(seq, style, name)


def _pick_primers(
    rng: random.Random, t: str, lo: int, hi: int, start_range: tuple[int, int] | None = None
) -> tuple[int, int, str, str]:
    """Forward = t[i:i+lf], reverse = revcomp(t[j-lr:j]); product (no tails) between lo and hi bp."""
    rc_t = revcomp(t)
    for _ in range(5000):
        lf, lr = rng.randint(18, 24), rng.randint(18, 24)
        a, b = start_range or (0, len(t) - lo)
        i = rng.randint(a, max(a, min(b, len(t) - lo)))
        size = rng.randint(lo, hi)
        j = i + size
        if j > len(t):
            continue
        f, r = t[i : i + lf], revcomp(t[j - lr : j])
        if not all(35 <= gc_percent(p) <= 65 and p[-1] in "GC" for p in (f, r)):
            continue
        if t.count(f[-12:]) + rc_t.count(f[-12:]) != 1 or t.count(r[-12:]) + rc_t.count(r[-12:]) != 1:
            continue
        if pcr_product(t, f, r) != size:
            continue
        return i, j, f, r
    raise RuntimeError("no primers")


def _num(x: float, nd: int = 2) -> float:
    return round(float(x), nd)


# ----------------------------------------------------------------------------------------------------------
# Families


def _render(b: _Builder, rng: random.Random, shape: str, mode: str, text: str, seq: str, hdr: str = "seq",
            styles=None, **fields) -> tuple[str, tuple[str, ...]]:  # fmt: skip
    """Fill a template: ``mode`` "paste" puts the formatted operand at {seq}; "attach" passes it separately."""
    if mode == "attach":
        return text.format(**fields), (seq,)
    return text.format(seq=_paste(rng, shape, seq, hdr, styles), **fields), ()


def _gc(b: _Builder) -> None:
    rng = random.Random("gc-v1")
    T = [
        (
            "forum",
            "paste",
            "Hi all, quick sanity check before I order this as a gBlock (the vendor flags anything "
            "above 65% GC). What's the GC content of this fragment?\n\n{seq}\n\nThanks in advance!",
        ),
        (
            "protocol",
            "attach",
            "Step 2: Determine the GC content of the target region (sequence attached) to decide "
            "whether the GC-enhancer buffer is needed. What is the GC% of the region?",
        ),
        (
            "textbook",
            "paste",
            "Given the following DNA sequence, calculate its G+C content as a percentage of all "
            "bases.\n\n{seq}",
        ),
        ("notebook", "paste", "gc% of {label}?\n{seq}"),
        (
            "non_native",
            "paste",
            "Hello, please I need to know which is the percent of GC in this sequence, it is for "
            "my thesis.\n{seq}\nThank you very much",
        ),
        (
            "chat",
            "paste",
            "Hi {pi},\n\nCould you tell me the GC content of the fragment we amplified last week "
            "({label})? The sequence is below.\n\n{seq}\n\nBest,\n{me}",
        ),
        (
            "forum",
            "paste",
            "Is there an easy way to get the GC% of a sequence without installing anything? For now "
            "I just need the number for this one:\n{seq}",
        ),
        ("notebook", "attach", "{label} (attached) - GC content??"),
        (
            "textbook",
            "paste",
            "An RNA transcript has the sequence shown below. What is its GC content (in %)?\n\n{seq}",
        ),
        (
            "protocol",
            "paste",
            "Step 1: Check that the GC content of primer {seq} (5'->3') is between 40 and 60%. "
            "What is its GC content?",
        ),
        (
            "non_native",
            "attach",
            "Hi, sorry for my english. I attach one sequence of {label}, can you say me the GC "
            "content in percentage?",
        ),
        ("chat", "paste", "what's the GC content of this?\n{seq}"),
    ]
    for k in range(20):
        shape, mode, text = T[k % len(T)]
        styles = None
        kind = k % 4
        if "primer" in text:
            c = b.cds(rng, 300, 3000)
            i = rng.randrange(0, len(c.seq) - 30)
            seq, label, hdr = c.seq[i : i + rng.randint(18, 26)], "primer", "primer"
            if abs(gc_percent(seq) - 40) < 1.5 or abs(gc_percent(seq) - 60) < 1.5:
                seq = c.seq[i + 1 : i + 1 + len(seq)]
            styles = ("raw",)
        elif "RNA" in text:
            c = b.cds(rng, 300, 1500)
            i = rng.randrange(0, len(c.seq) - 200)
            seq, label, hdr = c.seq[i : i + rng.randint(60, 180)].replace("T", "U"), "RNA", "rna"
            styles = ("raw", "wrap60")
        elif kind == 0:
            c = b.cds(rng, 400, 2500)
            n = rng.randint(150, min(len(c.seq), 1200))
            i = rng.randrange(0, len(c.seq) - n + 1)
            seq, label, hdr = c.seq[i : i + n], f"the {c.name} fragment", f"{c.name}_frag"
        elif kind == 1:
            seq = b.human(rng, rng.randint(200, 1500))
            label, hdr = "a human chr1 window", "chr1_window"
        elif kind == 2:
            org, seq = b.plant(rng, rng.randint(100, 900))
            label, hdr = f"a {org} region", org.split()[0].replace(".", "") + "_region"
        else:
            i, seq = b.ecoli_window(rng, rng.randint(300, 2500))
            label, hdr = f"E. coli region {i + 1}-{i + len(seq)}", f"NC_000913.3:{i + 1}-{i + len(seq)}"
        q, seqs = _render(b, rng, shape, mode, text, seq, hdr, styles, label=label,
                          pi=rng.choice(PIS), me=rng.choice(NAMES))  # fmt: skip
        b.add("gc", shape, q, Expect("number", _num(gc_percent(seq)), 0.5, "%"), seqs, seq=seq)


_DIGEST_ENZ = ("EcoRI", "BamHI", "HindIII", "PstI", "SalI", "XhoI", "NcoI", "NdeI", "KpnI", "SacI", "SmaI", "EcoRV",
               "NotI", "PvuII", "BglII", "SphI", "ApaI", "NheI", "ScaI", "PvuI", "MluI", "AatII", "HincII", "AgeI",
               "SpeI", "NsiI", "MfeI", "HpaI", "StuI", "NruI", "AflII", "DraI", "SspI", "BsrGI", "AvrII", "SacII")  # fmt: skip
_PLASMIDS = ("pUC19", "pBR322", "pEGFP-N1", "pGEX-4T-1", "pBAD30", "pCAPs", "pFA6a-kanMX6", "pUC18", "pWSK29",
             "YEplac195", "YCplac33", "pcDNA3-EGFP")  # fmt: skip


def _pick_enzymes(rng: random.Random, seq: str, circular: bool, n_enz: int, lo: int, hi: int,
                  min_frag: int = 1) -> list[str]:  # fmt: skip
    """Enzymes (each cutting at least once) whose combined digest gives lo..hi fragments."""
    cutters = [e for e in _DIGEST_ENZ if n_cuts(seq, e, circular) > 0]
    for _ in range(2000):
        enz = rng.sample(cutters, n_enz)
        sizes = digest(seq, enz, circular)
        if lo <= len(sizes) <= hi and min(sizes) >= min_frag and len(sizes) == len(set(sizes)):
            return enz
    raise RuntimeError("no enzyme combination")


def _digest(b: _Builder) -> None:
    rng = random.Random("digest-v1")
    # (shape, mode, molecule, n enzymes, asks, text)
    T = [
        (
            "forum",
            "paste",
            "plasmid",
            1,
            "count",
            "Hi everyone, I'm planning a diagnostic digest of my {name} miniprep with {enz}. How many bands should I "
            "expect on the gel if the plasmid is intact? The full (circular) sequence is below.\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "plasmid",
            1,
            "largest",
            "Step 3: Digest 1 µg of the plasmid ({name}, circular; sequence attached) with {enz} for 1 h at 37 °C. "
            "Expected result: what is the size of the largest fragment in bp?",
        ),
        (
            "textbook",
            "paste",
            "linear",
            1,
            "smallest",
            "The linear DNA fragment shown below is cut to completion with {enz}. What is the length, in base pairs, "
            "of the smallest fragment produced?\n\n{seq}",
        ),
        ("notebook", "paste", "linear", 2, "count", "linear frag (PCR prod) x {enz} -> # frags?\n{seq}"),
        (
            "non_native",
            "paste",
            "plasmid",
            2,
            "count",
            "Please how many fragment I will obtain if I cut this plasmid with {enz} together? The plasmid is "
            "circular.\n{seq}",
        ),
        (
            "chat",
            "attach",
            "plasmid",
            1,
            "smallest",
            "quick q - if I cut {name} with {enz} what's the size of the smallest fragment? it's the circular plasmid "
            "obviously, seq attached",
        ),
        (
            "chat",
            "paste",
            "linear",
            1,
            "largest",
            "Hi {who},\n\nI'm running the {name} amplicon (linear, sequence below) through a {enz} digest tomorrow. "
            "What size will the biggest piece be?\n\n{seq}\n\nCheers,\n{me}",
        ),
        (
            "forum",
            "paste",
            "plasmid",
            2,
            "largest",
            "Cloning question: I'm cutting my vector with {enz} to drop out the piece between the two sites. What's "
            "the size of the bigger fragment (the backbone) in bp? Plasmid is circular, full sequence here:\n\n{seq}",
        ),
        (
            "protocol",
            "paste",
            "linear",
            2,
            "smallest",
            "Step 5: Double digest the purified PCR product (linear; sequence below) with {enz} in CutSmart buffer. "
            "What size is the smallest fragment (bp)?\n\n{seq}",
        ),
        (
            "textbook",
            "attach",
            "plasmid",
            1,
            "count",
            "A circular plasmid (sequence provided) is digested to completion with {enz}. How many linear fragments "
            "are generated?",
        ),
        ("notebook", "paste", "plasmid", 1, "largest", "{name} (circ) / {enz} -> biggest band bp?\n{seq}"),
        (
            "non_native",
            "paste",
            "linear",
            1,
            "count",
            "Hello, I have this linear DNA and I want cut it with {enz}. How many pieces I will have after?\n{seq}",
        ),
    ]
    for k in range(26):
        shape, mode, mol, n_enz, asks, text = T[k % len(T)]
        if mol == "plasmid":
            name = _PLASMIDS[k % len(_PLASMIDS)]
            seq, circular = b.vector(name)
            hdr = name
        else:
            c = b.cds(rng, 500, 2500)
            seq, _ = b.d.region(c, rng.randint(50, 300), rng.randint(50, 300))
            circular, name, hdr = False, c.name, f"{c.name}_amplicon"
        lo, hi = (2, 5) if asks == "count" else (2, 6)
        if "drop out" in text:  # two single cutters: backbone + insert
            lo = hi = 2
        enz = _pick_enzymes(rng, seq, circular, n_enz, lo, hi, min_frag=20)
        sizes = digest(seq, enz, circular)
        enz_txt = " and ".join(enz) if "together" in text else (" + ".join(enz) if n_enz > 1 else enz[0])
        if shape == "notebook" and n_enz > 1:
            enz_txt = "/".join(enz)
        styles = ("raw", "wrap60", "wrap70", "fasta60", "fasta70") if len(seq) > 3000 else None
        q, seqs = _render(b, rng, shape, mode, text, seq, hdr, styles, enz=enz_txt, name=name,
                          who=rng.choice(NAMES), me=rng.choice(NAMES))  # fmt: skip
        if asks == "count":
            ex = Expect("count", float(len(sizes)), unit="fragments")
        else:
            val = max(sizes) if asks == "largest" else min(sizes)
            ex = Expect("number", float(val), float(max_overhang(enz)), "bp")
        b.add(
            "digest", shape, q, ex, seqs, seq=seq, enzymes=tuple(enz), circular=circular, sizes=tuple(sizes)
        )


_TAILS = {"EcoRI": "GAATTC", "BamHI": "GGATCC", "HindIII": "AAGCTT", "XhoI": "CTCGAG", "NdeI": "CATATG",
          "NcoI": "CCATGG", "KpnI": "GGTACC", "SalI": "GTCGAC", "NotI": "GCGGCCGC"}  # fmt: skip


def _tailed(rng: random.Random, core: str, enz: str) -> str:
    return rng.choice(("CG", "GC", "CCG", "GCGC", "ATAT", "TTAT", "CGC")) + _TAILS[enz] + core


def _pcr(b: _Builder) -> None:
    rng = random.Random("pcr-v1")
    T = [
        (
            "forum",
            "paste",
            "Hi all, I'm trying to check what size band I should see. Primers are {f}, {r} and the "
            "template is below. What's the expected product size?\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "Step 4: Set up a 25 µl PCR on the template (attached) with\nForward primer: "
            "5'-{f}-3'\nReverse primer: 5'-{r}-3'\nWhat product size (bp) should be verified on the gel?",
        ),
        (
            "textbook",
            "paste",
            "A PCR is performed on the template shown below using the primers 5'-{f}-3' and "
            "5'-{r}-3'. What is the length of the amplified product?\n\n{seq}",
        ),
        ("notebook", "paste", "pcr w/ F+R on tmpl below -> size?\nF {f}\nR {r}\n{seq}"),
        (
            "non_native",
            "paste",
            "Hello, I design the primers {f}/{r} for amplify my gene {name}, please which size I "
            "must to see in the gel? The template is:\n{seq}",
        ),
        ("chat", "paste", "what size product do I get?\nfwd: {f} rev: {r}\ntemplate:\n{seq}"),
        (
            "forum",
            "fasta",
            "Can someone tell me the amplicon length? Everything is in FASTA below (template first, "
            "then the two primers).\n\n{seq}",
        ),
        (
            "chat",
            "attach",
            "Hi {who}, the cloning primers for {name} have {sites} sites added at the 5' ends:\n"
            "F {f}\nR {r}\nHow long will the PCR product be, tails included? Template attached.\nThanks, {me}",
        ),
        (
            "protocol",
            "paste",
            "Step 2: Amplify the {name} ORF from genomic DNA (template region below) with "
            "primers {f} and {r}. Expected amplicon size?\n\n{seq}",
        ),
        ("notebook", "attach", "colony PCR {name}: {f} + {r}, tmpl attached. band size?"),
        (
            "textbook",
            "paste",
            "The forward primer 5'-{f}-3' and the reverse primer 5'-{r}-3' are used to amplify "
            "part of the following sequence. Give the size of the PCR product in base pairs.\n\n{seq}",
        ),
        (
            "non_native",
            "paste",
            "Good morning. With the primer forward {f} and the primer reverse {r}, which is the "
            "length of product on this DNA?\n\n{seq}",
        ),
    ]
    for k in range(24):
        shape, mode, text = T[k % len(T)]
        c = b.cds(rng, 400, 2200)
        t, _ = b.d.region(c, rng.randint(80, 400), rng.randint(80, 400))
        _i, _j, f, r = _pick_primers(rng, t, 150, min(1600, len(t) - 20))
        sites = ""
        if "{sites}" in text or k % 5 == 3:
            e1, e2 = rng.sample(sorted(_TAILS), 2)
            f, r = _tailed(rng, f, e1), _tailed(rng, r, e2)
            sites = f"{e1} and {e2}"
        size = pcr_product(t, f, r)
        assert size is not None
        if mode == "fasta":
            block = f">template_{c.name}\n{_wrap(t, 60)}\n>{c.name}_F\n{f}\n>{c.name}_R\n{r}"
            q, seqs = text.format(seq=block), ()
        else:
            q, seqs = _render(b, rng, shape, mode, text, t, f"{c.tag}_region", None, f=f, r=r, name=c.name,
                              sites=sites, who=rng.choice(NAMES), me=rng.choice(NAMES))  # fmt: skip
        b.add(
            "pcr_product", shape, q, Expect("number", float(size), 0.0, "bp"), seqs, template=t, fwd=f, rev=r
        )


def _primer_from(b: _Builder, rng: random.Random, lo: int = 18, hi: int = 26) -> str:
    while True:
        c = b.cds(rng, 300, 3000)
        n = rng.randint(lo, hi)
        i = rng.randrange(0, len(c.seq) - n)
        p = c.seq[i : i + n] if rng.random() < 0.5 else revcomp(c.seq[i : i + n])
        if 35 <= gc_percent(p) <= 68:
            return p


def _tm(b: _Builder) -> None:
    rng = random.Random("tm-v1")
    # (shape, method, text)
    T = [
        (
            "forum",
            "wallace",
            "Stupid question maybe, but what's the Tm of my primer {p} using the simple 2+4 rule "
            "(2 °C per A/T, 4 °C per G/C)?",
        ),
        (
            "protocol",
            "nn_na",
            "Step 1: Calculate the Tm of primer {name} (5'-{p}-3') by the nearest-neighbour method "
            "(SantaLucia 1998 parameters, 50 mM Na+, 250 nM oligo). What Tm do you get?",
        ),
        (
            "textbook",
            "basic",
            "Using the formula Tm = 64.9 + 41 × (G + C − 16.4) / N, calculate the melting "
            "temperature of the oligonucleotide 5'-{p}-3'.",
        ),
        ("notebook", "primer3", "Tm {p} (primer3 default settings)?"),
        (
            "non_native",
            "nn_mg",
            "Please what is the melting temperature of this primer {p}? I use 50 mM KCl, 1.5 mM "
            "MgCl2, 0.2 mM dNTP and primer 200 nM, calculation nearest neighbor.",
        ),
        ("chat", "any", "whats the tm of {p}?"),
        (
            "chat",
            "wallace",
            "Hi {who}, could you quickly compute the Tm of our new reverse primer {p}? The Wallace "
            "rule is fine for now.\nThanks!",
        ),
        (
            "textbook",
            "wallace",
            "Estimate the melting temperature of the primer 5'-{p}-3' with the Wallace rule, "
            "Tm = 2(A+T) + 4(G+C).",
        ),
        (
            "forum",
            "primer3",
            "Hi, what Tm would Primer3 (default salt and oligo settings) report for {p}? I get "
            "different numbers from every website.",
        ),
        (
            "protocol",
            "basic",
            "Step 2: Compute the primer Tm with the basic GC formula (Tm = 64.9 + 41*(nG+nC-16.4)/N) "
            "for the forward primer {p}. What is the value?",
        ),
        ("notebook", "nn_na", "Tm? {p} -- NN (SantaLucia), 50 mM Na+, 250 nM primer"),
        ("non_native", "any", "Hello, which is the Tm for the primer {p}? Thank you."),
    ]
    for k in range(18):
        shape, method, text = T[k % len(T)]
        p = _primer_from(b, rng)
        if k % 6 == 4:  # a cloning primer with a 5' tail
            p = _tailed(rng, p[:20], rng.choice(sorted(_TAILS)))
        alt: tuple[float, ...] = ()
        if method == "wallace":
            val, tol = tm_wallace(p), 0.5
        elif method == "basic":
            val, tol = tm_basic(p), 0.5
        elif method == "nn_na":
            val, tol = tm_nn(p, Na=50, dnac1=250, dnac2=0), 2.0
            alt = (tm_primer3(p, mv_conc=50, dv_conc=0, dntp_conc=0, dna_conc=250),)
        elif method == "nn_mg":
            val, tol = tm_nn(p, Na=0, K=50, Mg=1.5, dNTPs=0.2, dnac1=200, dnac2=0, saltcorr=7), 2.0
            alt = (tm_primer3(p, mv_conc=50, dv_conc=1.5, dntp_conc=0.2, dna_conc=200),)
        elif method == "primer3":
            val, tol = tm_primer3(p), 1.5
            alt = (tm_nn(p, Na=50, Mg=1.5, dNTPs=0.6, dnac1=50, dnac2=0, saltcorr=7),)
        else:  # no method given: any of the usual calculators is fine
            val, tol = tm_primer3(p), 2.5
            alt = (tm_basic(p), tm_nn(p), tm_nn(p, Na=50, dnac1=250, dnac2=0))
        q = text.format(p=p, name=rng.choice(("P1-F", "oJK12", "fwd-2", "GSP1", "R3")), who=rng.choice(NAMES))
        ex = Expect("number", _num(val), tol, "°C", tuple(_num(x) for x in alt))
        b.add("tm", shape, q, ex, (), primer=p, method=method)


def _orf_source(b: _Builder, rng: random.Random, k: int) -> tuple[str, str]:
    """A sequence whose longest complete ORF is unique, clearly longer than the runner-up and than any open
    (stopless) ORF."""
    while True:
        if k % 4 == 3:
            seq, name = b.human(rng, rng.randint(500, 1500)), "chr1_window"
        else:
            c = b.cds(rng, 240, 1500)
            seq, _ = b.d.region(c, rng.randint(40, 400), rng.randint(40, 400))
            name = c.name
            if k % 2:
                seq = revcomp(seq)
        complete, partial = find_orfs(seq)
        lens = sorted((o.aa for o in complete), reverse=True)
        if len(lens) > 1 and lens[0] - lens[1] >= 5 and all(o.aa < lens[0] - 5 for o in partial):
            return seq, name


def _orf_longest(b: _Builder) -> None:
    rng = random.Random("orf-longest-v1")
    # (shape, mode, unit, text)
    T = [
        (
            "forum",
            "paste",
            "aa",
            "Hey, I have this sequence from a sequencing run and want to know how long the "
            "longest ORF is (ATG to stop, any of the six frames). Answer in amino acids please.\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "bp",
            "Step 5: Identify the longest open reading frame (ATG...stop, both strands) in "
            "the insert sequence (attached). Record its length in bp including the stop codon.",
        ),
        (
            "textbook",
            "paste",
            "aa",
            "Find the longest open reading frame in the following DNA sequence. Consider all "
            "six reading frames and define an ORF as starting with ATG and ending with a stop codon. How many amino "
            "acids does it encode?\n\n{seq}",
        ),
        ("notebook", "paste", "aa", "longest ORF (ATG-stop, 6 frames) in this? length in aa\n{seq}"),
        (
            "non_native",
            "paste",
            "aa",
            "Please can you find me the more long ORF in this sequence? I need the length "
            "in aminoacids (from ATG until the stop, all the frames).\n{seq}",
        ),
        (
            "chat",
            "attach",
            "codons",
            "how many codons long is the longest ORF in the attached seq? (ATG to stop, "
            "both strands, count the stop codon too)",
        ),
        (
            "forum",
            "paste",
            "bp",
            "I'm looking for the longest ORF in this contig (ATG start, standard stop codons, "
            "both strands). How long is it in bp, stop codon included?\n\n{seq}",
        ),
        (
            "textbook",
            "attach",
            "aa",
            "The sequence provided may contain a protein-coding gene on either strand. "
            "Determine the length (in amino acids) of the longest open reading frame beginning with ATG.",
        ),
    ]
    for k in range(16):
        shape, mode, unit, text = T[k % len(T)]
        seq, name = _orf_source(b, rng, k)
        longest = max(find_orfs(seq)[0], key=lambda o: o.aa)
        if unit == "aa":
            ex = Expect("number", float(longest.aa), 0.0, "aa")
        elif unit == "bp":
            ex = Expect("number", float(3 * longest.aa + 3), 0.0, "bp", (float(3 * longest.aa),))
        else:
            ex = Expect("number", float(longest.aa + 1), 0.0, "codons")
        q, seqs = _render(b, rng, shape, mode, text, seq, name)
        b.add("orf_longest", shape, q, ex, seqs, seq=seq, orf=longest)


def _orf_count(b: _Builder) -> None:
    rng = random.Random("orf-count-v1")
    T = [
        (
            "forum",
            "paste",
            "Hi, I'm annotating a piece of E. coli genome by hand. How many ORFs encode more than "
            "{n} aa? I count ATG to stop on both strands, and an ATG inside a longer ORF in the same frame doesn't "
            "count as a new ORF.\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "Step 2: Scan the attached region for ORFs (ATG to stop codon, all six frames; nested "
            "in-frame ATGs count as one ORF). Count the ORFs that are at least {n} codons long.",
        ),
        (
            "textbook",
            "paste",
            "How many open reading frames longer than {n} amino acids are present in the sequence "
            "below? Search both strands; an ORF runs from an ATG to the first in-frame stop codon, and only the "
            "longest ORF ending at each stop codon is counted.\n\n{seq}",
        ),
        ("notebook", "paste", "# ORFs >{n}aa, both strands, ATG..stop (no nested)?\n{seq}"),
        (
            "non_native",
            "paste",
            "Please, how many ORF with more of {n} amino acids have this sequence? Both strands, "
            "begin with ATG and finish at stop codon (not count an ORF that is inside other ORF in the same frame)."
            "\n{seq}",
        ),
        (
            "chat",
            "paste",
            "can you count the ORFs over {n} aa in this bit of genome? atg-to-stop, six frames, don't "
            "double count nested starts\n{seq}",
        ),
        (
            "textbook",
            "attach",
            "The attached genomic fragment is searched for open reading frames (ATG...stop, both "
            "strands, one ORF per stop codon). How many of them encode at least {n} amino acids?",
        ),
    ]
    for k in range(15):
        shape, mode, text = T[k % len(T)]
        for _ in range(1000):
            start, seq = b.ecoli_window(rng, rng.randint(1200, 3000))
            n = rng.choice((50, 60, 75, 80, 100, 120, 150))
            complete, partial = find_orfs(seq)
            if any(abs(o.aa - n) <= 2 for o in complete) or any(o.aa >= n - 2 for o in partial):
                continue
            count = sum(o.aa > n for o in complete)
            if count >= 2 and count != n:
                break
        q, seqs = _render(b, rng, shape, mode, text, seq, f"NC_000913.3_{start + 1}_{start + len(seq)}", n=n)
        b.add("orf_count", shape, q, Expect("count", float(count), unit="ORFs"), seqs, seq=seq, min_aa=n)


def _translate(b: _Builder) -> None:
    rng = random.Random("translate-v1")
    # (shape, mode, kind, text)
    T = [
        (
            "forum",
            "paste",
            "cds",
            "Hi all, can someone translate this CDS for me? I want to double check the protein "
            "sequence before I order the synthetic gene.\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "cds",
            "Step 6: Translate the cloned ORF (attached; it starts at the ATG) with the "
            "standard genetic code and compare it with the expected protein. What is the protein sequence?",
        ),
        (
            "textbook",
            "paste",
            "mrna",
            "Translate the following mRNA into its amino-acid sequence, starting at the "
            "first AUG and stopping at the first stop codon.\n\n{seq}",
        ),
        ("notebook", "paste", "frame", "translate frame +{fr} of:\n{seq}"),
        (
            "non_native",
            "paste",
            "cds",
            "Please translate to protein this sequence of my gene, from the ATG to the stop codon:\n{seq}",
        ),
        ("chat", "paste", "cds", "protein seq for this orf pls\n{seq}"),
        (
            "forum",
            "paste",
            "minus",
            "Hi, the gene in this sequence is on the reverse (bottom) strand. Could someone "
            "give me the protein encoded by the longest ORF on that strand?\n\n{seq}",
        ),
        (
            "textbook",
            "paste",
            "frame",
            "Translate the DNA sequence below in reading frame {fr} (frame 1 starts at "
            "the first nucleotide); show stop codons as *.\n\n{seq}",
        ),
    ]
    for k in range(16):
        shape, mode, kind, text = T[k % len(T)]
        fr = 1
        styles = None
        if kind == "cds":
            c = b.cds(rng, 90, 900)
            seq, hdr = c.seq, c.name
            prot = translate(seq)
        elif kind == "mrna":
            while True:
                c = b.cds(rng, 90, 700)
                up = rng.randint(12, 40)
                region, off = b.d.region(c, up, rng.randint(10, 40))
                if region.find("ATG") == off:
                    break
            seq, hdr, prot = region.replace("T", "U"), f"{c.name}_mRNA", translate(c.seq)
            styles = ("raw", "wrap60")
        elif kind == "minus":
            while True:
                c = b.cds(rng, 150, 900)
                region, off = b.d.region(c, rng.randint(20, 120), rng.randint(20, 120))
                complete, _ = find_orfs(region, strands=(1,))
                if max(complete, key=lambda o: o.aa).start == off:
                    break
            seq, hdr, prot = revcomp(region), f"{c.tag}_region_rc", translate(c.seq)
        else:
            seq = b.human(rng, rng.randint(60, 120))
            fr = rng.randint(1, 3)
            hdr, prot = "oligo", translate(seq[fr - 1 :], to_stop=False)
            styles = ("raw",)
        q, seqs = _render(b, rng, shape, mode, text, seq, hdr, styles, fr=fr)
        b.add("translate", shape, q, Expect("sequence", prot, unit="aa"), seqs, seq=seq, protein=prot)


def _residue(b: _Builder) -> None:
    rng = random.Random("residue-v1")
    T = [
        (
            "forum",
            "paste",
            "Hi, which amino acid is at position {n} of the protein encoded by this CDS (counting the "
            "initiator Met as 1)? I want to design a point mutant.\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "Step 1: Confirm the target residue for site-directed mutagenesis: which amino acid is "
            "residue {n} of the {gene} protein? The CDS is attached (Met1 = position 1).",
        ),
        (
            "textbook",
            "paste",
            "The DNA sequence below is the coding strand of a gene, beginning with the start codon. "
            "What amino acid is at position {n} of the encoded polypeptide?\n\n{seq}",
        ),
        ("notebook", "paste", "{gene} cds below. aa #{n} = ?\n{seq}"),
        (
            "non_native",
            "paste",
            "Please which is the aminoacid in the position {n} of the protein of this gene? The "
            "sequence start with ATG.\n{seq}",
        ),
        ("chat", "paste", "what residue is {n} in the protein from this ORF? (M = 1)\n{seq}"),
        (
            "chat",
            "attach",
            "Hey {who}, quick one: in the {gene} ORF I sent (attached), what's amino acid number {n}? "
            "Met counts as 1.",
        ),
    ]
    for k in range(15):
        shape, mode, text = T[k % len(T)]
        c = b.cds(rng, 300, 1500)
        prot = translate(c.seq)
        n = rng.randint(12, len(prot) - 3)
        q, seqs = _render(b, rng, shape, mode, text, c.seq, c.name, n=n, gene=c.name, who=rng.choice(NAMES))
        b.add("residue", shape, q, residue_expect(prot[n - 1]), seqs, seq=c.seq, position=n, protein=prot)


HIS_C = "HHHHHH"
PET28_N = "MGSSHHHHHHSSGLVPRGSH"


def _protein_mass(b: _Builder) -> None:
    rng = random.Random("protein-mass-v1")
    # (shape, mode, input kind, tag, text)
    T = [
        (
            "forum",
            "paste",
            "dna",
            "",
            "Hi everyone, I'm expressing {gene} in BL21 and want to know what size band to "
            "expect. What's the predicted molecular weight of the protein encoded by this ORF?\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "dna",
            "C",
            "Step 7: Before the Ni-NTA run, calculate the expected molecular weight of "
            "{gene} with a C-terminal 6xHis tag (HHHHHH added directly before the stop codon). CDS attached.",
        ),
        (
            "textbook",
            "paste",
            "protein",
            "",
            "Calculate the average molecular mass (in kDa) of the following polypeptide:\n\n{seq}",
        ),
        ("notebook", "paste", "dna", "C", "MW? {gene}-His6 (C-term, no linker). cds:\n{seq}"),
        (
            "non_native",
            "paste",
            "protein",
            "",
            "Please what is the molecular weight of this protein in kDa?\n{seq}",
        ),
        (
            "chat",
            "attach",
            "dna",
            "N",
            "hey, what MW should my construct have? it's {gene} cloned NdeI into pET-28a, "
            "so the N-terminal tag MGSSHHHHHHSSGLVPRGSH is fused right in front of the protein (its own Met follows "
            "the tag). CDS attached",
        ),
        (
            "forum",
            "paste",
            "protein",
            "C",
            "What is the theoretical MW of my protein after adding a C-terminal His "
            "tag (six His at the very end)? Sequence without the tag:\n\n{seq}",
        ),
        (
            "textbook",
            "paste",
            "dna",
            "",
            "The open reading frame below encodes a bacterial protein. Calculate the "
            "molecular weight of the full-length protein (including the initiator methionine).\n\n{seq}",
        ),
    ]
    for k in range(15):
        shape, mode, inp, tag, text = T[k % len(T)]
        c = b.cds(rng, 180, 1200)
        prot = translate(c.seq)
        full = {"": prot, "C": prot + HIS_C, "N": PET28_N + prot}[tag]
        seq = c.seq if inp == "dna" else prot
        styles = ("raw", "wrap60") if inp == "protein" else None
        q, seqs = _render(b, rng, shape, mode, text, seq, c.name, styles, gene=c.name)
        ex = Expect(
            "number", _num(protein_mass_kda(full), 3), 0.05, "kDa", (_num(protein_mass_kda(full, True), 3),)
        )
        b.add("protein_mass", shape, q, ex, seqs, seq=seq, protein=full)


def _protein_pi(b: _Builder) -> None:
    rng = random.Random("protein-pi-v1")
    T = [
        (
            "forum",
            "paste",
            "dna",
            "",
            "Planning ion exchange for my protein. What's the theoretical pI of the protein "
            "encoded by this CDS?\n\n{seq}",
        ),
        (
            "protocol",
            "paste",
            "protein",
            "C",
            "Step 2: The buffer pH must be at least one unit away from the pI. "
            "Calculate the theoretical pI of the protein below with a C-terminal His6 tag (HHHHHH) added at the end."
            "\n\n{seq}",
        ),
        (
            "textbook",
            "paste",
            "protein",
            "",
            "Estimate the isoelectric point of the following protein sequence:\n\n{seq}",
        ),
        ("notebook", "attach", "dna", "C", "pI of {gene} + C-term HHHHHH? cds attached"),
        (
            "non_native",
            "paste",
            "protein",
            "",
            "Please what is the pI (isoelectric point) of this protein?\n{seq}",
        ),
        ("chat", "paste", "protein", "", "what pI would ProtParam give for this?\n{seq}"),
        (
            "textbook",
            "attach",
            "dna",
            "",
            "The attached coding sequence is translated from its ATG to the stop codon. "
            "Calculate the isoelectric point of the resulting protein.",
        ),
    ]
    for k in range(13):
        shape, mode, inp, tag, text = T[k % len(T)]
        c = b.cds(rng, 180, 1200)
        prot = translate(c.seq)
        full = prot + HIS_C if tag else prot
        seq = c.seq if inp == "dna" else prot
        styles = ("raw", "wrap60") if inp == "protein" else None
        q, seqs = _render(b, rng, shape, mode, text, seq, c.name, styles, gene=c.name)
        main, alt = protein_pi(full)
        b.add(
            "protein_pi", shape, q, Expect("number", _num(main), 0.25, "pH", alt), seqs, seq=seq, protein=full
        )


def _revcomp(b: _Builder) -> None:
    rng = random.Random("revcomp-v1")
    T = [
        (
            "forum",
            "short",
            "Hi, I always mess this up: what's the reverse complement of {seq}? It's for the reverse primer.",
        ),
        (
            "protocol",
            "short",
            "Step 3: Order the reverse primer as the reverse complement of the following "
            "sequence (5'->3'): {seq}. What sequence should be ordered?",
        ),
        ("textbook", "paste", "Write the reverse complement of the following DNA strand (5'->3'):\n\n{seq}"),
        ("notebook", "paste", "revcomp:\n{seq}"),
        ("non_native", "paste", "Please give me the reverse complementary of this sequence:\n{seq}"),
        ("chat", "attach", "can you revcomp the attached seq for me"),
        (
            "forum",
            "paste",
            "I need the reverse complement of this fragment (I cloned it backwards):\n\n{seq}",
        ),
        (
            "textbook",
            "short",
            "A probe binds to the target 5'-{seq}-3'. Give the sequence of the probe written "
            "5'->3' (the reverse complement of the target).",
        ),
    ]
    for k in range(15):
        shape, mode, text = T[k % len(T)]
        if mode == "short":
            seq, styles, mode = _primer_from(b, rng, 18, 30), ("raw",), "paste"
        else:
            c = b.cds(rng, 200, 2000)
            n = rng.randint(40, min(600, len(c.seq)))
            i = rng.randrange(0, len(c.seq) - n + 1)
            seq, styles = c.seq[i : i + n], None
        q, seqs = _render(b, rng, shape, mode, text, seq, "fragment", styles)
        b.add("revcomp", shape, q, Expect("sequence", revcomp(seq), unit="nt"), seqs, seq=seq)


def _substitution(rng: random.Random, cds: str, want: str) -> tuple[int, str, str, str]:
    """Random single-base change in the CDS body of class ``want``; returns (0-based pos, ref, alt, mutant)."""
    n_codons = len(cds) // 3
    for _ in range(10000):
        c = rng.randint(2, n_codons - 3)
        pos = 3 * c + rng.randint(0, 2)
        alt = rng.choice([x for x in "ACGT" if x != cds[pos]])
        mut = cds[:pos] + alt + cds[pos + 1 :]
        if mutation_class(cds, mut) == want:
            return pos, cds[pos], alt, mut
    raise RuntimeError(want)


def _mutation(b: _Builder) -> None:
    rng = random.Random("mutation-v1")
    # (shape, mode, kind of change, text)
    T = [
        (
            "forum",
            "paste",
            "sub",
            "Hi all, we found c.{pos}{ref}>{alt} in {gene} in one of our strains. Is that "
            "missense, nonsense, synonymous or something else? Here's the reference CDS (the A of the ATG is c.1):"
            "\n\n{seq}",
        ),
        (
            "protocol",
            "pair",
            "any",
            "Step 8: Compare the sequencing result of clone {n} with the reference CDS and "
            "classify the mutation (synonymous, missense, nonsense or frameshift).\n\n{seq}",
        ),
        (
            "textbook",
            "paste",
            "sub",
            "In the coding sequence below, the nucleotide at position {pos} (counting the A of "
            "the start codon as 1) is changed from {ref} to {alt}. What type of mutation is this?\n\n{seq}",
        ),
        ("notebook", "paste", "del", "{gene} c.{pos}del{ref} -> effect? cds:\n{seq}"),
        (
            "non_native",
            "paste",
            "ins",
            "Please, if I insert one {alt} after the nucleotide {pos} of this gene, which "
            "kind of mutation is it?\n{seq}",
        ),
        (
            "chat",
            "paste",
            "codon",
            "codon {codon} of this orf goes from {rc} to {ac} in my mutant. silent, missense "
            "or nonsense?\n{seq}",
        ),
        (
            "chat",
            "attach",
            "sub",
            "Hi {who},\nthe variant caller reports c.{pos}{ref}>{alt} in {gene} (CDS attached, "
            "numbering from the A of ATG). What is the consequence at the protein level: synonymous, missense or "
            "nonsense?\n{me}",
        ),
        (
            "forum",
            "paste",
            "words",
            "Got my Sanger results back: base {pos} of the ORF (A of ATG = 1) is {alt_a} "
            "instead of {ref_a}. Does that change the protein? What kind of mutation is it?\n\n{seq}",
        ),
        (
            "textbook",
            "attach",
            "del",
            "The nucleotide at position {pos} ({ref_a}) of the attached coding sequence is "
            "deleted. Classify the mutation.",
        ),
    ]
    wants = ["missense", "nonsense", "synonymous", "missense", "synonymous", "nonsense"]
    for k in range(19):
        shape, mode, kind, text = T[k % len(T)]
        c = b.cds(rng, 240, 900)
        cds = c.seq
        fields = {"gene": c.name, "who": rng.choice(NAMES), "me": rng.choice(NAMES), "n": rng.randint(2, 24)}
        if kind in ("sub", "codon", "words") or (kind == "any" and k % 2):
            pos, ref, alt, mut = _substitution(rng, cds, wants[k % len(wants)])
            cod = pos // 3
            fields.update(pos=pos + 1, ref=ref, alt=alt, codon=cod + 1, rc=cds[3 * cod : 3 * cod + 3],
                          ac=mut[3 * cod : 3 * cod + 3])  # fmt: skip
        elif kind == "del" or kind == "any":
            pos = rng.randint(30, len(cds) - 30)
            mut = cds[:pos] + cds[pos + 1 :]
            fields.update(pos=pos + 1, ref=cds[pos])
        else:  # insertion after nucleotide pos (1-based)
            pos = rng.randint(30, len(cds) - 30)
            alt = rng.choice("ACGT")
            mut = cds[:pos] + alt + cds[pos:]
            fields.update(pos=pos, alt=alt)
        for key in ("ref", "alt"):
            if key in fields:
                fields[key + "_a"] = ("an " if fields[key] == "A" else "a ") + fields[key]
        cls = mutation_class(cds, mut)
        if mode == "pair":
            n = fields["n"]
            block = f">{c.name}_reference\n{_wrap(cds, 60)}\n>clone{n}\n{_wrap(mut, 60)}"
            q, seqs = text.format(seq=block, **fields), ()
        else:
            q, seqs = _render(b, rng, shape, mode, text, cds, c.name, None, **fields)
        b.add("mutation", shape, q, Expect("choice", cls), seqs, seq=cds, mutant=mut)


def _stop_mutant(rng: random.Random, cds: str, want_stop: bool) -> tuple[str, str]:
    """A mutant CDS (same extent) with or without a premature stop; returns (mutant, how)."""
    ref_len = len(translate(cds))
    for _ in range(10000):
        how = rng.choice(("nonsense", "frameshift") if want_stop else ("missense", "synonymous", "inframe"))
        if how in ("nonsense", "missense", "synonymous"):
            _, _, _, mut = _substitution(rng, cds, how)
        elif how == "frameshift":
            pos = rng.randint(30, len(cds) - 60)
            mut = (
                cds[:pos] + cds[pos + 1 :]
                if rng.random() < 0.5
                else cds[:pos] + rng.choice("ACGT") + cds[pos:]
            )
        else:
            c = rng.randint(5, len(cds) // 3 - 5)
            mut = cds[: 3 * c] + cds[3 * c + 3 :]
        mlen = len(translate(mut))
        if want_stop and mlen < ref_len - 3:
            return mut, how
        if not want_stop and mlen >= ref_len - 1 and translate(mut, to_stop=False)[:-1].count("*") == 0:
            return mut, how
    raise RuntimeError("mutant")


def _premature_stop(b: _Builder) -> None:
    rng = random.Random("premature-stop-v1")
    # (shape, mode, asks, text)
    T = [
        (
            "forum",
            "paste",
            "verdict",
            "Hi, I sequenced my {gene} clone and want to know if there's a premature stop "
            "compared to the reference. Reference first, then my clone:\n\nReference:\n{ref}\n\nClone:\n{mut}",
        ),
        (
            "protocol",
            "attach",
            "verdict",
            "Step 9: Check whether the mutant clone (second attached sequence) contains "
            "a premature stop codon relative to the wild-type CDS (first attached sequence). Yes or no?",
        ),
        (
            "textbook",
            "paste",
            "codon",
            "A mutant allele of a gene has the coding sequence labelled 'mutant' below; the "
            "wild-type coding sequence is also given. At which codon (counting the ATG as codon 1) does translation "
            "of the mutant stop?\n\nwild type:\n{ref}\n\nmutant:\n{mut}",
        ),
        (
            "notebook",
            "paste",
            "verdict",
            "wt vs mut below -- premature stop in mut? y/n\nwt: {ref}\nmut: {mut}",
        ),
        (
            "non_native",
            "paste",
            "verdict",
            "Please, my clone have a premature stop codon or not? I compare with the "
            "reference.\nreference: {ref}\nmy clone: {mut}",
        ),
        (
            "chat",
            "paste",
            "codon",
            "at which codon does my mutant stop? (ATG = codon 1)\nref {ref}\nmut {mut}",
        ),
        (
            "forum",
            "fasta",
            "verdict",
            "Does the second sequence have a premature stop codon compared with the first "
            "(the reference)? Both start at the ATG.\n\n{block}",
        ),
        (
            "protocol",
            "attach",
            "codon",
            "Step 4: The mutant CDS (second attachment) is translated from the ATG. Using "
            "the reference (first attachment) for comparison, give the codon number at which the mutant protein "
            "terminates (ATG = codon 1).",
        ),
    ]
    verdicts = ["yes", "no", "no", "yes", "yes", "no", "yes", "no"]
    for k in range(16):
        shape, mode, asks, text = T[k % len(T)]
        c = b.cds(rng, 240, 750)
        cds = c.seq
        want = True if asks == "codon" else verdicts[k % len(verdicts)] == "yes"
        mut, how = _stop_mutant(rng, cds, want)
        if mode == "attach":
            q, seqs = text.format(gene=c.name), (cds, mut)
        elif mode == "fasta":
            block = f">{c.name}_ref\n{_wrap(cds, 70)}\n>{c.name}_clone\n{_wrap(mut, 70)}"
            q, seqs = text.format(block=block), ()
        else:
            style = rng.choice(("raw", "wrap60") if shape != "notebook" else ("lower", "raw"))
            q, seqs = text.format(ref=fmt(cds, style), mut=fmt(mut, style), gene=c.name), ()
        if asks == "codon":
            ex = Expect("count", float(len(translate(mut)) + 1), unit="codon")
        else:
            ex = Expect("verdict", "yes" if want else "no")
        b.add("premature_stop", shape, q, ex, seqs, seq=cds, mutant=mut, how=how)


# (pattern, common name); palindromic ones are only asked per strand or "each site once"
_MOTIFS = (("WGATAR", "GATA"), ("TATAWAW", "TATA box"), ("CANNTG", "E-box"), ("TGANTCA", "AP-1"),
           ("CCAAT", "CCAAT box"), ("GGAA", "ETS core"), ("TTGACA", "-35 box"), ("RCCGGAAGY", "ETS"),
           ("GATC", "Dam site"), ("YATCGATR", "ClaI-like"), ("CACGTG", "E-box"), ("TGASTCA", "AP-1"))  # fmt: skip


def _pattern_count(b: _Builder) -> None:
    rng = random.Random("pattern-count-v1")
    # (shape, mode, strands, text)
    T = [
        (
            "forum",
            "paste",
            "both",
            "Hi all, quick one: how many {name} sites ({pat}) are in this promoter fragment, "
            "counting both strands?\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "top",
            "Step 2: Count the occurrences of the motif {pat} (IUPAC code) on the given "
            "strand only of the attached promoter sequence. How many are there?",
        ),
        (
            "textbook",
            "paste",
            "both",
            "How many times does the motif {pat} (IUPAC: N = any base, W = A/T, R = A/G, "
            "Y = C/T, S = G/C) occur in the following sequence? Consider both strands.\n\n{seq}",
        ),
        ("notebook", "paste", "top", "count {pat} in seq below (top strand only, overlapping ok)\n{seq}"),
        (
            "non_native",
            "paste",
            "top",
            "Please how many times the motif {pat} is present in this sequence? Only on "
            "the strand that I give.\n{seq}",
        ),
        (
            "chat",
            "paste",
            "sites",
            "how many {pat} sites in here? both strands but count each site only once\n{seq}",
        ),
        (
            "forum",
            "attach",
            "both",
            "I want to count putative {name} sites ({pat}) in the attached upstream region, "
            "on both strands. How many matches are there?",
        ),
    ]
    for k in range(15):
        shape, mode, strands, text = T[k % len(T)]
        for _ in range(1000):
            pat, name = rng.choice(_MOTIFS)
            pal = iupac_revcomp(pat) == pat
            if (strands == "both" and pal) or (strands == "sites" and not pal):
                continue
            if k % 2:
                seq = b.human(rng, rng.randint(300, 1000))
            else:
                c = b.cds(rng, 300, 3000)
                seq, _ = b.d.region(c, rng.randint(300, 800), 0)
                seq = seq[: -len(c.seq)]
            fwd = iupac_positions(seq, pat)
            rev = iupac_positions(seq, iupac_revcomp(pat))
            if strands == "top":
                val = len(fwd)
            elif strands == "sites":
                val = len(set(fwd) | set(rev))
            else:
                val = len(fwd) + len(rev)
            if 1 <= val <= 25:
                break
        also: tuple = ()
        non_overlap = len(re.findall("".join(_IUPAC[x] for x in pat), seq))
        if strands == "top" and non_overlap != val:
            also = (float(non_overlap),)
        if strands == "both" and len(set(fwd) | set(rev)) != val:
            also = (float(len(set(fwd) | set(rev))),)
        q, seqs = _render(b, rng, shape, mode, text, seq, "upstream", None, pat=pat, name=name)
        b.add("pattern_count", shape, q, Expect("count", float(val), unit="sites", also=also), seqs, seq=seq,
              pattern=pat, strands=strands)  # fmt: skip


def _variant(rng: random.Random, seq: str, n_sub: int, indel: int, alphabet: str = "ACGT") -> str:
    s = list(seq)
    for i in rng.sample(range(5, len(s) - 5), n_sub):
        s[i] = rng.choice([x for x in alphabet if x != s[i]])
    out = "".join(s)
    if indel > 0:
        i = rng.randint(len(out) // 4, 3 * len(out) // 4)
        out = out[:i] + "".join(rng.choice(alphabet) for _ in range(indel)) + out[i:]
    elif indel < 0:
        i = rng.randint(len(out) // 4, 3 * len(out) // 4)
        out = out[:i] + out[i - indel :]
    return out


def _identity(b: _Builder) -> None:
    rng = random.Random("identity-v1")
    # (shape, mode, molecule, text)
    T = [
        (
            "forum",
            "paste",
            "dna",
            "Hey, I aligned my Sanger read to the reference and want the percent identity "
            "between the two. Reference first, then the read:\n\n{a}\n\n{b}",
        ),
        (
            "protocol",
            "attach",
            "dna",
            "Step 4: Align the clone sequence (second attachment) to the reference (first "
            "attachment) with a global alignment and report the percent identity.",
        ),
        (
            "textbook",
            "paste",
            "dna",
            "Two DNA sequences are given below. Align them globally and compute their "
            "percent identity.\n\nSequence 1:\n{a}\n\nSequence 2:\n{b}",
        ),
        ("notebook", "paste", "dna", "% id seq1 vs seq2 (global aln)?\nseq1 {a}\nseq2 {b}"),
        (
            "non_native",
            "paste",
            "dna",
            "Please how much percent of identity have these two sequences?\n{a}\n{b}",
        ),
        (
            "chat",
            "paste",
            "protein",
            "what's the % identity between these two proteins?\n\n>wt\n{a}\n>variant\n{b}",
        ),
        (
            "textbook",
            "paste",
            "protein",
            "Calculate the percent identity between the two protein sequences below "
            "after a global pairwise alignment.\n\n{a}\n\n{b}",
        ),
    ]
    for k in range(13):
        shape, mode, mol, text = T[k % len(T)]
        c = b.cds(rng, 300, 1500)
        if mol == "dna":
            n = rng.randint(150, min(700, len(c.seq)))
            i = rng.randrange(0, len(c.seq) - n + 1)
            a = c.seq[i : i + n]
            indel = rng.choice((0, 0, 0, 1, -1, 2, -3)) if k % 3 else 0
            bb = _variant(rng, a, rng.randint(2, max(3, n // 15)), indel)
            main, alt = percent_identity(a, bb)
        else:
            a = translate(c.seq)
            bb = _variant(rng, a, rng.randint(3, max(4, len(a) // 8)), 0, "ACDEFGHIKLMNPQRSTVWY")
            main, alt = percent_identity(a, bb, protein=True)
        if mode == "attach":
            q, seqs = text, (a, bb)
        else:
            style = rng.choice(("raw", "wrap60")) if mol == "dna" else "raw"
            q, seqs = text.format(a=fmt(a, style), b=fmt(bb, style)), ()
        b.add("identity", shape, q, Expect("number", _num(main), 0.5, "%", alt), seqs, a=a, b=bb)


def _cutters(b: _Builder) -> None:
    rng = random.Random("cutters-v1")
    # (shape, mode, molecule, asks, text)
    T = [
        (
            "forum",
            "paste",
            "plasmid",
            "verdict",
            "I want to linearize my {name} with {enz}. Does it cut only once? Sequence (circular):\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "plasmid",
            "choice",
            "Step 1: Choose an enzyme that cuts the vector (attached, "
            "circular) exactly once, for linearization. Which of the following qualifies?\n{opts}",
        ),
        (
            "textbook",
            "paste",
            "linear",
            "verdict",
            "Is {enz} a single cutter for the linear DNA shown below? Answer yes or no.\n\n{seq}",
        ),
        ("notebook", "paste", "linear", "verdict", "{enz} unique in insert? (linear)\n{seq}"),
        (
            "non_native",
            "paste",
            "plasmid",
            "verdict",
            "Please the enzyme {enz} cut only one time my plasmid ({name}, circular)?\n{seq}",
        ),
        (
            "chat",
            "paste",
            "linear",
            "choice",
            "which of these cuts the insert exactly once? {opts}\n\nseq:\n{seq}",
        ),
        (
            "textbook",
            "paste",
            "plasmid",
            "choice",
            "Which one of the following restriction enzymes cuts the circular "
            "plasmid below exactly once?\n{opts}\n\n{seq}",
        ),
        (
            "forum",
            "attach",
            "linear",
            "verdict",
            "Quick check before I clone: is {enz} a unique cutter in my insert "
            "(attached, linear PCR product)? I need it to cut exactly once.",
        ),
    ]
    for k in range(16):
        shape, mode, mol, asks, text = T[k % len(T)]
        if mol == "plasmid":
            name = _PLASMIDS[(5 * k + 1) % len(_PLASMIDS)]
            seq, circular = b.vector(name)
        else:
            c = b.cds(rng, 700, 2500)
            seq, _ = b.d.region(c, rng.randint(0, 200), rng.randint(0, 200))
            name, circular = c.name, False
        counts = {e: n_cuts(seq, e, circular) for e in _DIGEST_ENZ}
        once = sorted(e for e, n in counts.items() if n == 1)
        other = sorted(e for e, n in counts.items() if n != 1)
        opts = ""
        if asks == "verdict":
            yes = k % 3 != 1 and bool(once)
            enz = rng.choice(once if yes else [e for e in other if counts[e] >= 2] or other)
            ex = Expect("verdict", "yes" if yes else "no")
        else:
            enz = rng.choice(once)
            wrong = rng.sample(other, 3)
            labels = "ABCD" if k % 2 else "1234"
            order = [enz, *wrong]
            rng.shuffle(order)
            lab = labels[order.index(enz)]
            sep = " " if shape == "chat" else "\n"
            opts = sep.join(f"{labels[i]}) {e}" for i, e in enumerate(order))
            ex = Expect("choice", lab, also=(enz,))
        styles = ("raw", "wrap60", "wrap70", "fasta60", "fasta70") if len(seq) > 3000 else None
        q, seqs = _render(b, rng, shape, mode, text, seq, name, styles, name=name, enz=enz, opts=opts)
        b.add("cutters", shape, q, ex, seqs, seq=seq, enzyme=enz, circular=circular, counts=counts)


def _feasible(template: str, lo: int, hi: int) -> bool:
    res = primer3.bindings.design_primers(
        {"SEQUENCE_ID": "t", "SEQUENCE_TEMPLATE": template},
        {"PRIMER_PRODUCT_SIZE_RANGE": [[lo, hi]], "PRIMER_NUM_RETURN": 1},
    )
    return res.get("PRIMER_PAIR_NUM_RETURNED", 0) > 0


def _primer_design(b: _Builder) -> None:
    rng = random.Random("primer-design-v1")
    # (shape, mode, spec, text)
    T = [
        (
            "forum",
            "paste",
            "about",
            "Hi all, I need primers to amplify a ~{n} bp fragment from the sequence below "
            "(for a DIG probe). Could you suggest a pair and tell me the expected product size?\n\n{seq}",
        ),
        (
            "protocol",
            "attach",
            "range",
            "Step 1: Design a primer pair for qPCR on the attached template; the "
            "amplicon must be {lo}-{hi} bp. Report both primers and the amplicon size.",
        ),
        (
            "textbook",
            "paste",
            "range",
            "Design a pair of PCR primers (18-25 nt, Tm about 60 °C) that amplify a "
            "product between {lo} and {hi} bp from the following template. State the product size.\n\n{seq}",
        ),
        ("notebook", "paste", "about", "need F/R for ~{n}bp amplicon off this tmpl:\n{seq}"),
        (
            "non_native",
            "paste",
            "about",
            "Please can you design for me the primers for obtain a product of around "
            "{n} bp from this sequence?\n{seq}",
        ),
        ("chat", "paste", "range", "can you pick primers giving a {lo}-{hi} bp product on this? {seq}"),
        (
            "forum",
            "attach",
            "range",
            "Looking for a primer pair for colony PCR on my insert (attached). Product "
            "should be somewhere between {lo} and {hi} bp so I can tell it from the empty vector. Suggestions?",
        ),
    ]
    for k in range(15):
        shape, mode, spec, text = T[k % len(T)]
        while True:
            if k % 3 == 2:
                t = b.human(rng, rng.randint(600, 1500))
                hdr = "chr1_region"
            else:
                c = b.cds(rng, 600, 2000)
                t, hdr = c.seq, c.name
            if spec == "about":
                n = rng.choice((150, 200, 250, 300, 350, 400, 450, 500))
                lo, hi = round(n * 0.9), round(n * 1.1)
            else:
                lo, hi = rng.choice(((80, 150), (100, 200), (150, 250), (200, 400), (300, 500), (400, 600)))
                n = (lo + hi) // 2
            if hi < len(t) - 50 and _feasible(t, lo, hi):
                break
        q, seqs = _render(b, rng, shape, mode, text, t, hdr, None, n=n, lo=lo, hi=hi)
        ex = Expect("number", (lo + hi) / 2, (hi - lo) / 2, "bp")
        b.add("primer_design_constraint", shape, q, ex, seqs, template=t, lo=lo, hi=hi)


def _transcribe(b: _Builder) -> None:
    rng = random.Random("transcribe-v1")
    # (shape, given strand, text)
    T = [
        (
            "forum",
            "coding",
            "Hi, how do I write the mRNA for this coding strand? Could someone just give me the "
            "sequence?\n\n{seq}",
        ),
        (
            "protocol",
            "template53",
            "Step 2: Write out the mRNA transcribed from the template strand shown below "
            "(written 5'->3').\n\n{seq}",
        ),
        (
            "textbook",
            "template35",
            "The template strand of a short gene segment is 3'-{seq}-5'. Write the mRNA "
            "transcribed from it, 5'->3'.",
        ),
        ("notebook", "coding", "mRNA from coding strand:\n{seq}"),
        ("non_native", "coding", "Please transcribe this DNA to RNA (it is the coding strand):\n{seq}"),
        ("chat", "template53", "what's the RNA made from this? it's the template strand, 5' to 3'\n{seq}"),
        (
            "textbook",
            "coding",
            "The coding (sense) strand of a gene is 5'-{seq}-3'. What is the sequence of the mRNA?",
        ),
    ]
    for k in range(13):
        shape, strand, text = T[k % len(T)]
        c = b.cds(rng, 150, 1500)
        n = rng.randint(24, 150)
        i = rng.randrange(0, len(c.seq) - n + 1)
        coding = c.seq[i : i + n]
        mrna = coding.replace("T", "U")
        shown = {"coding": coding, "template53": revcomp(coding), "template35": coding.translate(_COMP)}[
            strand
        ]
        styles = ("raw",) if "-{seq}-" in text else None
        q, _ = _render(b, rng, shape, "paste", text, shown, "dna", styles)
        b.add("transcribe", shape, q, Expect("sequence", mrna, unit="nt"), (), seq=shown, strand=strand)


def _options(labels: str, opts: list[str], sep: str = "\n") -> str:
    return sep.join(f"{labels[i]}) {o}" for i, o in enumerate(opts))


def _choice(b: _Builder) -> None:
    rng = random.Random("choice-v1")
    kinds = ["gc", "pcr", "ecori", "revcomp", "orf", "nonsense", "wallace", "noncutter", "gc", "ecori"]
    for k in range(20):
        kind = kinds[k % len(kinds)]
        labels = "ABCD" if k % 3 else "1234"
        seqs: tuple[str, ...] = ()
        if kind == "gc":
            while True:
                cands = [b.human(rng, rng.randint(60, 140)) if i % 2 else b.ecoli_window(rng, rng.randint(60, 140))[1]
                         for i in range(4)]  # fmt: skip
                gcs = sorted((gc_percent(s) for s in cands), reverse=True)
                if gcs[0] - gcs[1] >= 2:
                    break
            win = max(range(4), key=lambda i: gc_percent(cands[i]))
            shape = ("forum", "non_native")[k % 2]
            opts = _options(labels, cands)
            q = ("Which of the following sequences has the highest GC content?\n\n" + opts
                 if shape == "forum" else
                 "Please which one of these sequence have the most high GC content?\n" + opts)  # fmt: skip
            ex = Expect("choice", labels[win], also=(cands[win],))
            ops = {"options": cands}
        elif kind == "pcr":
            c = b.cds(rng, 800, 2500)
            t, _ = b.d.region(c, 100, 100)
            pairs = []
            while len(pairs) < 3:
                i, j, f, r = _pick_primers(rng, t, 150, min(1500, len(t) - 20))
                if all(
                    abs((j - i) - (pj - pi)) >= 40 and abs(i - pi) >= 30 and abs(j - pj) >= 30
                    for pi, pj, _, _ in pairs
                ):
                    pairs.append((i, j, f, r))
            win = rng.randrange(3)
            size = pairs[win][1] - pairs[win][0]
            opts = _options(labels, [f"F: {f}  R: {r}" for _, _, f, r in pairs])
            shape = "protocol"
            q = (
                f"Step 3: Pick the primer pair that gives a {size} bp product from the template (attached). "
                f"Which pair is it?\n{opts}"
            )
            seqs = (t,)
            ex = Expect("choice", labels[win], also=(pairs[win][2],))
            ops = {"template": t, "pairs": pairs}
        elif kind == "ecori":
            frags = []
            while len(frags) < 3:
                s = b.ecoli_window(rng, rng.randint(60, 200))[1]
                if "GAATTC" not in s:
                    frags.append(s)
            while True:
                s = b.ecoli_window(rng, rng.randint(60, 200))[1]
                if s.count("GAATTC") == 1 and 6 < s.index("GAATTC") < len(s) - 12:
                    break
            win = rng.randrange(4)
            frags.insert(win, s)
            shape = ("textbook", "chat")[k % 2]
            opts = _options(labels, frags, "\n\n")
            q = ("Which of the following DNA fragments contains a recognition site for EcoRI?\n\n" + opts
                 if shape == "textbook" else "which one of these has an EcoRI site?\n\n" + opts)  # fmt: skip
            ex = Expect("choice", labels[win], also=(s,))
            ops = {"options": frags}
        elif kind == "revcomp":
            s = _primer_from(b, rng, 20, 28)
            rc = revcomp(s)
            wrong = [
                s[::-1],
                s.translate(_COMP),
                rc[:5] + {"A": "G", "C": "T", "G": "A", "T": "C"}[rc[5]] + rc[6:],
            ]
            cands = [rc, *wrong]
            rng.shuffle(cands)
            win = cands.index(rc)
            shape = "notebook"
            q = f"revcomp of {s} = ?\n" + _options(labels, cands)
            ex = Expect("choice", labels[win], also=(rc,))
            ops = {"seq": s, "options": cands}
        elif kind == "orf":
            while True:
                cands = [_orf_source(b, rng, 3 if i == 0 else i)[0][:900] for i in range(3)]
                best = [max((o.aa for o in find_orfs(s)[0]), default=0) for s in cands]
                srt = sorted(best, reverse=True)
                if srt[0] - srt[1] >= 10:
                    break
            win = best.index(max(best))
            shape = "non_native"
            q = (
                "Hello, I have three sequence and I need to know which one contain the most long ORF (ATG to stop, "
                "both strands).\n\n" + _options(labels, cands, "\n\n")
            )
            ex = Expect("choice", labels[win])
            ops = {"options": cands}
        elif kind == "nonsense":
            c = b.cds(rng, 240, 600)
            clones = [_substitution(rng, c.seq, w)[3] for w in ("nonsense", "missense", "synonymous")]
            order = [0, 1, 2]
            rng.shuffle(order)
            clones = [clones[i] for i in order]
            win = order.index(0)
            shape = "chat"
            q = (
                f"I've got three {c.name} clones back from sequencing. Which one carries a nonsense mutation? "
                f"Reference first.\n\nref:\n{c.seq}\n\n" + _options(labels, clones, "\n\n")
            )
            ex = Expect("choice", labels[win])
            ops = {"seq": c.seq, "options": clones}
        elif kind == "wallace":
            while True:
                ps = [_primer_from(b, rng, 18, 24) for _ in range(4)]
                tms = sorted((tm_wallace(p) for p in ps), reverse=True)
                if tms[0] - tms[1] >= 2:
                    break
            win = max(range(4), key=lambda i: tm_wallace(ps[i]))
            shape = "textbook"
            q = (
                "Which of the following primers has the highest melting temperature according to the Wallace rule "
                "(Tm = 2(A+T) + 4(G+C))?\n" + _options(labels, ps)
            )
            ex = Expect("choice", labels[win], also=(ps[win],))
            ops = {"options": ps}
        else:  # noncutter
            c = b.cds(rng, 800, 2500)
            t = c.seq
            counts = {e: n_cuts(t, e, False) for e in _DIGEST_ENZ}
            zero = sorted(e for e, n in counts.items() if n == 0)
            some = sorted(e for e, n in counts.items() if n > 0)
            ens = [rng.choice(zero), *rng.sample(some, 3)]
            rng.shuffle(ens)
            win = ens.index(next(e for e in ens if counts[e] == 0))
            shape = "protocol"
            q = (
                "Step 2: The insert (attached, linear) must stay intact during cloning. Which of these enzymes does "
                "NOT cut it?\n" + _options(labels, ens)
            )
            seqs = (t,)
            ex = Expect("choice", labels[win], also=(ens[win],))
            ops = {"seq": t, "counts": counts, "options": ens}
        b.add("choice", shape, q, ex, seqs, **ops)


def _site_fragment(seq: str, cut_enz: list[str], site_enz: str) -> int | None:
    """Size of the (circular) digest fragment that carries the single site of ``site_enz``."""
    cuts = cut_positions(seq, cut_enz, True)
    (pos,) = cut_positions(seq, [site_enz], True)
    if any(min(abs(pos - c), len(seq) - abs(pos - c)) < 12 for c in cuts):
        return None
    sizes = fragment_sizes(len(seq), cuts, True)
    for a, size in zip(cuts, sizes, strict=True):
        if (pos - a) % len(seq) < size:
            return size
    return None


def _chain(b: _Builder) -> None:
    rng = random.Random("chain-v1")
    kinds = ["pcr_digest", "tail_digest", "orf_residue", "orf_mass", "mut_stop", "site_frag", "pcr_gc", "orf_pi",
             "pcr_count", "mut_len"]  # fmt: skip
    shapes = {"pcr_digest": "forum", "tail_digest": "protocol", "orf_residue": "textbook", "orf_mass": "notebook",
              "mut_stop": "non_native", "site_frag": "chat", "pcr_gc": "forum", "orf_pi": "protocol",
              "pcr_count": "textbook", "mut_len": "chat"}  # fmt: skip
    for k in range(20):
        kind = kinds[k % len(kinds)]
        shape = shapes[kind]
        if k >= 10:  # second round: rotate shapes so each kind is seen in two voices
            shape = SHAPES[(SHAPES.index(shape) + 3) % len(SHAPES)]
        seqs: tuple[str, ...] = ()
        if kind in ("pcr_digest", "pcr_count", "pcr_gc", "tail_digest"):
            for _ in range(200):
                c = b.cds(rng, 600, 2200)
                t, _ = b.d.region(c, 100, 100)
                i, j, f, r = _pick_primers(rng, t, 300, min(1500, len(t) - 20))
                if kind == "tail_digest":
                    e1, e2 = rng.sample(["EcoRI", "BamHI", "HindIII", "XhoI", "NdeI", "KpnI", "SalI"], 2)
                    f, r = _tailed(rng, f, e1), _tailed(rng, r, e2)
                    enz = [e1, e2]
                    break
                ok = [e for e in _DIGEST_ENZ if 1 <= n_cuts(t[i:j], e, False) <= 2]
                if ok:
                    enz = [rng.choice(ok)]
                    break
            product = _product(t, f, r)
            sizes = digest(product, enz, False)
            tmpl = fmt(t, rng.choice(SHAPE_STYLES[shape]), c.tag)
            ops = {"template": t, "fwd": f, "rev": r, "enzymes": tuple(enz), "product": product}
            e0 = enz[0]
            if kind == "tail_digest":
                lead = {"protocol": f"Step 5: Digest the PCR product (primers {f} and {r}, template attached) with "
                        f"{e0} and {enz[1]}, whose sites are in the primer tails, then gel-purify the largest "
                        f"fragment. What size (bp) is that fragment?"}.get(shape, f"Please, I make PCR with the primers {f} "
                        f"and {r} (the template is attached) and after I digest with {e0} and {enz[1]}, the sites "
                        f"are in the tails. Which size has the biggest fragment that I purify from the gel?")  # fmt: skip
                q, seqs = lead, (t,)
                ex = Expect("number", float(max(sizes)), float(max_overhang(enz)), "bp")
            elif kind == "pcr_gc":
                lead = {"forum": f"Before I send it for sequencing: what's the GC content of the PCR product I'd "
                        f"get from this template with primers {f} and {r}?",
                        "notebook": f"pcr {f} + {r} on tmpl below -> GC% of product?"}[shape]  # fmt: skip
                q = f"{lead}\n\n{tmpl}"
                ex = Expect("number", _num(gc_percent(product)), 0.5, "%")
            else:
                asks = {"pcr_digest": ("What size is the largest fragment after the digest?", "largest frag bp?",
                                       "which is the size of the bigger fragment?", "what's the biggest piece?"),
                        "pcr_count": ("How many fragments are obtained?", "# frags?",
                                      "how many fragments I obtain?", "how many fragments?")}[kind]  # fmt: skip
                lead = {"forum": f"Hi all, I'm going to amplify part of {c.name} with F {f} and R {r} (template "
                        f"below) and then cut the PCR product with {e0}. {asks[0]}",
                        "textbook": f"The primers 5'-{f}-3' and 5'-{r}-3' are used to amplify a segment of the DNA "
                        f"below. The PCR product is then digested to completion with {e0}. {asks[0]}",
                        "notebook": f"pcr {f} + {r} on tmpl below, then {e0} digest -> {asks[1]}",
                        "non_native": f"Please, I do PCR with the primers {f} and {r} on this template and after I "
                        f"cut the product with {e0}, {asks[2]}",
                        "chat": f"if I PCR this with {f} and {r} and then cut with {e0}, {asks[3]}"}[shape]  # fmt: skip
                q = f"{lead}\n\n{tmpl}"
                if kind == "pcr_count":
                    ex = Expect("count", float(len(sizes)), unit="fragments")
                else:
                    ex = Expect("number", float(max(sizes)), float(max_overhang(enz)), "bp")
        elif kind in ("orf_residue", "orf_mass", "orf_pi"):
            seq, _ = _orf_source(b, rng, k)
            longest = max(find_orfs(seq)[0], key=lambda o: o.aa)
            prot = translate(orf_seq(seq, longest))
            ops = {"seq": seq, "protein": prot}
            st = fmt(seq, rng.choice(SHAPE_STYLES[shape]), "contig")
            if kind == "orf_residue":
                n = rng.randint(10, len(prot) - 2)
                lead = {"textbook": "Find the longest ORF (ATG to stop, both strands) in the sequence below. Which "
                        "amino acid is at position {n} of the protein it encodes?",
                        "chat": "can you find the longest ORF in this (either strand, ATG..stop) and tell me which "
                        "residue sits at position {n} of its protein?"}.get(shape, "longest ORF (ATG-stop, both "
                        "strands) -> residue #{n} of the protein?")  # fmt: skip
                q = lead.format(n=n) + f"\n\n{st}"
                ex = residue_expect(prot[n - 1])
                ops["position"] = n
            elif kind == "orf_mass":
                lead = {"notebook": "longest ORF in this (ATG..stop, 6 frames) -> protein MW (kDa)?",
                        "forum": "I think this contig carries a gene. If I take the longest ORF (ATG to stop, any "
                        "strand), what molecular weight would the encoded protein have?"}.get(shape, "Find the "
                        "longest ORF (ATG to stop, both strands) and give the molecular weight of its protein.")  # fmt: skip
                q = f"{lead}\n\n{st}"
                ex = Expect("number", _num(protein_mass_kda(prot), 3), 0.05, "kDa",
                            (_num(protein_mass_kda(prot, True), 3),))  # fmt: skip
            else:
                lead = {"protocol": "Step 3: Identify the longest ORF in the attached clone (ATG to stop, both "
                        "strands) and calculate the theoretical pI of the encoded protein for the IEX step.",
                        "textbook": "Identify the longest ORF in the attached clone (ATG to stop, both strands) and "
                        "calculate the theoretical pI of the encoded protein."}.get(shape, "Please, can you find the "
                        "longest ORF in the sequence I attach (from ATG to stop, both strands) and say me the "
                        "isoelectric point of its protein?")  # fmt: skip
                q, seqs = lead, (seq,)
                main, alt = protein_pi(prot)
                ex = Expect("number", _num(main), 0.25, "pH", alt)
        elif kind in ("mut_stop", "mut_len"):
            c = b.cds(rng, 240, 750)
            want = kind == "mut_len" or k % 4 == 0
            mut, how = _stop_mutant(rng, c.seq, want)
            ops = {"seq": c.seq, "mutant": mut, "how": how}
            if kind == "mut_stop":
                lead = {"non_native": "Please, first translate both sequences (the reference and my mutant) and "
                        "then tell me: the mutant protein is shorter because of a new stop codon?"}.get(shape,
                        "Translate both the reference and the mutant CDS and tell me whether the mutant protein is "
                        "truncated by a premature stop codon.")  # fmt: skip
                ex = Expect("verdict", "yes" if want else "no")
            else:
                lead = {"chat": "translate both of these (ref + my mutant, both from the ATG) and tell me how many "
                        "amino acids the mutant protein has before it hits the stop?"}.get(shape, "Translate the "
                        "reference and the mutant coding sequences below from the ATG. How many amino acids long "
                        "is the mutant protein?")  # fmt: skip
                ex = Expect("count", float(len(translate(mut))), unit="aa")
            q = f"{lead}\n\nreference:\n{_wrap(c.seq, 60)}\n\nmutant:\n{_wrap(mut, 60)}"
        else:  # site_frag
            for _ in range(500):
                name = rng.choice(_PLASMIDS)
                seq, _ = b.vector(name)
                single = [e for e in _DIGEST_ENZ if n_cuts(seq, e, True) == 1]
                cutter = [e for e in _DIGEST_ENZ if 2 <= n_cuts(seq, e, True) <= 4]
                if not cutter or not single:
                    continue
                e_cut, e_site = rng.choice(cutter), rng.choice(single)
                sizes = digest(seq, [e_cut], True)
                frag = _site_fragment(seq, [e_cut], e_site)
                if frag is not None and len(set(sizes)) == len(sizes) and min(sizes) >= 50:
                    break
            ops = {"seq": seq, "enzymes": (e_cut,), "site": e_site, "circular": True}
            lead = {"chat": f"if I cut this plasmid ({name}, circular) with {e_cut}, which fragment carries the "
                    f"{e_site} site? just give me its size in bp"}.get(shape, f"The circular plasmid {name} "
                    f"(attached) is digested with {e_cut}. What is the size of the fragment that contains the "
                    f"{e_site} site?")  # fmt: skip
            if shape == "chat":
                q = f"{lead}\n{fmt(seq, 'raw')}"
            else:
                q, seqs = lead, (seq,)
            ex = Expect("number", float(frag), float(max_overhang([e_cut])), "bp")
        b.add("chain", shape, q, ex, seqs, kind=kind, **ops)


def _product(t: str, f: str, r: str) -> str:
    """The PCR product sequence (top strand), 5' tails included."""
    for k in range(len(f), 14, -1):
        if t.count(f[-k:]) == 1:
            start, tail_f = t.index(f[-k:]), f[: len(f) - k]
            break
    rc = revcomp(r)
    for k in range(len(rc), 14, -1):
        if t.count(rc[:k]) == 1:
            end, tail_r = t.index(rc[:k]) + k, rc[k:]
            break
    product = tail_f + t[start:end] + tail_r
    assert len(product) == pcr_product(t, f, r)
    return product


_MUT_WORDS = ["mutation", "change", "variant", "position", "which", "substitution", "nucleotide"]


def _ask_back(b: _Builder) -> None:
    rng = random.Random("ask-back-v1")
    c1 = b.cds(rng, 300, 700)
    c2 = b.cds(rng, 300, 700)
    c3 = b.cds(rng, 600, 1500)
    t3, _ = b.d.region(c3, 150, 150)
    _, _, f3, _ = _pick_primers(rng, t3, 300, 800)
    pl, _ = b.vector("pBR322")
    pl2, _ = b.vector("pEGFP-N1")
    _, _, _, nons = _substitution(rng, c2.seq, "nonsense")
    # (shape, question, attached sequences, keywords)
    T = [
        (
            "forum",
            "Hi all, how many fragments will I get if I digest this plasmid? It's circular.\n\n"
            + _wrap(pl, 70),
            (),
            ["enzyme"],
        ),
        (
            "protocol",
            "Step 3: Calculate the Tm of the forward primer before setting the annealing temperature. "
            "What Tm should I use?",
            (),
            ["primer", "sequence"],
        ),
        (
            "textbook",
            "What is the GC content of the sequence below?\n\n",
            (),
            ["sequence", "paste", "provide"],
        ),
        ("notebook", "pcr product size? tmpl attached", (t3,), ["primer"]),
        (
            "non_native",
            "Please what is the effect of the mutation in my gene? Here the sequence:\n" + c1.seq,
            (),
            _MUT_WORDS,
        ),
        (
            "chat",
            "does my clone have a premature stop?\n\n" + c2.seq + "\n\n" + nons,
            (),
            ["reference", "which", "clone", "mutant", "wild"],
        ),
        (
            "forum",
            "What's the amino acid at position 57 of my protein? I'm going to mutate it to alanine.",
            (),
            ["sequence", "protein", "gene"],
        ),
        (
            "protocol",
            "Step 4: Digest the plasmid with EcoRI and HindIII. How many fragments will be seen on the gel?",
            (),
            ["sequence", "plasmid", "which"],
        ),
        (
            "textbook",
            f"A PCR uses the forward primer 5'-{f3}-3' on the template below. What size is the product?"
            f"\n\n{_wrap(t3, 60)}",
            (),
            ["reverse", "primer"],
        ),
        ("notebook", "translate attached pls", (), ["sequence", "attach"]),
        ("non_native", "Please this mutation is synonymous or not? The gene is:\n" + c2.seq, (), _MUT_WORDS),
        ("chat", "which enzymes cut my plasmid only once?", (), ["sequence", "plasmid", "which"]),
        (
            "forum",
            "Can someone design me primers for a ~300 bp product? Thanks!",
            (),
            ["template", "sequence", "target"],
        ),
        (
            "textbook",
            "Calculate the percent identity between the two sequences below.\n\n" + c3.seq,
            (),
            ["second", "other", "sequence", "two"],
        ),
        (
            "protocol",
            "Step 6: Digest the attached plasmid with the enzyme chosen in step 5 and report the fragment "
            "sizes.",
            (pl2,),
            ["enzyme"],
        ),
        (
            "chat",
            f"hey {rng.choice(NAMES)}, what MW will {c1.name} have with the tag? cds attached",
            (c1.seq,),
            ["tag", "which"],
        ),
        (
            "non_native",
            "Hello, please can you say me the size of the PCR product with my primers? Thank you so much.",
            (),
            ["primer", "template", "sequence"],
        ),
    ]
    for shape, q, seqs, kw in T:
        b.add("ask_back", shape, q, Expect("ask_back", list(kw)), seqs)


_FAMILY_BUILDERS = (_gc, _digest, _pcr, _tm, _orf_longest, _orf_count, _translate, _residue, _protein_mass,
                    _protein_pi, _revcomp, _mutation, _premature_stop, _pattern_count, _identity, _cutters,
                    _primer_design, _transcribe, _choice, _chain, _ask_back)  # fmt: skip


@functools.lru_cache(maxsize=2)
def _build(data_dir: str) -> tuple[tuple[Item, dict], ...]:
    b = _Builder(_load(data_dir))
    for make in _FAMILY_BUILDERS:
        make(b)
    return tuple(b.records)


def build_records(data: Path) -> list[tuple[Item, dict]]:
    """(item, operands) pairs; operands are the raw inputs behind the expected value."""
    return list(_build(str(Path(data).resolve())))


def build_items(data: Path) -> list[Item]:
    """The evaluation items, built deterministically from the shared data folder."""
    return [item for item, _ in build_records(data)]
