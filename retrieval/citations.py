"""Numbered citations and quoted sentences, shared by every answer: the agent's composed answers
(:mod:`dnahlm.agents.compose`) and the QA chain's extractive ones (:mod:`.qa`).

- :class:`Citations` numbers the things an answer cites ``[1]``, ``[2]``, ... in order of first use, and
  remembers for each where it came from (the tool call, or nothing for a retrieved source).
- :func:`cited` reads the numbers of ``[n]`` / ``[n, m]`` groups; :func:`renumber` rewrites them.
- :func:`split_sentences` cuts text into sentences that are verbatim substrings of it.
- :func:`quotable` and :func:`best_matches` pick the passage sentences an answer quotes: BM25 against
  the question (Robertson and Zaragoza, 2009, "The Probabilistic Relevance Framework: BM25 and Beyond"),
  never a sentence that addresses the reader or an assistant (:func:`.hostile.addresses_reader`).

Example:
    >>> cites = Citations()
    >>> cites.cite(Evidence(id="PMID:1", kind="passage")), cites.cite(Evidence(id="PMID:1", kind="passage"))
    ('[1]', '[1]')
    >>> split_sentences("TBP binds the TATA box in E. coli extracts. p50 binds kB sites.")
    ['TBP binds the TATA box in E. coli extracts.', 'p50 binds kB sites.']
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from dnahlm.types import Evidence

from .hostile import addresses_reader

__all__ = [
    "CITE",
    "Citations",
    "best_matches",
    "cited",
    "cited_sentences",
    "quotable",
    "renumber",
    "split_sentences",
]

T = TypeVar("T")

CITE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
"""A citation group: ``[3]`` or ``[1, 2]``."""
_LEADING_CITES = re.compile(r"^((?:\[\d+(?:\s*,\s*\d+)*\]\s*)+)")
_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]]?$")
_ALWAYS_CONTINUES = frozenset({"e.g.", "i.e.", "cf.", "vs.", "approx.", "ca.", "viz.", "resp."})
"""Abbreviations after which a sentence goes on, whatever follows."""
_CONTINUES_BEFORE_LOWER = frozenset(
    {"al.", "fig.", "figs.", "eq.", "ref.", "refs.", "no.", "nos.", "dr.", "st."}
)
"""Abbreviations after which a sentence goes on when a lower-case word or a number follows."""
_INITIAL = re.compile(r"[A-Z][a-z]{0,2}\.")  # "E. coli", "Sch. pombe"


class Citations:
    """The sources an answer cites, numbered from 1 in order of first citation.

    Citing the same ``key`` again (by default the evidence's kind and id) gives its number again.
    ``evidence[n - 1]`` is what ``[n]`` cites; ``origins[n - 1]`` is where it came from (the position of
    the tool call in the answer's ``tool_calls``, or None for a source retrieved without one).
    """

    def __init__(self) -> None:
        self.evidence: list[Evidence] = []
        self.origins: list[int | None] = []
        self._numbers: dict[Hashable, int] = {}

    def number(self, evidence: Evidence, *, key: Hashable = None, origin: int | None = None) -> int:
        """The number of ``evidence`` (a new one when its key is new)."""
        key = (evidence.kind, evidence.id) if key is None else key
        if key not in self._numbers:
            self.evidence.append(evidence)
            self.origins.append(origin)
            self._numbers[key] = len(self.evidence)
        return self._numbers[key]

    def cite(self, evidence: Evidence, *, key: Hashable = None, origin: int | None = None) -> str:
        """``[n]`` for ``evidence`` (see :meth:`number`)."""
        return f"[{self.number(evidence, key=key, origin=origin)}]"

    def numbers(self) -> dict[Hashable, int]:
        """Each key cited so far and its number."""
        return dict(self._numbers)


def cited(text: str) -> tuple[int, ...]:
    """The numbers of every ``[n]`` / ``[n, m]`` in ``text``, in order.

    Example:
        >>> cited("TBP binds [2]. Both say so [1, 3].")
        (2, 1, 3)
    """
    return tuple(int(x) for group in CITE.findall(text) for x in re.split(r"\s*,\s*", group))


def renumber(text: str, numbers: Mapping[int, int]) -> str:
    """``text`` with each cited ``n`` replaced by ``numbers[n]`` (numbers not in the mapping dropped).

    Example:
        >>> renumber("A [3]. B [1, 3].", {3: 1, 1: 2})
        'A [1]. B [2, 1].'
    """

    def repl(match: re.Match[str]) -> str:
        old = [int(x) for x in re.split(r"\s*,\s*", match.group(1))]
        return "[" + ", ".join(str(numbers[n]) for n in old if n in numbers) + "]"

    return CITE.sub(repl, text)


def _continues(before: str, after: str) -> bool:
    """Whether the full stop that ends ``before`` ends an abbreviation, not the sentence."""
    words = before.split()
    if not words or not after:
        return False
    last = words[-1].lstrip("([\"'")
    if last.lower() in _ALWAYS_CONTINUES:
        return True
    lower_next = after[0].islower() or after[0].isdigit()
    return lower_next and (last.lower() in _CONTINUES_BEFORE_LOWER or bool(_INITIAL.fullmatch(last)))


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of ``text``, each a verbatim substring of it, stripped.

    A sentence ends at ``.``, ``!`` or ``?`` followed by white space (the next may start with a
    lower-case gene name: "p50 binds ..."), or at a line break; not after an abbreviation ("e.g.",
    "et al." before a lower-case word) or an abbreviated genus ("E. coli", "Sch. pombe").

    Example:
        >>> split_sentences("First one. Second one!\\nThird line")
        ['First one.', 'Second one!', 'Third line']
    """
    out: list[str] = []
    start = 0
    for m in _BREAK.finditer(text):
        if "\n" not in m.group(0) and _continues(text[start : m.start()], text[m.end() :]):
            continue
        out.append(text[start : m.start()])
        start = m.end()
    out.append(text[start:])
    return [piece.strip() for piece in out if piece.strip()]


def cited_sentences(text: str) -> list[str]:
    """Sentences of a written answer; citations written after a full stop belong to the sentence before.

    Example:
        >>> cited_sentences("TBP binds the TATA box. [1] It bends DNA [2].")
        ['TBP binds the TATA box. [1]', 'It bends DNA [2].']
    """
    out: list[str] = []
    for piece in split_sentences(text):
        lead = _LEADING_CITES.match(piece)
        if lead and out:
            out[-1] = f"{out[-1]} {lead.group(1).strip()}"
            piece = piece[lead.end() :].strip()
        if piece:
            out.append(piece)
    return out


def quotable(passages: Iterable[tuple[str, T]], *, min_tokens: int = 2) -> list[tuple[str, T]]:
    """The sentences of ``passages`` (text, tag) an answer may quote, each with its passage's tag.

    Each sentence once, with at least ``min_tokens`` content words (:func:`.retrievers.tokenize`), none
    that addresses the reader; only complete sentences (ending in ``.``, ``!`` or ``?``) when there are
    any, so a passage cut mid-sentence is not quoted mid-sentence.
    """
    from .retrievers import tokenize  # the retrievers (LangChain, numpy) load when first quoted from

    out: list[tuple[str, T]] = []
    seen: set[str] = set()
    for text, tag in passages:
        for sentence in split_sentences(text):
            if sentence in seen or len(tokenize(sentence)) < min_tokens or addresses_reader(sentence):
                continue
            seen.add(sentence)
            out.append((sentence, tag))
    complete = [c for c in out if _ENDS_SENTENCE.search(c[0])]
    return complete or out


def best_matches(query: str, sentences: Sequence[str], *, most: int = 3, share: float = 0.0) -> list[int]:
    """Positions of the ``sentences`` that best match ``query`` by BM25, best first (ties in order).

    At most ``most``, each scoring above 0 and at least ``share`` of the best; empty when no sentence
    shares a word with the query.

    Example:
        >>> best_matches("TATA box", ["NF-kB binds kB sites.", "TBP binds the TATA box."])
        [1]
    """
    if not sentences:
        return []
    from .retrievers import BM25Retriever

    scores = BM25Retriever.from_texts(list(sentences)).scores(query)
    order = sorted(range(len(sentences)), key=lambda i: -scores[i])
    best = float(scores[order[0]])
    return [i for i in order[:most] if scores[i] > 0 and scores[i] >= share * best]
