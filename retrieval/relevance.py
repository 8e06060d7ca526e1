"""Is a retrieved passage about the question? The test a passage passes before an answer quotes it.

A search always returns its best passages, even when nothing indexed is about the question; quoting them
anyway cites sources that are not about it ("JASPAR notes on Banp" for a question on a primer's Tm). The
question's subjects are read from its own words:

- **entities**: names written with capitals or digits inside a word (NF-kB, CTCF, p53, GATA1, IL-2, TATA);
- **terms**: the other content words (promoter, glucocorticoid, activation), common question and lab
  words left out.

A passage is about the question when it names one of the entities (case, hyphens and Greek letters
ignored), or, for a question without entities, when it shares at least :data:`MIN_TERMS` of its terms
(word stems). Measured on a labelled set of 290 (question, passage) pairs, 40 questions, JASPAR
annotations and real abstracts (``python benchmarks/bench_citations.py --filter
dnahlm.retrieval.relevance:about --split dev|test``): the share of quoted passages that are about the
question rises from 0.483 / 0.469 (dev / test, no test) to 0.775 / 0.714, keeping 0.986 / 0.956 of the
relevant ones. Stricter variants tried on the dev half (an entity named twice, a shared term besides the
entity, MiniLM similarity >= 0.35) gained at most 0.07 precision for 0.05-0.30 recall.

Example:
    >>> about("What do papers say about NF-kB in T cells?", None, "NF-kappaB binds the IL-2 enhancer.")
    True
    >>> about("What is the Tm of this primer?", "Banp", "TF classification inferred by similarity.")
    False
"""

from __future__ import annotations

import re
import unicodedata

MIN_TERMS = 2
"""Shared content-word stems a passage needs when the question names no entity."""

_TOKEN = re.compile(
    r"[A-Za-z0-9\u0370-\u03ff][A-Za-z0-9\u0370-\u03ff+\-/.']*[A-Za-z0-9\u0370-\u03ff+]|[A-Za-z0-9]"
)
NOT_ENTITIES = {
    "DNA", "RNA", "MRNA", "CDNA", "TF", "TFS", "PCR", "ORF", "ORFS", "GC", "CDS", "TM", "BP", "KB", "NT", "AA",
    "ID", "PMID", "DOI", "I", "A", "OK", "UTR", "SNP", "SNPS", "QPCR", "CHIP-SEQ", "RNA-SEQ", "JASPAR",
}  # fmt: skip
STOP = {
    # question and request words
    "what", "which", "where", "when", "why", "how", "does", "do", "did", "is", "are", "was", "were", "the",
    "this", "that", "these", "those", "there", "their", "them", "they", "about", "known", "know", "tell",
    "give", "show", "find", "papers", "paper", "literature", "publications", "studies", "study", "say",
    "says", "said", "reported", "report", "according", "evidence", "role", "roles", "please", "sequence",
    "sequences", "from", "with", "into", "onto", "than", "then", "also", "have", "has", "been", "being",
    "could", "would", "should", "might", "your", "mine", "some", "any", "much", "many", "more", "most",
    "other", "such", "only", "very", "just", "like", "make", "made", "used", "using", "work",
    "anything", "something", "everything", "link", "links",
    "works", "function", "functions", "involved", "relation", "between", "here", "indexed",
    # words almost every passage of molecular biology holds
    "gene", "genes", "protein", "proteins", "cell", "cells", "expression", "human", "factor", "factors",
    "binding", "bind", "binds", "site", "sites", "region", "regions", "level", "levels", "data", "results",
}  # fmt: skip


def _fold(text: str) -> str:
    """Lower case without accents, Greek letters spelled out, hyphens and spaces inside names dropped."""
    greek = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa", "ε": "epsilon"}
    text = "".join(greek.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-_/]+", "", text.lower())


def _entity_forms(name: str) -> set[str]:
    """Spellings of a name that mean the same: NF-kB = NFkB = NF-kappaB; p53 = TP53 is not assumed."""
    folded = _fold(name)
    forms = {folded}
    if folded.endswith("kb"):
        forms.add(folded[:-2] + "kappab")
    if folded.endswith("kappab"):
        forms.add(folded[:-6] + "kb")
    return {f for f in forms if len(f) >= 2}


def _stem(word: str) -> str:
    w = word.lower()
    for suffix in ("ation", "ings", "ing", "ies", "ed", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    return w[:7]


def subjects(question: str) -> tuple[list[str], list[str]]:
    """The question's entities (as written) and content-word stems, in order, without repeats."""
    entities: list[str] = []
    terms: list[str] = []
    for token in _TOKEN.findall(question):
        token = token.strip(".'")
        inner_capital = any(c.isupper() for c in token[1:])
        has_digit = any(c.isdigit() for c in token) and any(c.isalpha() for c in token)
        greek = any("\u0370" <= c <= "\u03ff" for c in token)
        hyphenated = "-" in token and any(c.isupper() for c in token)  # E-box, T-cell, AP-1
        if (inner_capital or has_digit or greek or hyphenated or (token.isupper() and len(token) >= 2)) and (
            token.upper() not in NOT_ENTITIES
        ):
            if token not in entities:
                entities.append(token)
        elif token.isalpha() and len(token) >= 4 and token.lower() not in STOP:
            stem = _stem(token)
            if stem not in terms:
                terms.append(stem)
    return entities, terms


def about(question: str, title: str | None, text: str) -> bool:
    """Whether a passage (its title and text) is about the question's subjects (see the module docstring)."""
    entities, terms = subjects(question)
    body = f"{title or ''} {text}"
    if entities:
        folded = _fold(body)
        return any(form in folded for name in entities for form in _entity_forms(name))
    if not terms:
        return False
    stems = {_stem(w) for w in re.findall(r"[A-Za-z]{4,}", body)}
    return sum(t in stems for t in terms) >= min(MIN_TERMS, len(terms))


def subject_phrase(question: str) -> str:
    """The question's subjects in words, for "no indexed literature on ...": its entities, else its terms'
    words as written."""
    entities = subjects(question)[0]
    if entities:
        names = entities[:4]
    else:
        words = [w for w in re.findall(r"[A-Za-z]{4,}", question) if w.lower() not in STOP]
        names = list(dict.fromkeys(words))[:4]
    if not names:
        return "this question"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


__all__ = ["MIN_TERMS", "about", "subject_phrase", "subjects"]
