"""Numbers read back from disk, and places written to, that are hostile: damaged ``fused`` fit caches, a
fit-cache path that is a folder, heads with NaN or misshapen weights, ``--plot`` to where no file can be
written, a home where the fit cannot be kept, ``ui --host`` that is no address, long upload names and
IUPAC letters in the Predict page's motif section.

A damaged fit is never used (refitted, or for an index pool answered with kNN, with a note); a damaged
head or an unwritable plot is one stderr line and exit 2; a prediction never prints ``nan``.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import pytest

from dnahlm.cli.main import main
from dnahlm.settings import get_settings
from tests.test_bad_checkpoints import _link_copy

from .conftest import motif_examples, write_csv

LABELS = "0=at-rich,1=gc-rich"
GC = "GCGCGGCCGCGGGCCCGCGATGCGGCCGCGCCGGCGCGCA"
AT = "ATATTAAATATTTAATATAAATTTATATATAATTAAATAT"
TINY = get_settings().default_model_path()
SEQ = "".join(random.Random(11).choice("ACGT") for _ in range(120))


@pytest.fixture
def home(tmp_path, setting_env) -> Path:
    """This test's own DNAHLM_HOME (the fit cache goes to ``home / "fits"``)."""
    setting_env("DNAHLM_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def pool(tmp_path) -> Path:
    return write_csv(tmp_path / "motif.csv", motif_examples(120, 4))


def _run(capsys, *argv: str) -> tuple[int, str, list[str]]:
    rc = main([str(a) for a in argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err.strip().splitlines()


def _one_line_error(rc: int, out: str, err: list[str], says: str) -> None:
    assert rc == 2, err
    assert len(err) == 1, err
    assert says in err[0], err
    assert "Traceback" not in err[0] and "nan" not in (out + err[0]).lower()


def _no_nan(text: str) -> None:
    assert not re.search(r"\bnan\b", text, re.IGNORECASE), text


def _finite_json(path: Path) -> dict:
    """The fit file, refusing NaN and infinities (``json`` reads them by default)."""

    def refuse(name: str) -> float:
        raise AssertionError(f"{path} holds {name}")

    return json.loads(path.read_text(), parse_constant=refuse)


def _fit_file(home: Path) -> Path:
    files = sorted((home / "fits").glob("fused-*.json"))
    assert len(files) == 1, files
    return files[0]


def _nan_floats(value):
    """Every float of a JSON value replaced by NaN (ints, the row numbers and settings, are kept)."""
    if isinstance(value, float):
        return math.nan
    if isinstance(value, list):
        return [_nan_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _nan_floats(v) for k, v in value.items()}
    return value


def _predict(capsys, pool: Path, *extra: str) -> tuple[int, dict, list[str]]:
    rc, out, err = _run(capsys, "predict", GC, "--pool", pool, "--labels", LABELS, "--json", *extra)
    _no_nan(out + "\n".join(err))
    return rc, (json.loads(out) if rc == 0 else {}), err


# ------------------------------------------------------------------------------ fit caches
def _drop_column(d: dict) -> None:
    d["combination"]["weights"] = [row[:-1] for row in d["combination"]["weights"]]


def _other_labels(d: dict) -> None:
    d["combination"]["labels"] = [0, 7]


def _unknown_input(d: dict) -> None:
    d["inputs"] = [*d["inputs"], "oracle"]


def _inf_scale(d: dict) -> None:
    d["trained"]["onehot"]["model"]["scale"][0] = math.inf


def _zero_scale(d: dict) -> None:
    d["trained"]["probe"]["model"]["scale"][3] = 0.0


def _missing_trained(d: dict) -> None:
    del d["trained"]["probe"]


def _other_format(d: dict) -> None:
    d["format"] = 1


DAMAGED_FITS = {
    # name: (how the JSON is changed, what the note says)
    "every float NaN": (lambda d: d.update(_nan_floats(d)), "not finite numbers"),
    "combination missing a column": (_drop_column, "combination weights: shape (2, "),
    "combination for other labels": (_other_labels, "labels [7] are not among the task's labels"),
    "an unknown input": (_unknown_input, "unknown inputs ['oracle']"),
    "an infinite scale": (_inf_scale, "one-hot LR model scale: holds values that are not finite"),
    "a zero scale": (_zero_scale, "probe model scale: must be positive"),
    "a trained input missing": (_missing_trained, "the combination uses ['probe'], but they are not saved"),
    "another format": (_other_format, "format 1, expected"),
}


@pytest.mark.parametrize("damage", list(DAMAGED_FITS))
def test_a_damaged_fit_is_refitted_with_a_note_and_never_printed(home, pool, capsys, damage):
    rc, first, _ = _predict(capsys, pool)
    assert rc == 0 and first["label_name"] == "gc-rich"
    path = _fit_file(home)
    data = json.loads(path.read_text())
    change, says = DAMAGED_FITS[damage]
    change(data)
    path.write_text(json.dumps(data))  # json writes NaN and Infinity as such

    rc, again, err = _predict(capsys, pool)
    assert rc == 0, err
    assert again["note"].startswith(f"the kept fit {path} is damaged and was not used (")
    assert says in again["note"], again["note"]
    # the refit is the same seeded fit as the first: the same probabilities, summing to 1
    assert again["probs"] == pytest.approx(first["probs"]) and sum(again["probs"].values()) == pytest.approx(
        1
    )
    assert again["method"] == "fused"
    _finite_json(path)  # replaced by the new fit
    rc, third, err = _predict(capsys, pool)  # read back: no note any more
    assert rc == 0 and third["note"] is None and third["probs"] == pytest.approx(first["probs"])


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), ""),
        (lambda p: p.write_text("[1, 2]"), "not a saved fit"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00"), "utf-8"),
        (lambda p: p.write_text(""), "Expecting value"),
    ],
    ids=["truncated", "a list", "not UTF-8", "empty"],
)
def test_a_truncated_or_unreadable_fit_is_refitted(home, pool, capsys, damage, says):
    rc, first, _ = _predict(capsys, pool)
    path = _fit_file(home)
    damage(path)
    rc, again, _ = _predict(capsys, pool)
    assert rc == 0 and again["probs"] == pytest.approx(first["probs"])
    assert (
        again["note"].startswith(f"the kept fit {path} is damaged and was not used (")
        and says in again["note"]
    )
    _finite_json(path)


def test_a_fit_cache_path_that_is_a_folder_is_answered_and_said_once(home, pool, capsys):
    rc, first, _ = _predict(capsys, pool)
    path = _fit_file(home)
    path.unlink()
    path.mkdir()
    (path / "keep").write_text("the folder is not ours to remove")
    rc, out, err = _run(capsys, "predict", GC, "--pool", pool, "--labels", LABELS)  # text: notes on stderr
    assert rc == 0 and out.startswith("query (40 bp): gc-rich  [fused: "), err
    _no_nan(out + "\n".join(err))
    notes = [line for line in err if line.startswith("note: ")]
    assert len(notes) == 1, err
    assert "is damaged and was not used (a folder, not a fit file)" in notes[0]
    assert f"the fit could not be kept in {path} (Is a directory)" in notes[0]
    rc, again, _ = _predict(capsys, pool)
    assert rc == 0 and again["probs"] == pytest.approx(first["probs"])
    assert (path / "keep").read_text() == "the folder is not ours to remove"


def test_an_index_pool_with_a_damaged_fit_is_answered_with_knn_and_a_note(home, pool, tmp_path, capsys):
    idx = tmp_path / "idx"
    rc, _, err = _run(capsys, "index", "add", idx, pool, "--labels", LABELS, "--task", "motif", "--quiet")
    assert rc == 0, err
    rc, out, err = _run(capsys, "predict", GC, "--index", idx, "--task", "motif", "--json")
    assert rc == 0 and json.loads(out)["method"] == "fused"  # fitted when added
    path = _fit_file(home)
    path.write_text(json.dumps(_nan_floats(json.loads(path.read_text()))))
    rc, out, err = _run(capsys, "predict", GC, "--index", idx, "--task", "motif", "--json")
    _no_nan(out + "\n".join(err))
    p = json.loads(out)
    assert rc == 0 and p["method"] == "knn" and p["label_name"] == "gc-rich"
    assert "is damaged and was not used" in p["note"] and "answered with knn" in p["note"]
    rc, knn, _ = _run(capsys, "predict", GC, "--index", idx, "--task", "motif", "--json", "--method", "knn")
    assert json.loads(knn)["probs"] == pytest.approx(p["probs"])  # exactly what knn says
    # `dnahlm index fit` replaces it; then questions get fused again
    assert _run(capsys, "index", "fit", idx, "--quiet")[0] == 0
    _finite_json(path)
    rc, out, _ = _run(capsys, "predict", GC, "--index", idx, "--task", "motif", "--json")
    assert json.loads(out)["method"] == "fused" and json.loads(out)["note"] is None


# ------------------------------------------------------------------------------ read-only home
def _refuse_writes(monkeypatch) -> list[Path]:
    """Make the fit writer fail as on a read-only home (tests run as root, who may write anywhere)."""
    import dnahlm.files

    tried: list[Path] = []

    def refuse(path, data):
        tried.append(Path(path))
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(dnahlm.files, "write_json_atomic", refuse)
    return tried


def test_a_home_where_the_fit_cannot_be_kept_still_answers_with_one_note(home, pool, capsys, monkeypatch):
    tried = _refuse_writes(monkeypatch)
    rc, p, err = _predict(capsys, pool)
    assert rc == 0 and p["label_name"] == "gc-rich" and p["method"] == "fused"
    assert len(tried) == 1 and tried[0].parent == home / "fits"
    assert (
        p["note"] == f"the fit could not be kept in {tried[0]} (Permission denied); it is refitted next time"
    )
    assert not err  # --json: the note is in the JSON, stderr stays empty
    rc, out, err = _run(capsys, "predict", AT, "--pool", pool, "--labels", LABELS)  # text output
    assert rc == 0 and out.startswith("query (40 bp): at-rich  [fused: ")
    _no_nan(out + "\n".join(err))
    assert [line for line in err if "could not be kept" in line] == [f"note: {p['note']}"]
    assert not any("Traceback" in line for line in err) and len(tried) == 2


def test_index_fit_that_cannot_keep_its_fit_is_one_line(home, pool, tmp_path, capsys, monkeypatch):
    idx = tmp_path / "idx"
    args = ("index", "add", idx, pool, "--labels", LABELS, "--task", "motif", "--quiet", "--no-fit")
    assert _run(capsys, *args)[0] == 0
    _refuse_writes(monkeypatch)
    rc, out, err = _run(capsys, "index", "fit", idx, "--quiet")
    _one_line_error(rc, out, err, "'fused' was fitted, but the fit could not be kept in")
    assert "Permission denied" in err[0] and "answered with knn" in err[0]


# ------------------------------------------------------------------------------ the final guard
def test_a_method_that_gives_nan_is_an_error_never_a_result(pool, capsys, monkeypatch):
    import numpy as np

    from dnahlm.retrieval import methods

    monkeypatch.setattr(methods.Knn, "probs", lambda self, q, ctx: np.full((len(q), 2), np.nan))
    rc, out, err = _run(capsys, "predict", GC, "--pool", pool, "--labels", LABELS, "--method", "knn")
    _one_line_error(rc, out, err, "method 'knn' gave class probabilities that are not finite numbers")
    monkeypatch.setattr(methods.Knn, "probs", lambda self, q, ctx: np.full((len(q), 2), 0.3))
    rc, out, err = _run(capsys, "predict", GC, "--pool", pool, "--labels", LABELS, "--method", "knn")
    _one_line_error(rc, out, err, "summing to 1")


def test_a_batch_size_below_one_never_gives_a_uniform_answer(motif_task):
    from dnahlm.errors import ConfigError
    from dnahlm.retrieval.methods import Context, Instruct
    from dnahlm.retrieval.predictor import PredictorConfig

    def no_model():
        raise AssertionError("the model must not load for a batch size that cannot work")

    for size in (0, -4):
        ctx = Context(motif_task, PredictorConfig(batch_size=size), [GC], model=no_model)
        with pytest.raises(ConfigError, match=f"batch size {size}: must be a whole number of 1 or more"):
            Instruct().probs([GC], ctx)


# ------------------------------------------------------------------------------ heads


def _damaged_head(tmp_path: Path, change) -> Path:
    from safetensors.torch import load_file, save_file

    d = tmp_path / "ckpt"
    _link_copy(TINY, d)
    head = d / "heads" / "splice" / "head.safetensors"
    tensors = load_file(str(head))
    change(tensors)
    head.unlink()
    save_file(tensors, str(head))
    return d


def _nan_score(t: dict) -> None:
    t["score.weight"][1, 5] = float("nan")


def _inf_block(t: dict) -> None:
    t["transformer.h.3.mlp.c_fc.bias"][0] = float("inf")


def _two_rows(t: dict) -> None:
    t["score.weight"] = t["score.weight"][:2].clone()


def _narrow_block(t: dict) -> None:
    t["transformer.ln_f.weight"] = t["transformer.ln_f.weight"][:100].clone()


HEADS = {
    "NaN in the score layer": (_nan_score, "score.weight holds values that are not finite numbers"),
    "infinity in a block": (_inf_block, "transformer.h.3.mlp.c_fc.bias holds values that are not finite"),
    "score layer for two labels": (_two_rows, "score.weight has shape (2, 192), but the head has 3 labels"),
    "a block of the wrong width": (
        _narrow_block,
        "transformer.ln_f.weight has shape (100,), the checkpoint's (192,)",
    ),
}


@pytest.mark.parametrize("damage", list(HEADS))
def test_a_head_with_bad_numbers_is_refused_in_one_line(tmp_path, capsys, damage):
    change, says = HEADS[damage]
    ckpt = _damaged_head(tmp_path, change)
    rc, out, err = _run(capsys, "predict", SEQ, "--task", "splice", "--model", ckpt)
    _one_line_error(rc, out, err, says)
    assert str(ckpt / "heads" / "splice" / "head.safetensors") in err[0]


def test_the_unchanged_head_answers_so_the_cases_above_test_the_damage(tmp_path, capsys):
    ckpt = _damaged_head(tmp_path, lambda t: None)  # loaded and saved again, unchanged
    rc, out, err = _run(capsys, "predict", SEQ, "--task", "splice", "--model", ckpt, "--json")
    assert rc == 0, err
    p = json.loads(out)
    assert p["method"] == "classifier" and sum(p["probs"].values()) == pytest.approx(1)


# ------------------------------------------------------------------------------ --plot
def _plot(capsys, pool: Path, target) -> tuple[int, str, list[str]]:
    return _run(
        capsys, "predict", GC[:20], "--pool", pool, "--labels", LABELS, "--method", "knn",
        "--mutagenesis", "--plot", target,
    )  # fmt: skip


def test_plot_where_no_file_can_be_written_is_one_line(pool, tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "track.html"
    _one_line_error(*_plot(capsys, pool, missing), f"the folder {missing.parent} does not exist")
    _one_line_error(*_plot(capsys, pool, tmp_path), f"--plot {tmp_path}: is a folder")
    (tmp_path / "a-file").write_text("x")
    _one_line_error(*_plot(capsys, pool, tmp_path / "a-file" / "t.html"), "is not a folder")
    _one_line_error(*_plot(capsys, pool, tmp_path / "t.png"), "write the chart to a .html (or .json) file")
    assert not missing.parent.exists() and not (tmp_path / "t.png").exists()
    rc, _, err = _plot(capsys, pool, tmp_path / "t.html")  # control: a good path is written
    assert rc == 0 and (tmp_path / "t.html").read_text().lstrip().startswith("<!DOCTYPE html>"), err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_plot_to_a_full_disk_is_one_line(pool, capsys):
    _one_line_error(
        *_plot(capsys, pool, "/dev/full"), "--plot /dev/full: cannot write the chart (No space left"
    )
    assert Path("/dev/full").is_char_device()  # still the device, never replaced by a file


# ------------------------------------------------------------------------------ ui --host
@pytest.mark.parametrize("host", ["256.0.0.1", "1.2.3", "a b", "under_score", "-lead.example", "x" * 64])
def test_ui_refuses_a_host_that_is_no_address_without_starting_a_server(capsys, monkeypatch, host):
    import subprocess

    def no_server(*args, **kwargs):
        raise AssertionError("no server may start")

    monkeypatch.setattr(subprocess, "Popen", no_server)
    rc, out, err = _run(capsys, "ui", f"--host={host}")
    _one_line_error(rc, out, err, "not an IP address or host name")


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::1", "localhost", "my-box.example.org"])
def test_ui_takes_addresses_and_host_names(host):
    from dnahlm.cli.ui import check_host

    assert check_host(host) == host


# ------------------------------------------------------------------------------ upload names
class _Upload:
    def __init__(self, name: str, data: bytes) -> None:
        self.name, self._data = name, data

    def getvalue(self) -> bytes:
        return self._data


def test_long_upload_names_keep_their_suffix_and_stay_distinct(tmp_path):
    from dnahlm.ui.uploads import MAX_NAME, safe_name, staged

    stem = "sample-" + "x" * 193
    names = [f"{stem}1.fa", f"{stem}2.fa", f"{stem}3.fa.gz"]
    assert all(len(n) >= 200 for n in names)
    safe = [safe_name(n) for n in names]
    assert len(set(safe)) == 3 and all(len(s) <= MAX_NAME for s in safe)
    assert safe[0].endswith(".fa") and safe[1].endswith(".fa") and safe[2].endswith(".fa.gz")
    assert all(s.startswith("sample-xxx") for s in safe)
    assert safe_name("short name.fa") == "short_name.fa"  # short names as before
    uploads = [_Upload(n, f">r{i}\nACGT\n".encode()) for i, n in enumerate(names)]
    with staged(tmp_path / "idx", uploads) as paths:
        assert [p.name for p in paths] == safe
        assert [p.read_bytes() for p in paths] == [u.getvalue() for u in uploads]
    assert not list((tmp_path / "idx").iterdir())  # the staging folder is gone


# ------------------------------------------------------------------------------ Predict page motifs
def test_exact_bases_turns_ambiguity_codes_into_n_in_place():
    from dnahlm.ui.page_predict import exact_bases

    assert exact_bases("ACGRYNTWSKMBDHV") == "ACGNNNTNNNNNNNN"
    assert exact_bases(GC) == GC


def test_predict_page_motif_section_takes_iupac_letters(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from dnahlm.examples import GLUT5_PROMOTER_300

    monkeypatch.setenv("DNAHLM_UI__INDEX", "none")
    monkeypatch.delenv("DNAHLM_UI__MODEL", raising=False)
    app = Path(__file__).resolve().parents[1] / "ui" / "app.py"
    at = AppTest.from_file(str(app), default_timeout=120)
    at.run()
    at.switch_page("page_predict.py").run()
    seq = GLUT5_PROMOTER_300[:100] + "RYNNKM" + GLUT5_PROMOTER_300[106:]
    at.text_area(key="pred_seq").set_value(seq).run()
    at.button(key="pred_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    assert list(at.dataframe[0].value["length"]) == [300]
    captions = [c.value for c in at.caption]
    assert any("IUPAC ambiguity codes are scanned as N" in c for c in captions), captions
    assert at.select_slider(key="pred_p") is not None and at.selectbox(key="pred_logo") is not None
