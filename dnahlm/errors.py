"""Errors raised by dnahlm.

One base class, :class:`DnahlmError`. Errors a user caused (a bad sequence letter, an unreadable file,
a missing model folder) also subclass :class:`ValueError`, and their message says what was wrong,
where (record id, line, position or path) and, where it helps, what to do. The CLI prints such an
error as one line and exits with status 2.
"""

from __future__ import annotations


class DnahlmError(Exception):
    """Base class of every error dnahlm raises on purpose."""


class UserInputError(DnahlmError, ValueError):
    """Something the user gave us is wrong; the message says what and where."""


class InvalidSequenceError(UserInputError):
    """A DNA sequence holds a letter that is not allowed."""

    def __init__(self, record_id: str, position: int, letter: str, allowed: str) -> None:
        self.record_id = record_id
        self.position = position
        self.letter = letter
        if letter.upper() in "RYSWKMBDHV" and letter.upper() not in allowed:
            why = "an IUPAC ambiguity code; this calculation needs exact bases ACGTN"
        else:
            why = (
                f"allowed: {allowed[:5]} and the IUPAC codes {allowed[5:]}"
                if len(allowed) > 5
                else f"allowed: {allowed}"
            )
        super().__init__(f"invalid DNA letter {letter!r} in {record_id} at position {position} ({why})")


class DataFormatError(UserInputError):
    """A file could not be read or does not have the expected format."""


class ModelNotFoundError(UserInputError):
    """A model folder is missing or lacks the files a checkpoint needs."""


class ConfigError(UserInputError):
    """A configuration value or command-line option is invalid."""
