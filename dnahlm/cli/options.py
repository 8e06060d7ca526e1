"""Checked option types for the ``dnahlm`` command line: a bad value is one line and exit 2, before any work.

Example:
    >>> parse = whole(1, 1000)
    >>> parse("5")
    5
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (``dnahlm index: error: argument --k: ...``), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def whole(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``lo`` to ``hi`` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < lo or (hi is not None and value > hi):
            span = f"from {lo:,} to {hi:,}" if hi is not None else f"of at least {lo:,}"
            raise argparse.ArgumentTypeError(f"{value:,} is out of range: give a whole number {span}")
        return value

    parse.__name__ = "whole number"
    return parse


def fraction(text: str) -> float:
    """An argparse ``type``: a number strictly between 0 and 1 (a coverage such as 0.9)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text} is out of range: give a number between 0 and 1, e.g. 0.9")
    return value


fraction.__name__ = "fraction"

__all__ = ["OneLineParser", "fraction", "whole"]
