"""A new user's first run: clone the repository, install it, run the demo offline with no shared data."""

from __future__ import annotations

import re
import shutil
import site
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_from_a_fresh_clone_without_shared_data(tmp_path):
    if not (ROOT / ".git").is_dir() or shutil.which("git") is None:
        pytest.skip("not a git checkout (the test clones the repository)")
    clone = tmp_path / "user" / "dnahlm"  # nothing named shared/ beside it
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # a venv of its own whose dependencies (pip and setuptools too) come from this one's site-packages:
    # the wheels are the same, only dnahlm is installed anew, from the clone
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = next(venv.glob("lib/python*/site-packages"))
    (purelib / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    py = venv / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", str(clone)],
        check=True,
        capture_output=True,
    )
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "DNAHLM_HOME": str(tmp_path / "home" / ".cache" / "dnahlm"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(venv / "bin" / "dnahlm"), "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert (
        str(clone)
        in subprocess.run(
            [str(py), "-c", "import dnahlm; print(dnahlm.__file__)"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    )
    # a clone has no starter pack (it is built from ../shared/data, never committed): the checkpoint's
    # task head predicts, pyjaspar's profiles and their annotations (with PMIDs) are the knowledge
    assert "no knowledge index" in out
    assert "Prediction for prom_300_all (promoter, classifier):" in out
    assert "JASPAR motif scan" in out and "expected by chance" in out
    assert "From the JASPAR profile annotations" in out
    assert re.search(r"\[\d\] PMID:\d+ +JASPAR20\d\d MA\d{4}\.\d", out.split("Sources:")[1])
    print(f"fresh-clone demo: {seconds:.1f} s\n{out}", file=sys.stderr)
