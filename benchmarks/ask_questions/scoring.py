"""Reading numbers, sequences and names out of an answer's text (the benchmark's own scoring helpers).

Nothing here knows the code under test: it only reads text.

- :func:`first_sentence`: the first non-empty line of the answer, up to the first ``.``, ``!`` or ``?``
  followed by white space or the end (so ``62.3`` and ``p.Gly21Cys`` do not end a sentence).
- :func:`numbers`: every number with the unit written right after it. Citation markers (``[1]``,
  ``[2, 3]``) and strand ends (``5'``, ``3'``) are removed first; thousands separators (``4,923``,
  ``4 923`` with a thin or no-break space) are read as one number; ``12-mer`` gives 12; a number glued to
  letters before it (``b0001``, ``p.Gly21Cys``) is not read. Number words ``zero`` … ``twenty`` (and
  ``no``/``none`` before a counted noun) count as numbers for counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CITATION = re.compile(r"\[\d+(?:\s*[,\u2013-]\s*\d+)*\]")
STRAND_END = re.compile(r"(?<![\w.])[35]\s*['\u2032\u2019]")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[,\u2009\u202f\u00a0]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
UNIT_AFTER = re.compile(
    r"\s*(kDa|kD|Da|daltons?|Daltons?|°\s*C|º\s*C|˚\s*C|degrees?(?:\s+C(?:elsius)?)?|C\b|%|percent|"
    r"bp|base[- ]pairs?|nt|nucleotides?|kb|aa|amino acids?|fragments?|pieces?|bands?|enzymes?|cutters?|times?|"
    r"occurrences?|sites?|matches|match|hits?)?"
)
NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty"
)
WORDS = {w: i for i, w in enumerate(NUMBER_WORDS.split())}
WORD_NUMBER = re.compile(r"\b(" + "|".join(WORDS) + r"|no|none|single)\b", re.I)


@dataclass(frozen=True)
class Number:
    value: float
    unit: str  # normalised: kda, da, c, %, bp, aa, count nouns as written (lower case), or ""
    start: int


def clean(text: str) -> str:
    text = CITATION.sub(" ", text or "")
    return STRAND_END.sub(" ", text)


def first_sentence(text: str) -> str:
    text = clean(text)
    for line in text.splitlines():
        line = line.strip().lstrip("#*->• ").strip()
        if not line:
            continue
        m = SENTENCE_END.search(line)
        return line[: m.end()] if m else line
    return ""


def _unit(raw: str) -> str:
    raw = (raw or "").strip().lower()
    if raw in ("kda", "kd"):
        return "kda"
    if raw in ("da", "dalton", "daltons"):
        return "da"
    if raw.startswith(("°", "º", "˚", "degree")) or raw == "c":
        return "c"
    if raw in ("%", "percent"):
        return "%"
    if raw.startswith(("bp", "base")) or raw in ("nt", "nucleotide", "nucleotides"):
        return "bp"
    if raw == "kb":
        return "kb"
    if raw.startswith(("aa", "amino")):
        return "aa"
    return raw


def numbers(text: str, *, words: bool = False, cleaned: bool = False) -> list[Number]:
    """Numbers in ``text`` (in order), each with the unit right after it."""
    text = text if cleaned else clean(text)
    out = []
    for m in NUMBER.finditer(text):
        raw = re.sub(r"[,\u2009\u202f\u00a0]", "", m.group(1))
        unit = UNIT_AFTER.match(text, m.end()).group(1)
        out.append(Number(float(raw), _unit(unit), m.start()))
    if words:
        for m in WORD_NUMBER.finditer(text):
            w = m.group(1).lower()
            value = 0 if w in ("no", "none") else 1 if w == "single" else WORDS[w]
            unit = UNIT_AFTER.match(text, m.end()).group(1)
            out.append(Number(float(value), _unit(unit), m.start()))
        out.sort(key=lambda n: n.start)
    return out


def with_unit(nums: list[Number], units: tuple[str, ...]) -> list[Number]:
    """The numbers written with one of ``units``; all of them when none has one."""
    hit = [n for n in nums if n.unit in units]
    return hit or nums


def count_in(text: str, nouns: tuple[str, ...], *, whole: bool = True, fallback: bool = True) -> float | None:
    """The count stated for ``nouns`` (``5 fragments``): the first number written right before one of the
    nouns, in the whole answer (``whole``) or its first sentence; else (``fallback``) the first number of
    the first sentence; None when there is none."""
    scope = clean(text) if whole else first_sentence(text)
    nums = numbers(scope, words=True, cleaned=True)
    for n in nums:
        if any(n.unit.startswith(noun) for noun in nouns):
            return n.value
    if not fallback:
        return None
    nums = numbers(first_sentence(text), words=True, cleaned=True)
    return nums[0].value if nums else None


def near(value: float, expected: float, tol: float) -> bool:
    return abs(value - expected) <= tol + 1e-9


def squash(text: str) -> str:
    """Upper case with all white space removed (for sequence strings wrapped over lines)."""
    return re.sub(r"\s+", "", text or "").upper()


DNA_WORD = re.compile(r"(?<![A-Za-z])([ACGTacgt]{18,30})(?![A-Za-z])")
LONG_DNA_WORD = re.compile(r"(?<![A-Za-z])([ACGTacgt]{18,})(?![A-Za-z])")


def dna_words(text: str, *, longer: bool = False) -> list[str]:
    """Words of 18-30 A/C/G/T letters (primer sequences) in order, upper case, duplicates dropped;
    ``longer``: words of 18 or more letters (tailed cloning primers are often over 30 nt)."""
    seen: list[str] = []
    for m in (LONG_DNA_WORD if longer else DNA_WORD).finditer(text or ""):
        w = m.group(1).upper()
        if w not in seen:
            seen.append(w)
    return seen


AA_NAMES = {
    "A": ("Ala", ["alanine"]), "R": ("Arg", ["arginine"]), "N": ("Asn", ["asparagine"]),
    "D": ("Asp", ["aspartate", "aspartic acid"]), "C": ("Cys", ["cysteine"]),
    "E": ("Glu", ["glutamate", "glutamic acid"]), "Q": ("Gln", ["glutamine"]), "G": ("Gly", ["glycine"]),
    "H": ("His", ["histidine"]), "I": ("Ile", ["isoleucine"]), "L": ("Leu", ["leucine"]),
    "K": ("Lys", ["lysine"]), "M": ("Met", ["methionine"]), "F": ("Phe", ["phenylalanine"]),
    "P": ("Pro", ["proline"]), "S": ("Ser", ["serine"]), "T": ("Thr", ["threonine"]),
    "W": ("Trp", ["tryptophan"]), "Y": ("Tyr", ["tyrosine"]), "V": ("Val", ["valine"]),
}  # fmt: skip


def _names_pattern(letter: str, *, one_letter: bool) -> re.Pattern[str]:
    three, full = AA_NAMES[letter]
    alts = [rf"\b(?:{three}|{three.upper()})\b"] + [rf"\b{re.escape(f)}\b" for f in full]
    pat = "|".join(alts)
    if one_letter:  # the one-letter code as a word of its own, upper case
        return re.compile(rf"(?i:{pat})|(?<![\w'-]){letter}(?![\w'-])")
    return re.compile(rf"(?i:{pat})")


def names_residue(sentence: str, letter: str) -> bool:
    """The sentence names amino acid ``letter`` (three-letter code, full name, or one-letter code as a
    word) and names no other amino acid by three-letter code or full name."""
    if not _names_pattern(letter, one_letter=True).search(sentence):
        return False
    return not any(
        _names_pattern(other, one_letter=False).search(sentence) for other in AA_NAMES if other != letter
    )


CODON_WORD = re.compile(r"(?<![A-Za-z])([ACGTU]{3})(?![A-Za-z])")


def codon_words(text: str) -> list[re.Match[str]]:
    """Upper-case three-letter A/C/G/T/U words (codons) in order, as matches (``group(1)``, ``end()``)."""
    return list(CODON_WORD.finditer(text or ""))


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text or "", re.I) is not None
