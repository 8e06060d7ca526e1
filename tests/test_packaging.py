"""The distribution maps index/, retrieval/, agents/, ui/ into dnahlm.* for editable and normal installs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBPACKAGES = ("index", "retrieval", "agents", "ui")


def test_editable_install_maps_the_layers():
    import dnahlm.agents
    import dnahlm.index
    import dnahlm.retrieval
    import dnahlm.ui

    for mod, folder in zip(
        (dnahlm.index, dnahlm.retrieval, dnahlm.agents, dnahlm.ui), SUBPACKAGES, strict=True
    ):
        assert Path(mod.__file__).parent == ROOT / folder


@pytest.mark.slow
def test_wheel_install_has_one_import_root(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "w"), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "w").glob("dnahlm-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for sub in SUBPACKAGES:
        assert f"dnahlm/{sub}/__init__.py" in names
    assert "dnahlm/py.typed" in names
    assert not any(n.split("/")[0] in SUBPACKAGES for n in names)  # nothing generic at the top level
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = "import dnahlm, dnahlm.index, dnahlm.retrieval, dnahlm.agents, dnahlm.ui; print(dnahlm.index.__file__)"
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env={"PYTHONPATH": str(target)},
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == str(target / "dnahlm" / "index" / "__init__.py")
