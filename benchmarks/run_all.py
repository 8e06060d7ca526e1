"""Run every benchmark script in this folder in turn (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

if __name__ == "__main__":
    status = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n## {script.stem}\n", flush=True)
        status |= subprocess.call([sys.executable, str(script), *sys.argv[1:]])
    sys.exit(status)
