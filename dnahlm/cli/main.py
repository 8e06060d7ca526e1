"""The ``dnahlm`` command: parses arguments, calls one library function per subcommand, prints.

Exit codes: 0 success, 2 a user error (printed as one line: what, where, what to do), 1 an internal
failure. Progress bars and logs go to stderr; ``--json`` output goes to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from dnahlm import __version__
from dnahlm.errors import DnahlmError, UserInputError
from dnahlm.settings import get_settings

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    from dnahlm.cli import ask, demo, eval, index, predict, train, ui
    from dnahlm.cli.options import OneLineParser

    parser = OneLineParser(prog="dnahlm", description="Ask questions about DNA with DNAHLM.")
    parser.add_argument("--version", action="version", version=f"dnahlm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (eval, predict, ask, train, index, demo, ui):
        module.register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    """An error message as one terminal-safe line (it may quote a file's text)."""
    from dnahlm.cli.output import terminal_safe

    return terminal_safe(" ".join(str(exc).split()))


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # settings first: every option default is read from them, so a bad DNAHLM_* value must be one line
    # before any parser (or --help) is built
    try:
        get_settings()
    except UserInputError as exc:
        print(f"dnahlm: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    # read by transformers and torch when (and if) a command imports them: commands that need no model
    # (index, search) start without paying for those imports
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        settings = get_settings()
        if settings.threads:
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = str(settings.threads)
            if "torch" in sys.modules:
                sys.modules["torch"].set_num_threads(settings.threads)
        return handler(args)
    except UserInputError as exc:
        print(f"dnahlm {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except DnahlmError as exc:
        print(f"dnahlm {args.command}: failed: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
