"""Text from files is shown as text: :func:`dnahlm.ui.text.md_escape` by hand-written cases, through a
CommonMark parser, against the rewrites Streamlit's Markdown renderer makes after parsing, and on the Ask
page's answer and paper citations under ``AppTest``."""

from __future__ import annotations

import html
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dnahlm.ui.text import WORD_JOINER, md_escape, md_line

WJ = WORD_JOINER

HOSTILE = "![x](http://e/p.png) and [a](http://e)"


def plain(markdown: str) -> str:
    """The text a reader sees in escaped Markdown: escapes undone, word joiners dropped, hard breaks read
    as newlines (the inverse of :func:`md_escape`, for assertions)."""
    text = markdown.replace("  \n", "\n").replace(WORD_JOINER, "")
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TBP binds the TATA box", "TBP binds the TATA box"),
        ("![x](http://e/p.png)", rf"\!\[x\]\(http\:{WJ}//e/p\.png\)"),
        ("[click](http://evil)", rf"\[click\]\(http\:{WJ}//evil\)"),
        ('<img src="x" onerror=alert(1)>', r'\<img src\="x" onerror\=alert\(1\)\>'),
        ("$$x^2$$ and $5", r"\$\$x^2\$\$ and \$5"),
        ("# heading", r"\# heading"),
        ("**bold** _it_ `code` ~~gone~~", r"\*\*bold\*\* \_it\_ \`code\` \~\~gone\~\~"),
        ("1. item", r"1\. item"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("> quoted", r"\> quoted"),
        ("a | b", r"a \| b"),
        ("{curly}", r"\{curly\}"),
        ("&amp; &#60;", r"\&amp; \&\#60;"),
        ("Title\n===", r"Title  " + "\n" + r"\=\=\="),
        (
            ":smile: :red[x] :material/home: :streamlit:",
            rf"\:{WJ}smile\: \:{WJ}red\[x\] \:{WJ}material/home\: \:{WJ}streamlit\:",
        ),
        ("mail me@evil.org or www.evil.org", rf"mail me@{WJ}evil\.org or www{WJ}\.evil\.org"),
        ("a -> b <= c", rf"a \-{WJ}\> b \<{WJ}\= c"),
        ("C:\\dir\\file", r"C\:\\dir\\file"),
        ("PMID:123 GC 54.3% [1].", r"PMID\:123 GC 54\.3% \[1\]\."),
        ("line one\nline two\n\nnew paragraph", "line one  \nline two  \n  \nnew paragraph"),
        ("windows\r\nline", "windows  \nline"),
        ("", ""),
    ],
)
def test_md_escape_by_hand(text, expected):
    assert md_escape(text) == expected
    assert plain(md_escape(text)) == "\n".join(text.splitlines())


def test_md_line_puts_a_label_on_one_line():
    assert md_line("A title\n  over  two lines ") == "A title over two lines"
    assert md_line("[x](y)") == r"\[x\]\(y\)"


# --- what a renderer makes of it. CommonMark (markdown-it-py) parses; then Streamlit's frontend rewrites
# text nodes (streamlit 1.67 static/js/StreamlitMarkdown.*.js): GFM literal autolinks, material icons, the
# logo, emoji (plugin loaded only when the raw source has a shortcode), KaTeX (only when it has math).
_AFTER_PARSING = [
    re.compile(r"(https?://|www(?=\.))([-.\w]+)", re.IGNORECASE),
    re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)"),
    re.compile(r":material_(\w+):"),
    re.compile(r":streamlit:"),
    re.compile(r":\+1:|:-1:|:[\w-]+:"),
    re.compile(r"(^|\s)(<->|->|<-|--|>=|<=|~=)(\s|$)"),
]
_EMOJI_SOURCE = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:")
_MATH_SOURCE = re.compile(r"(?<!\$)\$\$+(?!\$)[\s\S]*?\$\$|(?<!\$)\$(?![\s$])[^$\n]*?[^\s$]\$(?!\d)")


def rendered(markdown: str) -> tuple[str, str]:
    """(HTML, visible text) of ``markdown`` as CommonMark with GFM tables and strikethrough."""
    markdown_it = pytest.importorskip("markdown_it")
    out = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    return out, html.unescape(re.sub(r"<[^>]+>", "", out))


def assert_shown_as_text(markdown: str, text: str) -> None:
    out, visible = rendered(markdown)
    tags = set(re.findall(r"</?([a-z0-9]+)", out))
    assert tags <= {"p", "br"}, (tags, out)
    assert " ".join(visible.replace(WORD_JOINER, "").split()) == " ".join(text.split())
    for pattern in _AFTER_PARSING:
        assert not pattern.search(visible), (pattern, visible)
    source = markdown.replace(":material/", ":material_")  # as the frontend does before parsing
    assert not _EMOJI_SOURCE.search(source)
    assert not _MATH_SOURCE.search(re.sub(r"\\[\\$`]", "_", source))


@pytest.mark.parametrize(
    "text",
    [
        HOSTILE,
        "<img src=x onerror=alert(1)> <b>bold</b> <!-- c --> <http://e>",
        "$$\\frac{a}{b}$$ costs $5 or $x$",
        "# heading\n## sub\n- list\n1. one\n> quote\n```\ncode\n```\n| a | b |\n|---|---|",
        ":smile: :red[red] :blue-badge[b] :material/home: :material_home: :streamlit: :shimmer[x]",
        ":0: :+1: :-1: :1_2: PMID:123 10:30",  # shortcodes of digits and signs (found by hypothesis)
        "see https://evil.example/x or www.evil.org or me@evil.org",
        "a -> b <- c -- d >= e <= f ~= g",
        "*em* **strong** _u_ ~~s~~ `code` [ref][1] [^1]\n\n[1]: http://e",
        "Title\n===\nOther\n---",
    ],
)
def test_hostile_markdown_is_shown_as_the_text_itself(text):
    assert_shown_as_text(md_escape(text), text)


@given(
    st.lists(st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " ", max_size=40))
)
def test_any_printable_text_round_trips(lines):
    lines = [" ".join(line.split()) for line in lines]
    lines = [line for line in lines if line]
    assert_shown_as_text(md_escape("\n".join(lines)), " ".join(lines))
    assert plain(md_escape("\n".join(lines))) == "\n".join(lines)


def test_lines_stay_lines():
    out, _ = rendered(md_escape("First line [1].\nSecond line [2].\n\nA new paragraph."))
    assert out == "<p>First line [1].<br />\nSecond line [2].</p>\n<p>A new paragraph.</p>\n"


# --- the Ask page: the answer and a paper citation holding a hostile passage
def test_the_ask_page_shows_a_hostile_answer_and_passage_as_text():
    def script():
        from dnahlm.agents.graph import AgentAnswer, ToolCall
        from dnahlm.agents.knowledge_tools import PaperPassage, PaperResult
        from dnahlm.types import Evidence
        from dnahlm.ui.page_ask import render_answer

        hostile = "![x](http://e/p.png) and [a](http://e)"
        passage = PaperPassage(
            citation="PMID:7",
            title="[a](http://e) # Title",
            text=f"TBP binds the TATA box.\n{hostile}\n<img src=x> $$x$$ :material/home:",
            score=0.5,
        )
        render_answer(
            AgentAnswer(
                question="q",
                text=f'From the indexed papers: "{hostile}" [1]\nThe sequence is 300 bp long [2].',
                citations=[
                    Evidence(id="PMID:7", kind="passage", label=passage.title, snippet="TBP"),
                    Evidence(id="tool:x#2", kind="tool", source="sequence_stats", snippet=hostile),
                ],
                tool_calls=[
                    ToolCall(tool="search_papers", result=PaperResult(query="q", passages=[passage]))
                ],
            )
        )

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    answer = at.markdown[0].value
    assert plain(answer) == f'From the indexed papers: "{HOSTILE}" [1]\nThe sequence is 300 bp long [2].'
    assert_shown_as_text(answer, plain(answer))
    out, _ = rendered(answer)
    assert out.count("<br />") == 1  # the answer's two lines stay two lines
    paper, tool = at.expander
    assert plain(paper.label) == "[1] Paper: [a](http://e) # Title (PMID:7)"
    assert_shown_as_text(paper.label, plain(paper.label))
    assert plain(tool.label) == f"[2] Tool `sequence_stats`: {HOSTILE}"
    fields, quote = paper.markdown[0].value, paper.markdown[1].value
    assert fields.startswith(r"**Title:** \[a\]\(http\:") and "**Id:** PMID\\:7" in fields
    assert quote.startswith("> TBP binds the TATA box\\.  \n> ")
    out, visible = rendered(quote)
    assert set(re.findall(r"</?([a-z0-9]+)", out)) == {"blockquote", "p", "br"}
    assert visible.replace(WORD_JOINER, "").split("\n")[1:4] == [
        "TBP binds the TATA box.",
        HOSTILE,
        "<img src=x> $$x$$ :material/home:",
    ]
