"""Human output of the ``dnahlm`` commands: text from files is data, so it reaches the terminal escaped.

A paper title, an abstract or a FASTA id may hold terminal control sequences (clear the screen, hide text,
set the window title) or bidirectional overrides; :func:`say` prints them as visible escapes instead.
``--json`` output needs nothing more (JSON escapes control characters itself).

Example:
    >>> terminal_safe("title\\x1b[2J")
    'title\\\\x1b[2J'
"""

from __future__ import annotations

import sys
from typing import Any

from dnahlm.reading import printable


def terminal_safe(text: str) -> str:
    """``text`` with control characters (all but newline and tab) and bidi overrides written as escapes
    (:func:`dnahlm.reading.printable`, which the layers below the CLI use for their own progress bars)."""
    return printable(text)


def say(*parts: Any, file: Any = None, sep: str = " ") -> None:
    """``print`` for human output: every part made terminal-safe first."""
    print(terminal_safe(sep.join(str(p) for p in parts)), file=file or sys.stdout)


__all__ = ["say", "terminal_safe"]
