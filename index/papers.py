"""Lazy paper and text ingestion: JSONL, plain text, Markdown, PDF and MEDLINE into :class:`Passage` rows.

A document is split into paragraphs (blank lines; a text without blank lines is read one line per
paragraph) and the paragraphs are packed greedily into chunks of at most ``max_tokens`` tokens, where a
token is a whitespace-separated word: fast, dependency-free and close enough to a sub-word budget for
retrieval. A paragraph over the budget is split by sentences, then a sentence by words. Consecutive
chunks of one section overlap by about ``overlap`` tokens (the tail of the previous chunk is repeated),
the sliding-window scheme of most retrieval-augmented generation pipelines.

Sections: Markdown ``#`` headings and WikiExtractor ``== Heading ==`` lines name the section and are
removed from the body. A short single-line paragraph without closing punctuation that leads into body
text (``Background``, ``Materials and Methods`` in CRAFT/PMC text) also names the section but stays in
the text, since the guess may be wrong. A new section starts a new chunk, without overlap.

The ``parse_*`` functions are generators: they open the file, check their arguments and raise only
when iterated, so a store that commits after the whole file was read writes nothing when a parser
raises half-way. :func:`parse_papers` checks its arguments and the file suffix at call time. Errors are :class:`~dnahlm.errors.DataFormatError` naming the file (and the
1-based line for JSONL); see :func:`parse_jsonl` for the ``errors="raise" | "skip"`` policy.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from dnahlm import reading
from dnahlm.errors import ConfigError, DataFormatError

from .records import Passage

__all__ = ["PAPER_SUFFIXES", "Chunk", "chunk_text", "guess_paper_format", "parse_jsonl", "parse_medline",
           "parse_papers", "parse_pdf", "parse_text"]  # fmt: skip

logger = logging.getLogger("dnahlm.index")

# file suffix (before an optional .gz) -> format name understood by parse_papers
PAPER_SUFFIXES = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".txt": "text", ".text": "text", ".md": "markdown",
    ".markdown": "markdown", ".pdf": "pdf", ".medline": "medline", ".nbib": "medline",
}  # fmt: skip
FORMATS = ("jsonl", "text", "markdown", "pdf", "medline")

ErrorHandler = Callable[[int, str], None]

_MD_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_WIKI_HEADING = re.compile(r"^\s*={2,}\s*(.+?)\s*={2,}\s*$")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")


class Chunk(NamedTuple):
    """One chunk of a document: its text and the section it starts in (``None`` when unknown)."""

    text: str
    section: str | None


class _Para(NamedTuple):
    words: list[str]
    section: str | None
    kind: str  # "body", "title", "heading" (kept in text) or "marker" (stripped heading, no words)


def _heading_like(line: str) -> bool:
    """A short line starting upper-case (or a digit) and not ending in punctuation."""
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 100
        and (line[0].isupper() or line[0].isdigit())
        and line[-1] not in ".,;:!?"
    )


def _paragraphs(text: str, *, markdown: bool) -> list[_Para]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # hard-wrapped text (all lines short) has paragraphs between blank lines; otherwise a line is one
    wrapped = max(map(len, lines)) <= 100
    has_blank = any(not line.strip() for line in lines)
    per_line = not (wrapped and has_blank)
    blocks: list[str | tuple[str]] = []  # paragraph text, or (section,) for a stripped heading
    group: list[str] = []
    for line in [*lines, ""]:
        heading = (markdown and _MD_HEADING.match(line)) or _WIKI_HEADING.match(line)
        if heading or not line.strip() or per_line:
            if group:
                blocks.append("\n".join(group))
                group = []
            if heading:
                blocks.append((heading.group(1).strip(),))
            elif line.strip():
                blocks.append(line)
        else:
            group.append(line)
    headings_ok = has_blank or not wrapped  # in wrapped text without blank lines a short line is no title
    # a heading-like single line is a heading when a run of such lines ends in body text
    like = [isinstance(b, str) and headings_ok and "\n" not in b and _heading_like(b.strip()) for b in blocks]
    is_heading, leads_to_body = [False] * len(blocks), False
    for i in reversed(range(len(blocks))):
        is_heading[i] = like[i] and leads_to_body
        if isinstance(blocks[i], str):
            leads_to_body = not like[i] or is_heading[i]
    paras, section = [], None
    for block, heading in zip(blocks, is_heading, strict=True):
        if isinstance(block, tuple):
            section = block[0]
            paras.append(_Para([], section, "marker"))
        else:
            section = block.strip() if heading else section
            paras.append(_Para(block.split(), section, "heading" if heading else "body"))
    return paras


def _pieces(words: list[str], max_tokens: int, *, split: bool = False) -> list[list[str]]:
    """Split a paragraph's words into pieces of at most ``max_tokens``: whole, by sentence, by words."""
    if len(words) <= max_tokens and not split:
        return [words] if words else []
    out = []
    for sentence in _SENTENCE_END.split(" ".join(words)):
        sw = sentence.split()
        out.extend(sw[i : i + max_tokens] for i in range(0, len(sw), max_tokens))
    return out


def chunk_text(
    text: str, *, max_tokens: int = 200, overlap: int = 40, title: str | None = None, markdown: bool = False
) -> list[Chunk]:
    """Split ``text`` into overlapping chunks of at most ``max_tokens`` whitespace-separated words.

    Args:
        text: the document body.
        max_tokens: budget per chunk, counted as whitespace-separated words (no tokenizer needed).
        overlap: about this many words at the end of a chunk are repeated at the start of the next one
            within the same section (fewer when the next piece would not fit, or to start at a sentence).
        title: prefixed to the first chunk; never taken for a section heading.
        markdown: treat ``#`` lines as headings (removed from the text, kept as the section).

    Returns:
        Chunks in document order; empty when the text holds only whitespace (or only stripped headings).

    Raises:
        ConfigError: ``max_tokens`` < 1 or ``overlap`` not in ``[0, max_tokens)``.
    """
    if max_tokens < 1 or not 0 <= overlap < max_tokens:
        raise ConfigError(f"need max_tokens >= 1 and 0 <= overlap < max_tokens (got {max_tokens}, {overlap})")
    paras = _paragraphs(text, markdown=markdown)
    if title and title.split():
        paras.insert(0, _Para(title.split(), None, "title"))
    chunks: list[Chunk] = []
    words: list[str] = []  # current chunk
    starts: set[int] = set()  # indices in `words` where a paragraph starts
    fresh, has_body, section = 0, False, None  # words not repeated from the previous chunk; its section

    def flush(keep: int) -> None:
        nonlocal words, starts, fresh, has_body, section
        if fresh:
            text = "".join(("\n\n" if i in starts else " ") + w for i, w in enumerate(words)).strip()
            chunks.append(Chunk(text, section))
        if keep and len(words) > keep:  # start the overlap at a sentence start when one is close
            cut = len(words) - keep
            cut = next((i for i in range(cut, cut + keep // 2) if words[i - 1][-1] in ".!?"), cut)
        else:
            cut = len(words) if not keep else 0
        words, starts = words[cut:], {i - cut for i in starts if i >= cut}
        fresh, has_body, section = 0, False, None

    for para in paras:
        if para.kind in ("marker", "heading") and has_body:
            flush(0)
        pieces, first = _pieces(para.words, max_tokens), True
        while pieces:
            piece = pieces.pop(0)
            if fresh and len(words) + len(piece) > max_tokens:
                if 2 * fresh < max_tokens and len(sentences := _pieces(piece, max_tokens, split=True)) > 1:
                    pieces[:0] = sentences  # fill a chunk less than half full with the next sentences
                    continue
                flush(min(overlap, max_tokens - len(piece)))
            if first:
                starts.add(len(words))
                first = False
            if (para.kind == "body" and not has_body) or not fresh:
                section = para.section
            words.extend(piece)
            fresh += len(piece)
            has_body = has_body or para.kind == "body"
    flush(0)
    return chunks


def _passages(
    path: Path, doc_id: str, text: str, opts: dict, prefix: str | None, **meta: str | None
) -> Iterator[Passage]:
    for pos, chunk in enumerate(chunk_text(text, title=prefix, **opts)):
        yield Passage(
            f"{doc_id}#{pos}", chunk.text, str(path), pos, doc_id=doc_id, section=chunk.section, **meta
        )


def _lines(path: Path) -> Iterator[bytes]:
    """The raw lines of a regular file, gunzipped when it ends in ``.gz``, read lazily; each line is
    capped at :func:`dnahlm.reading.record_limit` bytes (a longer one is refused, never read whole)."""
    try:
        with reading.open_bytes(path) as handle:
            yield from reading.lines(handle, path)
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from exc


def _whole(path: Path) -> bytes:
    """A regular file's bytes (gunzipped for ``.gz``): one document, capped like a record."""
    try:
        with reading.open_bytes(path) as handle:
            return reading.read_limited(handle, path, reading.record_limit())
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from exc


def _decode(path: str | Path, data: bytes, where: str = "") -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}{where}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    if "\x00" in text:
        raise DataFormatError(f"{path}{where}: binary data (NUL byte), not a text file")
    return text


def _options(max_tokens: int, overlap: int, errors: str = "raise") -> dict:
    """Check the chunking and error arguments (raising :class:`ConfigError`); the chunking options."""
    if errors not in ("raise", "skip"):
        raise ConfigError(f"errors must be 'raise' or 'skip', not {errors!r}")
    chunk_text("", max_tokens=max_tokens, overlap=overlap)  # raises for a bad budget
    return {"max_tokens": max_tokens, "overlap": overlap}


def _row(path: Path, lineno: int, raw: bytes) -> dict | None:
    """The JSON object on one line (``None`` for a blank line), or raise naming the file and line."""
    line = _decode(path, raw, f":{lineno}")
    if not line.strip():
        return None
    try:
        obj = reading.json_loads(line, f"{path}:{lineno}")  # nesting capped before json recurses
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{path}:{lineno}: not a JSON object ({exc.msg}, column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise DataFormatError(f"{path}:{lineno}: not a JSON object (got {type(obj).__name__})")
    fields = [obj.get(k) or "" for k in ("title", "abstract", "text")]
    if any(not isinstance(v, str) for v in fields):
        raise DataFormatError(f"{path}:{lineno}: 'title', 'abstract' and 'text' must be strings")
    if not "".join(fields).strip():
        raise DataFormatError(f"{path}:{lineno}: no text (need a 'title', 'abstract' or 'text' field)")
    return obj


def parse_jsonl(
    path: str | Path, *, max_tokens: int = 200, overlap: int = 40, errors: str = "raise",
    on_error: ErrorHandler | None = None,
) -> Iterator[Passage]:  # fmt: skip
    """Lazily chunk a JSON-lines file (optionally ``.gz``): one object per line, one document each.

    An object holds any of ``title``, ``abstract`` and ``text`` (joined in that order; the title is
    prefixed to the first chunk only, and not repeated when the text already starts with it) and may hold
    ``id``, ``pmid``, ``pmcid`` and ``doi``. ``doc_id`` is ``id``, else ``PMID:<pmid>``, ``<pmcid>``, else
    ``<file name>:<line>``. Blank lines are ignored.

    Error policy for a bad line (not UTF-8, not JSON, not an object, a text field that is not a string,
    or no text at all): with ``errors="raise"`` a :class:`DataFormatError` naming ``<file>:<line>`` is
    raised when the line is reached; with ``errors="skip"`` the line is skipped, a warning is logged on
    the ``"dnahlm.index"`` logger and ``on_error(line, message)`` is called when given. A file whose
    lines are all bad raises even with ``"skip"``: it is not JSONL.
    """
    path, opts = Path(path), _options(max_tokens, overlap, errors)

    good = bad = 0
    for lineno, raw in enumerate(_lines(path), 1):
        try:
            obj = _row(path, lineno, raw)
        except DataFormatError as exc:
            if errors == "raise":
                raise
            bad += 1
            logger.warning("skipping %s", exc)
            if on_error is not None:
                on_error(lineno, str(exc))
            continue
        if obj is None:
            continue
        good += 1
        title, body = (obj.get("title") or "").strip(), (obj.get("text") or "").strip()
        if title and body.startswith(title):
            body = body[len(title) :].lstrip()  # full texts often repeat the title
        meta = {k: str(obj[k]) if obj.get(k) not in (None, "") else None for k in ("pmid", "pmcid", "doi")}
        doc_id = str(obj.get("id") or "") or (meta["pmid"] and f"PMID:{meta['pmid']}") or meta["pmcid"]
        text = "\n\n".join(t for t in ((obj.get("abstract") or "").strip(), body) if t)
        doc_id = doc_id or f"{path.name}:{lineno}"
        yield from _passages(path, doc_id, text, opts, title, title=title or None, **meta)
    if bad and not good:
        raise DataFormatError(f"{path}: none of its {bad} non-blank lines is a JSON document; is it JSONL?")


def parse_text(
    path: str | Path, *, max_tokens: int = 200, overlap: int = 40, markdown: bool | None = None
) -> Iterator[Passage]:
    """Lazily chunk a plain-text or Markdown file (optionally ``.gz``) as one document.

    Markdown (``.md``/``.markdown``, or ``markdown=True``): ``#`` headings name sections and are removed
    from the body, and a leading heading is the title. Plain text: a short first line without closing
    punctuation, followed by more text, is the title. A title found in the file is prefixed to the first
    chunk; otherwise the title is the file stem (metadata only). ``doc_id`` is the file name.

    Raises:
        DataFormatError: the file is unreadable, not UTF-8 or binary.
    """
    path, name = Path(path), Path(path).name.removesuffix(".gz")
    if markdown is None:
        markdown = PAPER_SUFFIXES.get(Path(name).suffix.lower()) == "markdown"
    opts = {**_options(max_tokens, overlap), "markdown": markdown}
    text = _decode(path, _whole(path)).lstrip()
    first, _, rest = text.partition("\n")
    heading = _MD_HEADING.match(first) if markdown else None
    title = heading.group(1).strip() if heading else first.strip() if _heading_like(first.strip()) else None
    if title and rest.strip():
        text = rest
    else:
        title = None
    yield from _passages(path, name, text, opts, title, title=title or Path(name).stem)


@contextlib.contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf's log messages about a damaged file go to the ``dnahlm`` logger at debug level, not stderr
    (a PDF it cannot read still raises, and that error is reported as one line)."""
    logger = logging.getLogger("pypdf")
    saved = logger.propagate, logger.handlers[:]
    forward = logging.getLogger("dnahlm").debug

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            forward("pypdf: %s", record.getMessage())

    logger.handlers, logger.propagate = [Forward()], False
    try:
        yield
    finally:
        logger.propagate, logger.handlers = saved


def parse_pdf(path: str | Path, *, max_tokens: int = 200, overlap: int = 40) -> Iterator[Passage]:
    """Lazily chunk the text layer of a PDF (pages joined as paragraphs) with pypdf, imported lazily.

    The title is the PDF's metadata title, else the file stem; ``doc_id`` is the file name. A scanned
    PDF without a text layer yields nothing.

    Raises:
        DataFormatError: pypdf is missing, or cannot read the file (not a PDF, truncated, encrypted).
    """
    path, opts = Path(path), _options(max_tokens, overlap)
    try:
        from pypdf import PdfReader
    except ImportError as exc:
        raise DataFormatError(f"{path}: reading PDF needs pypdf (pip install pypdf)") from exc
    try:
        data = io.BytesIO(_whole(path))  # read once, as a regular file, capped like a record
        with _quiet_pypdf():  # its repair notes ("incorrect startxref pointer") would print line by line
            reader = PdfReader(data)
            if reader.is_encrypted and not reader.decrypt(""):
                raise DataFormatError(f"{path}: PDF is encrypted; decrypt it first")
            text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
            title = (reader.metadata or {}).get("/Title")
    except DataFormatError:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError, ... for broken files
        raise DataFormatError(f"{path}: cannot read PDF ({type(exc).__name__}: {exc})") from exc
    title = str(title).strip() if title and str(title).strip() else path.stem
    yield from _passages(path, path.name, text, opts, None, title=title)


def parse_medline(path: str | Path, *, max_tokens: int = 200, overlap: int = 40) -> Iterator[Passage]:
    """Lazily chunk a MEDLINE/PubMed text export (``.medline``, ``.nbib``, optionally ``.gz``).

    Uses :func:`Bio.Medline.parse`: ``TI`` is the title (prefixed to the first chunk), ``AB`` the text,
    ``PMID``/``PMC`` the ids and the ``[doi]`` entry of ``AID`` or ``LID`` the DOI. ``doc_id`` is
    ``PMID:<pmid>``, else ``<file name>:<record number>``. Records without title and abstract are skipped.

    Raises:
        DataFormatError: unreadable, not UTF-8, or non-blank text holding no MEDLINE record.
    """
    from Bio import Medline

    path, opts = Path(path), _options(max_tokens, overlap)
    text = _decode(path, _whole(path))
    found = False
    for n, rec in enumerate(Medline.parse(text.splitlines(keepends=True)), 1):
        field = {k: " ".join(v) if isinstance(v, list) else str(v or "") for k, v in rec.items()}
        if not any(field.get(k, "").strip() for k in ("PMID", "TI", "AB")):
            continue
        found = True
        title, pmid = field.get("TI", "").strip() or None, field.get("PMID", "").strip() or None
        dois = [a for a in [*rec.get("AID", []), field.get("LID", "")] if a.endswith("[doi]")]
        meta = {"pmid": pmid, "pmcid": field.get("PMC", "").strip() or None,
                "doi": dois[0].removesuffix("[doi]").strip() if dois else None}  # fmt: skip
        doc_id = f"PMID:{pmid}" if pmid else f"{path.name}:{n}"
        yield from _passages(path, doc_id, field.get("AB", ""), opts, title, title=title, **meta)
    if not found and text.strip():
        raise DataFormatError(f"{path}: no MEDLINE records found (expected lines like 'PMID- 12345')")


def guess_paper_format(path: str | Path) -> str:
    """The format name for ``path`` from its suffix (ignoring ``.gz``); see :data:`PAPER_SUFFIXES`.

    Raises:
        DataFormatError: the suffix is not known; the message lists the accepted ones.
    """
    name = Path(path).name.lower().removesuffix(".gz")
    fmt = PAPER_SUFFIXES.get(Path(name).suffix)
    if fmt is None:
        accepted = ", ".join(PAPER_SUFFIXES)
        raise DataFormatError(f"{path}: unknown paper file type; accepted: {accepted} (optionally .gz), "
                              f"or pass format= one of {', '.join(FORMATS)}")  # fmt: skip
    return fmt


def parse_papers(
    path: str | Path, *, format: str | None = None, max_tokens: int = 200, overlap: int = 40,
    errors: str = "raise", on_error: ErrorHandler | None = None,
) -> Iterator[Passage]:  # fmt: skip
    """Lazily read a paper file as :class:`Passage` chunks, choosing the parser by suffix or ``format``.

    Args:
        path: a ``.jsonl``/``.ndjson``, ``.txt``, ``.md``, ``.pdf`` or ``.medline``/``.nbib`` file
            (all but PDF may be gzipped).
        format: one of ``"jsonl"``, ``"text"``, ``"markdown"``, ``"pdf"``, ``"medline"``; guessed if None.
        max_tokens: chunk budget in whitespace-separated words.
        overlap: words repeated between consecutive chunks of a section.
        errors: ``"raise"`` or ``"skip"`` for bad JSONL lines (see :func:`parse_jsonl`).
        on_error: called as ``on_error(line, message)`` for each skipped JSONL line.

    Raises:
        DataFormatError: unknown suffix (at call time), or a bad file (during iteration).
        ConfigError: unknown ``format`` or ``errors``, or a bad chunk budget (at call time).
    """
    fmt = format or guess_paper_format(path)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown paper format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _options(max_tokens, overlap, errors)
    if fmt == "jsonl":
        return parse_jsonl(path, max_tokens=max_tokens, overlap=overlap, errors=errors, on_error=on_error)
    if fmt in ("text", "markdown"):
        return parse_text(path, max_tokens=max_tokens, overlap=overlap, markdown=fmt == "markdown")
    return (parse_pdf if fmt == "pdf" else parse_medline)(path, max_tokens=max_tokens, overlap=overlap)
