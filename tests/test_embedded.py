"""The embedded default checkpoint: present, small, documented, and used when --model is not given."""

from __future__ import annotations

import json
import re

import pytest

from dnahlm.cli.main import main
from dnahlm.examples import GLUT5_PROMOTER_300
from dnahlm.settings import EMBEDDED_CHECKPOINTS

from .conftest import write_csv

TINY = EMBEDDED_CHECKPOINTS / "dnahlm-tiny"
GUE_TASKS = {"prom_core_all", "prom_300_all", "tf_0", "tf_1", "tf_2", "splice"}
AT_REPEAT = "ACGT" * 75  # 300 bp of one repeated 4-mer: no promoter


def head_probs(task: str, sequences: list[str]) -> list[list[float]]:
    """Class probabilities of the embedded checkpoint's head for ``task``, computed here with transformers'
    own GPT2ForSequenceClassification on the raw weight files (the checkpoint's transformer with the head's
    tensors over it), reading each sequence followed by end-of-text: independent of dnahlm's runtime and
    of its head loader."""
    import torch
    from safetensors.torch import load_file
    from transformers import GPT2Config, GPT2ForSequenceClassification, PreTrainedTokenizerFast

    head = TINY / "heads" / task
    model = GPT2ForSequenceClassification(GPT2Config.from_json_file(head / "config.json"))
    weights = {k: v for k, v in load_file(TINY / "model.safetensors").items() if k.startswith("transformer.")}
    weights.update(load_file(head / "head.safetensors"))
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(TINY / "tokenizer.json"))
    eos = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    out = []
    with torch.no_grad():
        for s in sequences:
            ids = tokenizer(s, add_special_tokens=False)["input_ids"] + [eos]
            out.append(torch.softmax(model.eval()(input_ids=torch.tensor([ids])).logits[0], -1).tolist())
    return out


def answered_probs(task: str, sequences: list[str]) -> list[list[float]]:
    """What an answer reports for the head: :func:`head_probs` rescaled by the temperature of the head's
    held-out record (``calibration.json``): softmax(log p / t), computed here."""
    import math

    t = json.loads((TINY / "heads" / task / "calibration.json").read_text())["held_out"]["temperature"]
    out = []
    for row in head_probs(task, sequences):
        z = [math.log(p) / t for p in row]
        e = [math.exp(v - max(z)) for v in z]
        out.append([v / sum(e) for v in e])
    return out


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
    line = next(x for x in out.splitlines() if x.startswith("Prediction for prom_300_all (promoter, "))
    found = re.match(
        r"Prediction for prom_300_all \(promoter, ([\w-]+)\): (\S+) \[non-promoter ([0-9.]+), promoter ([0-9.]+)\]",
        line,
    )
    assert found, line
    method, label, probs = found[1], found[2], [float(found[3]), float(found[4])]
    assert label == "promoter"  # GLUT5's promoter (GenBank U05344.1), the window GUE's promoter task uses
    if not has_starter_pack():  # the head alone: its probabilities, computed independently
        assert method == "classifier"
        assert probs == pytest.approx(answered_probs("prom_300_all", [GLUT5_PROMOTER_300])[0], abs=0.006)
    assert "JASPAR motif scan" in out and "expected by chance" in out
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
        tmp_path / "t.csv", [Example("a", GLUT5_PROMOTER_300, 1, "p"), Example("b", AT_REPEAT, 0, "p")]
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
    report = json.loads(out.read_text())
    assert report["model"] == "embedded:dnahlm-tiny"
    # the head, computed independently, calls the promoter a promoter and the repeat not one: both right
    assert [int(p[1] > p[0]) for p in head_probs("prom_300_all", [GLUT5_PROMOTER_300, AT_REPEAT])] == [1, 0]
    assert report["n"] == 2 and report["accuracy"] == 1.0 and report["mcc"] == 1.0
