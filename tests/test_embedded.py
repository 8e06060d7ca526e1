"""The embedded default checkpoint: present, small, documented, and used when --model is not given."""

from __future__ import annotations

import json
import re

from dnahlm.cli.main import main
from dnahlm.examples import GLUT5_PROMOTER_300
from dnahlm.settings import EMBEDDED_CHECKPOINTS

from .conftest import write_csv

TINY = EMBEDDED_CHECKPOINTS / "dnahlm-tiny"
GUE_TASKS = {"prom_core_all", "prom_300_all", "tf_0", "tf_1", "tf_2", "splice"}


def test_embedded_checkpoint_is_small_and_carries_its_card():
    size = sum(f.stat().st_size for f in TINY.rglob("*") if f.is_file())
    assert size < 25_000_000, size
    meta = json.loads((TINY / "dnahlm.json").read_text())
    assert meta["preset"] == "tiny"
    assert {k.split("/")[0] for k in meta["validation"]} == GUE_TASKS
    assert sorted(p.name for p in (TINY / "heads").iterdir()) == sorted(GUE_TASKS)
    assert not list(TINY.rglob("*.bin")) and not list(TINY.rglob("*.pt"))


def test_demo_answers_offline_with_the_embedded_model(capsys):
    """With the starter pack built (from ../shared/data), the index is made on first use in this session's
    DNAHLM_HOME and predictions come from its pools; without it, from the model alone."""
    from dnahlm.index.starter import has_starter_pack

    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    method = "fused" if has_starter_pack() else "classifier"
    line = next(
        x for x in out.splitlines() if x.startswith(f"Prediction for prom_300_all (promoter, {method})")
    )
    probs = [float(t) for t in re.findall(r"(?:non-promoter|promoter) ([0-9.]+)", line)]
    assert len(probs) == 2 and abs(sum(probs) - 1) < 0.02
    assert "JASPAR motifs match" in out
    sources = out.split("Sources:")[1]
    assert "tool predict" in sources and "tool scan_motifs" in sources
    if has_starter_pack():
        assert "From the indexed papers:" in out and "PMID:" in sources
    else:  # the literature that ships with pyjaspar: each profile's annotation and its PMID
        assert "no knowledge index" in out
        assert "From the JASPAR profile annotations" in out and "PMID:" in sources


def test_eval_uses_the_embedded_model_by_default(tmp_path):
    from dnahlm.tasks import Example

    test = write_csv(
        tmp_path / "t.csv", [Example("a", GLUT5_PROMOTER_300, 1, "p"), Example("b", "ACGT" * 75, 0, "p")]
    )
    out = tmp_path / "r.json"
    code = main(
        [
            "eval",
            "--test",
            str(test),
            "--labels",
            "0=non-promoter,1=promoter",
            "--task",
            "prom_300_all",
            "--kind",
            "promoter",
            "--method",
            "classifier",
            "--json",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    assert json.loads(out.read_text())["model"] == "embedded:dnahlm-tiny"
