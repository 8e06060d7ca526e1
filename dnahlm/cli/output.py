"""Human output of the ``dnahlm`` commands: text from files is data, so it reaches the terminal escaped.

A paper title, an abstract or a FASTA id may hold terminal control sequences (clear the screen, hide text,
set the window title) or bidirectional overrides; :func:`say` prints them as visible escapes instead.
``--json`` output needs nothing more (JSON escapes control characters itself).

Example:
    >>> terminal_safe("title\\x1b[2J")
    'title\\\\x1b[2J'
"""

from __future__ import annotations

import re
import sys
from typing import Any

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters (all but newline and tab) and bidi overrides written as escapes."""
    return _CONTROL.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text
    )


def say(*parts: Any, file: Any = None, sep: str = " ") -> None:
    """``print`` for human output: every part made terminal-safe first."""
    print(terminal_safe(sep.join(str(p) for p in parts)), file=file or sys.stdout)


__all__ = ["say", "terminal_safe"]
