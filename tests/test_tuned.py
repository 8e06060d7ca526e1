"""Records of the rows a checkpoint was tuned on (dnahlm.tuned), written by training and used by fused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dnahlm.errors import ConfigError
from dnahlm.retrieval.predictor import FewShotPredictor, PredictorConfig
from dnahlm.tuned import FILE, read_tuned_rows, row_hashes, untuned, write_tuned_rows
from tests.conftest import motif_examples


def test_records_round_trip_and_find_the_rows_not_tuned_on(tmp_path):
    seqs = ["ACGTACGT", "acgtacgt", "TTTTGGGG", "CCCCAAAA"]
    hashes = row_hashes(seqs)
    assert hashes.dtype == np.uint32 and hashes[0] == hashes[1]  # case does not matter
    write_tuned_rows(tmp_path, seqs[:3] * 5)  # drawn with replacement: kept once each
    rows = read_tuned_rows(tmp_path)
    assert rows.tolist() == sorted(set(hashes[:3].tolist())) and len(rows) == 2
    assert untuned(seqs, rows).tolist() == [3]
    assert untuned(seqs, None, rows, None).tolist() == [3]
    assert untuned(seqs, None) is None  # no record: unknown, not "all untuned"
    assert read_tuned_rows(tmp_path / "elsewhere") is None


def test_an_unreadable_record_is_a_clear_error(tmp_path):
    write_tuned_rows(tmp_path, ["ACGT"])
    data = json.loads((tmp_path / FILE).read_text())
    (tmp_path / FILE).write_text(json.dumps({**data, "count": 5}))
    with pytest.raises(ConfigError, match=r"tuned_rows.json: unreadable record.*1 hashes, the header says 5"):
        read_tuned_rows(tmp_path)
    (tmp_path / FILE).write_text("{not json")
    with pytest.raises(ConfigError, match=r"tuned_rows\.json: unreadable"):
        read_tuned_rows(tmp_path)


def test_training_records_the_rows_it_drew(sft_checkpoint_session):
    """The session fixture tunes on motif_examples(400, 1): the records hold those rows and no others."""
    train = row_hashes(e.sequence for e in motif_examples(400, 1))
    for folder in (sft_checkpoint_session, sft_checkpoint_session / "heads" / "motif"):
        rows = read_tuned_rows(folder)
        assert rows is not None and set(rows.tolist()) <= set(train.tolist())
        assert len(rows) > 300  # 220 SFT steps (and 60 head steps) of 16 (32) draws from 400 rows
    unseen = motif_examples(50, 99)
    assert len(untuned([e.sequence for e in unseen], read_tuned_rows(sft_checkpoint_session))) == 50


def test_fused_calibrates_on_rows_the_checkpoint_was_not_tuned_on(motif_task, sft_loaded):
    tuned_rows = motif_examples(400, 1)  # the fixture's tuning data
    fresh = motif_examples(120, 31)
    # the language model's inputs are what the tuning rows would flatter
    config = PredictorConfig(calibration=60, k=8, shots=2, batch_size=16, inputs="full")
    predictor = FewShotPredictor(motif_task, tuned_rows + fresh, model=sft_loaded, config=config)
    scored: list[str] = []
    components = predictor.components

    def spy(ctx, *args, **kwargs):
        scored.extend(ctx.queries)
        return components(ctx, *args, **kwargs)

    predictor.components = spy
    predictor.fit()
    assert predictor.calibrated_on == "untuned rows"
    assert len(scored) == 60 and set(scored) <= {e.sequence for e in fresh}
    assert min(predictor.fit_state.calibration_rows) >= len(tuned_rows)  # the fresh rows come last
    few_fresh = FewShotPredictor(motif_task, tuned_rows + fresh[:15], model=sft_loaded, config=config)
    assert few_fresh.fit().calibrated_on == "pool"  # under 20 untuned rows of a label: the whole pool
