"""Text from files shown as text: :func:`md_escape` for anything interpolated into Streamlit Markdown.

``st.markdown``, ``st.caption``, ``st.progress`` texts and widget or expander labels read GitHub-flavoured
Markdown plus Streamlit's own additions: emoji shortcodes (``:smile:``), colored text and badges
(``:red[...]``, ``:blue-badge[...]``), material icons (``:material/home:``), the ``:streamlit:`` logo,
LaTeX (``$...$``, ``$$...$$``) and typographic arrows (``->``). A paper passage, a title, a FASTA id or an
answer that quotes a passage must not become an image, a link, a heading or a formula, so every
Markdown-significant ASCII punctuation character is backslash-escaped (CommonMark allows escaping any of
them, and the escape shows the character itself).

Some of Streamlit's rewrites run on the parsed text, after escapes are undone, so a backslash cannot stop
them: bare URLs and e-mail addresses (GFM autolinks), ``:material_home:`` / ``:material/home:`` icons and
the ``:streamlit:`` logo. A word joiner (U+2060, invisible and never a line break) after ``://``'s colon,
inside ``www.``, after ``@``, after a colon that starts a name and after one that opens a shortcode of
digits or signs (``:0:``, ``:+1:``) breaks each of those patterns; the text still reads the same.
"""

from __future__ import annotations

import re

__all__ = ["md_escape", "md_line"]

WORD_JOINER = "\u2060"
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")
_UNPARSED = re.compile(r"(?<=:)(?=[A-Za-z/]|[\w+-]+:)|(?<=@)|(?<=\bwww)(?=\.)", re.IGNORECASE)
_TYPOGRAPHY = re.compile(r"(?<=[<>~-])(?=[-=>])")  # "->", "<-", "--", ">=", "<=", "~=" would become symbols


def md_escape(text: str) -> str:
    r"""``text`` as Markdown that Streamlit renders as exactly that text, line for line.

    Every Markdown-significant ASCII punctuation character (``\ ` * _ { } [ ] ( ) # + - . ! | < > ~ $ : & =``)
    is backslash-escaped, the patterns Streamlit rewrites after parsing are broken with a word joiner (see
    the module docstring), and lines are joined by hard line breaks, so lines stay lines and a blank line
    still separates paragraphs.

    Example:
        >>> md_escape("[click](x) *1.5*")
        '\\[click\\]\\(x\\) \\*1\\.5\\*'
    """
    lines = []
    for line in str(text).splitlines():
        line = _TYPOGRAPHY.sub(WORD_JOINER, _UNPARSED.sub(WORD_JOINER, line))
        lines.append(_SPECIAL.sub(r"\\\1", line))
    return "  \n".join(lines)


def md_line(text: str) -> str:
    """``text`` on one line (runs of whitespace, newlines included, become one space), escaped: for labels."""
    return md_escape(" ".join(str(text).split()))
