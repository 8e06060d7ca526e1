"""Answer checker for the ask_dev set: pure functions, no dnahlm imports.

``check(answer, expect)`` returns ``(strict, lenient)``:

- strict: the answer is in the first sentence (see ``sentences``);
- lenient: the answer is anywhere in the text (verdicts: in the first two sentences).

``expect`` is any object with ``kind``, ``value``, ``tol``, ``unit`` and ``also`` attributes (``items.Expect``).
The rules are documented in README.md.
"""

from __future__ import annotations

import re

BAD = ("Field required", "Traceback")
ASK_BACK_BAD = ("Field required", "validation error", "could not answer", "Traceback")

# ----------------------------------------------------------------------------------------------------------
# Sentences

_ABBREV = (
    "e.g",
    "i.e",
    "approx",
    "ca",
    "vs",
    "etc",
    "fig",
    "resp",
    "cf",
    "al",
    "dr",
    "prof",
    "no",
    "nt",
    "aa",
)
_SEQ_LINE = re.compile(r"[\s\d]*(?:[A-Z*]{3,}|[acgtun]{3,})(?:[\s\d]+(?:[A-Z*]+|[acgtun]+))*[\s\d]*")


def _split_line(line: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", line.strip())
    out: list[str] = []
    for p in parts:
        if out and re.search(r"(?:^|\W)(" + "|".join(re.escape(a) for a in _ABBREV) + r")\.$", out[-1], re.I):
            out[-1] += " " + p
        else:
            out.append(p)
    return [p for p in out if p.strip()]


def _is_seq_line(line: str) -> bool:
    return bool(_SEQ_LINE.fullmatch(line)) and len(re.sub(r"[^A-Za-z*]", "", line)) >= 10


def sentences(text: str) -> list[str]:
    """Sentences of an answer. Splits at ". ", "! ", "? " (not inside numbers such as 45.2, nor after common
    abbreviations) and at line breaks. Consecutive sequence-only lines (a wrapped sequence) stay one unit, and
    a sentence ending with ":" takes the block that follows (the rest of its paragraph, or the next paragraph)."""
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    units: list[tuple[str, int, bool]] = []  # (text, paragraph, is a sequence block)
    for pi, para in enumerate(paras):
        for line in para.split("\n"):
            if not line.strip():
                continue
            if _is_seq_line(line):
                if units and units[-1][1] == pi and units[-1][2]:
                    units[-1] = (units[-1][0] + "\n" + line.strip(), pi, True)
                else:
                    units.append((line.strip(), pi, True))
                continue
            for s in _split_line(line):
                units.append((s, pi, False))
    out: list[str] = []
    i = 0
    while i < len(units):
        s, pi, _ = units[i]
        i += 1
        if s.rstrip("*_ `").endswith(":") and i < len(units):
            same = [u for u in units[i:] if u[1] == pi]
            block = same or [u for u in units[i:] if u[1] == units[i][1]]
            s = s + "\n" + "\n".join(u[0] for u in block)
            i += len(block)
        out.append(s)
    return out


def first_sentence(text: str) -> str:
    ss = sentences(text)
    return ss[0] if ss else ""


# ----------------------------------------------------------------------------------------------------------
# Numbers

_NUM = re.compile(r"(?<![\w.,])([-−]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
_WORDS = {
    "zero": 0, "none": 0, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip


def _numbers(text: str) -> list[tuple[float, int, int]]:
    out = []
    for m in _NUM.finditer(text):
        x = float(m.group(2).replace(",", "") + (m.group(3) or ""))
        out.append((-x if m.group(1) else x, m.start(), m.end()))
    return out


def numbers(text: str) -> list[float]:
    """Numbers in the text: thousands separators ("1,234"), decimals, unicode minus."""
    return [x for x, _, _ in _numbers(text)]


_BEFORE_RANGE = re.compile(
    r"(?:~|≈|\babout|\baround|\bapprox\w*\.?|\bbetween|\bfrom|\d\s*(?:-|–|—|\bto|\band))\s*$", re.I
)
_AFTER_RANGE = re.compile(r"^\s*(?:bp\s*)?(?:-|–|—|to\b|and\b)\s*\d", re.I)


def _echoed(text: str, x: float, start: int, end: int, question_numbers: set[float]) -> bool:
    """A number the question gave (a requested size range "100-200 bp", "~300 bp") repeated in a range or
    approximate phrase of the answer: not an answer on its own."""
    if x not in question_numbers:
        return False
    return bool(
        _BEFORE_RANGE.search(text[max(0, start - 16) : start]) or _AFTER_RANGE.match(text[end : end + 12])
    )


def _number_ok(text: str, expect, question_numbers: set[float] = frozenset()) -> bool:
    targets = [float(expect.value), *(float(a) for a in expect.also)]
    unit = (expect.unit or "").lower()
    for x, start, end in _numbers(text):
        if question_numbers and _echoed(text, x, start, end, question_numbers):
            continue
        cands = [x]
        if unit == "kda":
            cands.append(x / 1000.0)
        elif unit == "da":
            cands.append(x * 1000.0)
        elif unit == "%" and 0 <= x <= 1:
            cands.append(100.0 * x)
        if any(abs(c - t) <= expect.tol + 1e-9 for c in cands for t in targets):
            return True
    return False


def _count_ok(text: str, expect) -> bool:
    targets = {round(float(expect.value)), *(round(float(a)) for a in expect.also)}
    found = {int(x) for x in numbers(text) if x == int(x)}
    found |= {v for w, v in _WORDS.items() if re.search(rf"\b{w}\b", text, re.I)}
    return bool(targets & found)


# ----------------------------------------------------------------------------------------------------------
# Verdicts, choices, sequences, ask-backs

_YESNO = re.compile(r"\b(yes|no)\b", re.I)


def _verdict_strict(text: str, value: str) -> bool:
    m = re.match(r"[\s*_#>`\"'“]*(yes|no)\b", first_sentence(text), re.I)
    return bool(m) and m.group(1).lower() == value


def _verdict_lenient(text: str, value: str) -> bool:
    m = _YESNO.search(" ".join(sentences(text)[:2]))
    return bool(m) and m.group(1).lower() == value


_CLASSES = {
    "missense": (r"missense", r"non-?synonymous"),
    "nonsense": (r"nonsense", r"stop[- ]gain(?:ed)?"),
    "synonymous": (r"(?<![\w-])synonymous", r"silent"),
    "frameshift": (r"frame[- ]?shift",),
    "inframe": (r"in[- ]frame",),
}
_NEGATION = re.compile(r"(?:\bnot|\bno|n't|\brather than|\binstead of)\W+(?:\w+\W+){0,2}$", re.I)


def _class_mentions(text: str) -> dict[str, bool]:
    """For each mutation class mentioned: True if at least one mention is not negated."""
    found: dict[str, bool] = {}
    for cls, pats in _CLASSES.items():
        for pat in pats:
            for m in re.finditer(pat, text, re.I):
                neg = bool(_NEGATION.search(text[max(0, m.start() - 30) : m.start()]))
                found[cls] = found.get(cls, False) or not neg
    return found


def _is_seq_text(s: str) -> bool:
    return len(s) >= 8 and re.fullmatch(r"[ACGTUacgtu]+", s) is not None


def _choice_ok(text: str, expect, strict: bool) -> bool:
    value = str(expect.value)
    if value in _CLASSES:
        found = _class_mentions(text)
        if not found.get(value):
            return False
        return not strict or not any(v for c, v in found.items() if c != value)
    lab = re.escape(value)
    end = r"(?![A-Za-z0-9])"
    pats = [
        rf"\({lab}\)",
        rf"(?<![A-Za-z0-9(]){lab}\)",
        rf"(?i:\boption|\bchoice|\banswer)\s*(?:is\s*)?[:#]?\s*\(?{lab}{end}",
        rf"(?<![A-Za-z0-9]){lab}:",
        rf"\*\*\(?{lab}\)?[.)]?\*\*",
        rf"(?:^|\n)[\s>*-]*{lab}[.)]\s",
        rf"\b(?:is|=)\s+\(?{lab}\)?(?=[\s.,;:!)]|$)",
    ]
    if re.fullmatch(r"[A-Z]", value):
        pats.append(rf"(?<![A-Za-z0-9]){lab}(?=\d)")  # residue notation such as L57
    if any(re.search(p, text) for p in pats):
        return True
    squeezed = re.sub(r"\s+", "", text)
    for alt in expect.also:
        alt = str(alt)
        if _is_seq_text(alt):
            core = re.escape(alt.upper())
            if re.search(rf"(?<![A-Za-z]){core}(?![A-Za-z])", squeezed.upper()):
                return True
        elif len(alt) == 1:
            if re.search(rf"(?<![A-Za-z]){re.escape(alt)}(?![A-Za-z])", text):
                return True
        elif re.search(rf"(?<![A-Za-z]){re.escape(alt)}(?![a-z])", text, re.I):
            return True
    return False


_RUN = re.compile(r"[A-Za-z*]+(?:[ \t\r\n\d]+[A-Za-z*]+)*")


def _sequence_ok(text: str, expected: str) -> bool:
    exp = re.sub(r"[\s\d]", "", str(expected)).upper().strip("*")
    nucleic = set(exp) <= set("ACGTUN")
    rna = nucleic and "U" in exp
    if nucleic and not rna:
        exp = exp.replace("U", "T")
    if not exp:
        return False
    for run in _RUN.finditer(text):
        words = [w.upper() for w in re.findall(r"[A-Za-z*]+", run.group())]
        if nucleic and not rna:
            words = [w.replace("U", "T") for w in words]
        for i in range(len(words)):
            acc = ""
            for j in range(i, len(words)):
                acc += words[j]
                if acc.strip("*") == exp:
                    return True
                if not exp.startswith(acc.lstrip("*")):
                    break
    return False


def _ask_back_ok(text: str, keywords) -> bool:
    if "?" not in text or any(b.lower() in text.lower() for b in ASK_BACK_BAD):
        return False
    return any(k.lower() in text.lower() for k in keywords)


# ----------------------------------------------------------------------------------------------------------


def _ok(scope: str, expect, strict: bool, question_numbers: set[float] = frozenset()) -> bool:
    kind = expect.kind
    if kind == "number":
        return _number_ok(scope, expect, question_numbers)
    if kind == "count":
        return _count_ok(scope, expect)
    if kind == "choice":
        return _choice_ok(scope, expect, strict)
    if kind == "sequence":
        return any(_sequence_ok(scope, v) for v in (expect.value, *expect.also))
    if kind == "ask_back":
        return _ask_back_ok(scope, expect.value)
    raise ValueError(f"unknown expect kind {kind!r}")


def _question_numbers(question: str) -> set[float]:
    """Numbers in the prose of a question (pasted sequence lines and FASTA headers left out)."""
    prose = [ln for ln in question.split("\n") if not ln.startswith((">", "ORIGIN")) and not _is_seq_line(ln)]
    return set(numbers("\n".join(prose)))


def check(answer: str | None, expect, question: str | None = None) -> tuple[bool, bool]:
    """(strict, lenient) grades of one answer. With ``question``, a number the question itself gave that
    the answer only repeats in a range or approximate phrase ("a 100-200 bp product", "~300 bp") does not
    count as the answer's number."""
    text = answer or ""
    qn = _question_numbers(question) if question else frozenset()
    if not text.strip() or any(b in text for b in BAD):
        return False, False
    if expect.kind == "verdict":
        value = str(expect.value).lower()
        return _verdict_strict(text, value), _verdict_lenient(text, value)
    if expect.kind == "ask_back":
        return _ok(" ".join(sentences(text)[:2]), expect, True), _ok(text, expect, False)
    return _ok(first_sentence(text), expect, True, qn), _ok(text, expect, False, qn)
