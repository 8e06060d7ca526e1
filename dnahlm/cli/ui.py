"""``dnahlm ui``: start the Streamlit app (ask, predict, index, model) on this machine.

dnahlm ui                                   # embedded model; the starter index when its pack was built
dnahlm ui --index my-index --port 8502      # another index and port
dnahlm ui --no-index --model runs/tiny/sft  # no index; another checkpoint

Runs ``streamlit run`` on the packaged ``dnahlm/ui/app.py`` in a subprocess, headless, on 127.0.0.1 by
default, with usage statistics off; the app reads its settings from ``DNAHLM_UI__*`` variables.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from dnahlm.cli.options import whole
from dnahlm.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ui",
        help="start the web app (ask, predict, explore the index, inspect the model) in the browser",
        description="Start the Streamlit app on HOST:PORT (default 127.0.0.1:8501); Ctrl+C stops it.",
    )
    p.add_argument(
        "--index",
        type=Path,
        help="knowledge index folder (created by the Index page when missing; default: DNAHLM_INDEX, "
        "else the starter index when its pack was built)",
    )
    p.add_argument("--no-index", action="store_true", help="start without a knowledge index")
    p.add_argument("--model", type=Path, help="checkpoint folder (default: the embedded dnahlm-tiny)")
    p.add_argument("--port", type=whole(1, 65_535), default=8501, help="port (default 8501)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    p.add_argument(
        "--max-upload-mb", type=whole(1, 100_000), default=50, help="largest upload accepted (default 50 MB)"
    )
    p.set_defaults(handler=run)


def app_path() -> Path:
    """The packaged Streamlit entry script."""
    import dnahlm.ui

    return Path(dnahlm.ui.__file__).resolve().parent / "app.py"


def streamlit_command(port: int, host: str = "127.0.0.1", max_upload_mb: int = 50) -> list[str]:
    """The ``streamlit run`` command line: headless, no usage statistics, no file watcher.

    Args:
        port: port to serve on.
        host: address to listen on.
        max_upload_mb: Streamlit's own upload limit (the pages check the same limit with a clear message).
    """
    options = {
        "server.headless": "true",
        "server.address": host,
        "server.port": str(port),
        "server.maxUploadSize": str(max_upload_mb),
        "server.fileWatcherType": "none",
        "browser.gatherUsageStats": "false",
        "client.toolbarMode": "viewer",  # no deploy or developer menu items
    }
    return [sys.executable, "-m", "streamlit", "run", str(app_path())] + [
        part for key, value in options.items() for part in (f"--{key}", value)
    ]


def app_environment(
    index: Path | None, model: Path | None, *, no_index: bool = False, max_upload_mb: int = 50
) -> dict[str, str]:
    """The environment of the Streamlit process: this one's, plus the app's ``DNAHLM_UI__*`` settings and
    the offline switches of the model hub libraries."""
    env = dict(os.environ)
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        env.setdefault(var, "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.pop("DNAHLM_UI__INDEX", None)
    if no_index:
        env["DNAHLM_UI__INDEX"] = "none"
    elif index is not None:
        env["DNAHLM_UI__INDEX"] = str(index.expanduser().resolve())
    if model is not None:
        env["DNAHLM_UI__MODEL"] = str(model.expanduser().resolve())
    env["DNAHLM_UI__MAX_UPLOAD_MB"] = str(max_upload_mb)
    return env


def check_args(args: argparse.Namespace) -> None:
    """Refuse options that cannot work, with one clear line (before a server is started)."""
    check_host(args.host)
    if args.no_index and args.index is not None:
        raise ConfigError("give --index DIR or --no-index, not both")
    if args.index is not None and args.index.exists() and not args.index.is_dir():
        raise ConfigError(f"--index {args.index}: not a folder")
    if args.model is not None and not (args.model / "config.json").is_file():
        raise ConfigError(f"--model {args.model}: not a checkpoint folder (config.json missing)")
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port}: must be in 1..65535")
    if args.max_upload_mb < 1:
        raise ConfigError(f"--max-upload-mb {args.max_upload_mb}: must be at least 1")


_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def check_host(host: str) -> str:
    """``host`` when it is an IP address (v4 or v6) or a host name (RFC 1123 labels of letters, digits
    and ``-``, at most 253 characters, not all digits at the end: ``256.0.0.1`` is no address and no
    name); else a :class:`~dnahlm.errors.ConfigError` (before any server starts)."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    if 0 < len(host) <= 253 and all(_LABEL.fullmatch(x) for x in labels) and not labels[-1].isdigit():
        return host
    raise ConfigError(
        f"--host {host!r}: not an IP address or host name (e.g. 127.0.0.1, 0.0.0.0, ::1 or localhost)"
    )


def run(args: argparse.Namespace) -> int:
    check_args(args)
    cmd = streamlit_command(args.port, args.host, args.max_upload_mb)
    env = app_environment(args.index, args.model, no_index=args.no_index, max_upload_mb=args.max_upload_mb)
    print(f"DNAHLM app on http://{args.host}:{args.port} (Ctrl+C stops it)", file=sys.stderr)
    proc = subprocess.Popen(cmd, env=env)
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)  # stopping us stops the server too
    try:
        return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
