"""Bad ``DNAHLM_*`` values: read once, at the door, and reported as one line ``DNAHLM_X: <why>`` with exit 2
by every command (``--help`` included), in real processes; a value that would make a run meaningless
(a batch size below 1, a negative k) never yields a result."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dnahlm.cli.main import main
from dnahlm.errors import ConfigError

# (variable, value, the setting named in the message, a word of the reason)
BAD = [
    ("DNAHLM_AGENT__TOOL_TIMEOUT", "abc", "DNAHLM_AGENT__TOOL_TIMEOUT", "number"),
    ("DNAHLM_AGENT__TOOL_TIMEOUT", "0", "DNAHLM_AGENT__TOOL_TIMEOUT", "greater than 0"),
    ("DNAHLM_AGENT__TOOL_TIMEOUT", "nan", "DNAHLM_AGENT__TOOL_TIMEOUT", "finite"),
    ("DNAHLM_AGENT__MAX_STEPS", "0", "DNAHLM_AGENT__MAX_STEPS", "greater than or equal to 1"),
    ("DNAHLM_PREDICTION__K", "-1", "DNAHLM_PREDICTION__K", "greater than or equal to 1"),
    ("DNAHLM_PREDICTION__METHOD", "magic", "DNAHLM_PREDICTION__METHOD", "'fused'"),
    ("DNAHLM_PREDICTION__CALIBRATION", "5", "DNAHLM_PREDICTION__CALIBRATION", "20"),
    ("DNAHLM_PREDICTION", "{oops", "DNAHLM_PREDICTION", "JSON"),
    ("DNAHLM_AGENT", '{"max_steps": 0}', "DNAHLM_AGENT__MAX_STEPS", "greater than or equal to 1"),
    ("DNAHLM_BATCH_SIZE", "-5", "DNAHLM_BATCH_SIZE", "greater than or equal to 1"),
    ("DNAHLM_BATCH_SIZE", "0", "DNAHLM_BATCH_SIZE", "greater than or equal to 1"),
    ("DNAHLM_THREADS", "0", "DNAHLM_THREADS", "greater than or equal to 1"),
    ("DNAHLM_RUNTIME", "fast", "DNAHLM_RUNTIME", "'torch' or 'transformers'"),
    ("DNAHLM_PLANNER", "psychic", "DNAHLM_PLANNER", "'retrieval' or 'regex'"),
    ("DNAHLM_DEVICE", "gpu", "DNAHLM_DEVICE", "cuda:N"),
    ("DNAHLM_LLM", "qwen", "DNAHLM_LLM", "PROVIDER:MODEL"),
    ("DNAHLM_UI__MAX_UPLOAD_MB", "0", "DNAHLM_UI__MAX_UPLOAD_MB", "greater than or equal to 1"),
    ("DNAHLM_PREDICTION__MOTIF_CNN", "perhaps", "DNAHLM_PREDICTION__MOTIF_CNN", "boolean"),
]


def _run(args: list[str], env_update: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DNAHLM_") or k == "DNAHLM_HOME"}
    env.update(env_update)
    return subprocess.run(
        [sys.executable, "-m", "dnahlm.cli.main", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_error_line(stderr: str, setting: str, reason: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith(f"dnahlm: error: {setting}: "), lines[0]
    assert reason in lines[0], lines[0]


@pytest.mark.parametrize(("var", "value", "setting", "reason"), BAD)
def test_a_bad_setting_is_one_line_naming_it_before_any_work(
    var, value, setting, reason, setting_env, capsys
):
    setting_env(var, value)
    code = main(["index", "stats", "no-such-index"])  # would be a different error if settings were not first
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    _one_error_line(err, setting, reason)


@pytest.mark.parametrize(
    "argv",
    [
        ["ui", "--help"],
        ["ask", "--help"],
        ["--version"],
        ["index", "stats", "idx"],
        ["predict", "ACGTACGTAC", "--pool", "pool.csv"],
        ["eval", "--train", "pool.csv", "--test", "pool.csv"],
    ],
)
def test_every_command_reports_a_bad_setting_in_a_real_process(argv, tmp_path):
    done = _run(argv, {"DNAHLM_AGENT__TOOL_TIMEOUT": "abc"}, tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    _one_error_line(done.stderr, "DNAHLM_AGENT__TOOL_TIMEOUT", "number")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing was written


def test_the_bad_value_itself_is_not_echoed(setting_env, capsys):
    setting_env("DNAHLM_PREDICTION__K", "\x1b[31mred" + "9" * 5000)
    assert main(["index", "stats", "idx"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "9999" not in err and len(err) < 300


def _pool_and_test(root: Path) -> tuple[Path, Path]:
    rows = ["sequence,label"] + [("GC" * 20 if i % 2 else "AT" * 20) + f",{i % 2}" for i in range(12)]
    pool = root / "pool.csv"
    pool.write_text("\n".join(rows) + "\n")
    test = root / "test.csv"
    test.write_text("\n".join(rows[:4]) + "\n")
    return pool, test


def test_the_red_team_batch_size_reproduction_yields_no_accuracy(
    tmp_path, tiny_checkpoint, setting_env, capsys
):
    """``DNAHLM_BATCH_SIZE=-5 dnahlm eval … --limit 3`` reported accuracy 0.000 with exit 0."""
    pool, test = _pool_and_test(tmp_path)
    argv = ["eval", "--train", str(pool), "--test", str(test), "--labels", "0=at,1=gc", "--limit", "3"]
    argv += ["--method", "instruct", "--model", str(tiny_checkpoint)]
    setting_env("DNAHLM_BATCH_SIZE", "-5")
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "accuracy" not in err
    _one_error_line(err, "DNAHLM_BATCH_SIZE", "greater than or equal to 1")


def test_a_batch_size_below_one_is_refused_by_the_scorer_itself(tiny_checkpoint):
    """Library callers bypass the settings: the scorer refuses a batch size that would score no row."""
    from dnahlm.model import load_model
    from dnahlm.scoring import score_candidates

    loaded = load_model(tiny_checkpoint)
    with pytest.raises(ConfigError, match="batch size 0"):
        score_candidates(loaded.model, loaded.tokenizer, ["ACGT"], ["yes", "no"], batch_size=0)


def test_good_values_are_read_and_empty_ones_mean_unset(setting_env):
    from dnahlm.settings import get_settings

    setting_env("DNAHLM_DEVICE", "cuda:1")
    setting_env("DNAHLM_LLM", "ollama:qwen2.5:7b")
    setting_env("DNAHLM_AGENT__TOOL_TIMEOUT", "2.5")
    setting_env("DNAHLM_PREDICTION", '{"k": 7}')
    setting_env("DNAHLM_PLANNER", "")  # empty: the default, as if unset
    s = get_settings()
    assert (s.device, s.llm, s.agent.tool_timeout, s.prediction.k) == ("cuda:1", "ollama:qwen2.5:7b", 2.5, 7)
    assert s.planner == "retrieval"


def test_an_out_of_range_option_applied_in_code_is_one_line_too():
    from dnahlm.settings import Settings

    with pytest.raises(
        ConfigError, match=r"^DNAHLM_PREDICTION__K: Input should be greater than or equal to 1$"
    ):
        Settings().with_prediction(k=0)


def test_the_ui_shows_a_bad_setting_as_one_line_and_runs_no_page(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_ui_text import plain

    monkeypatch.setenv("DNAHLM_UI__INDEX", "none")
    monkeypatch.setenv("DNAHLM_PREDICTION__K", "-3")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "ui" / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [plain(e.value) for e in at.error] == [
        "Settings: DNAHLM_PREDICTION__K: Input should be greater than or equal to 1"
    ]
    assert not at.text_input  # the sidebar and pages did not run
