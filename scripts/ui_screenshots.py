"""Refresh the app's screenshots in ``docs/screenshots/`` (ask, predict, index, model).

    python scripts/ui_screenshots.py [--chromium /usr/bin/chromium]

Runs the browser test (``tests/test_ui_browser.py``: ``dnahlm ui`` on a free local port, driven by
Playwright with the system Chromium, headless, offline) with ``DNAHLM_UI_SCREENSHOTS=1``, which makes it
write its screenshots into ``docs/screenshots/`` instead of a temporary folder. About a minute.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default=os.environ.get("DNAHLM_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    if not Path(args.chromium).is_file():
        print(
            f"ui_screenshots: Chromium not found at {args.chromium} (pass --chromium PATH)", file=sys.stderr
        )
        return 2
    env = {
        **os.environ,
        "DNAHLM_UI_SCREENSHOTS": "1",
        "DNAHLM_CHROMIUM": args.chromium,
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        str(ROOT / "tests" / "test_ui_browser.py"),
    ]
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    if code == 0:
        for png in sorted((ROOT / "docs" / "screenshots").glob("*.png")):
            print(png.relative_to(ROOT))
    return code


if __name__ == "__main__":
    sys.exit(main())
