from __future__ import annotations

import json

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from dnahlm.errors import ConfigError, ModelNotFoundError
from dnahlm.model import PRESETS, build_model, count_parameters, load_model, save_checkpoint


def test_presets_have_the_papers_small_shape(tiny_tokenizer):
    assert PRESETS["small"] == {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024}
    tiny = build_model("tiny", tiny_tokenizer)
    assert 1_000_000 < count_parameters(tiny) < 10_000_000
    assert tiny.config.eos_token_id == tiny_tokenizer.eos_token_id
    assert tiny.config.pad_token_id == tiny_tokenizer.pad_token_id
    with pytest.raises(ConfigError, match="unknown model preset"):
        build_model("huge", tiny_tokenizer)


def test_checkpoint_is_a_plain_hugging_face_folder(tiny_checkpoint):
    names = {p.name for p in tiny_checkpoint.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "dnahlm.json"} <= names
    model = AutoModelForCausalLM.from_pretrained(tiny_checkpoint)
    tok = AutoTokenizer.from_pretrained(tiny_checkpoint)
    ids = tok("ACGTACGT", return_tensors="pt")["input_ids"]
    assert model(ids).logits.shape == (1, ids.shape[1], len(tok))


def test_save_load_round_trip_keeps_outputs_and_meta(tiny_checkpoint, tiny_loaded):
    loaded = load_model(tiny_checkpoint, device="cpu")
    ids = loaded.tokenizer("ACGT promoter", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        # our plain-PyTorch runtime against transformers: the same function, summed in another order (transformers 5.24: 6e-6 on logits of about 15)
        torch.testing.assert_close(
            loaded.model(ids).logits, tiny_loaded.model(ids).logits, atol=1e-4, rtol=1e-4
        )
    assert loaded.meta["preset"] == "tiny-test"
    with pytest.raises(ConfigError, match="runtime='transformers'"):  # an inference-only model
        save_checkpoint(loaded.model, loaded.tokenizer, tiny_checkpoint)
    loaded = load_model(tiny_checkpoint, runtime="transformers")
    save_checkpoint(loaded.model, loaded.tokenizer, tiny_checkpoint, {"note": "second save"})
    again = load_model(tiny_checkpoint)
    assert again.meta["preset"] == "tiny-test" and again.meta["note"] == "second save"
    assert not [p for p in tiny_checkpoint.parent.iterdir() if p.name.startswith(".")]


def test_save_keeps_heads_folder(tiny_checkpoint, tiny_loaded):
    (tiny_checkpoint / "heads" / "t").mkdir(parents=True)
    (tiny_checkpoint / "heads" / "t" / "head.json").write_text("{}")
    save_checkpoint(tiny_loaded.model, tiny_loaded.tokenizer, tiny_checkpoint)
    assert (tiny_checkpoint / "heads" / "t" / "head.json").is_file()


def test_fp16_save_is_half_the_size(tiny_checkpoint, tiny_loaded, tmp_path):
    save_checkpoint(tiny_loaded.model, tiny_loaded.tokenizer, tmp_path / "half", dtype=torch.float16)
    full = (tiny_checkpoint / "model.safetensors").stat().st_size
    half = (tmp_path / "half" / "model.safetensors").stat().st_size
    assert half < 0.6 * full
    assert load_model(tmp_path / "half").model.dtype == torch.float32


def published_layout(tmp_path, tiny_loaded, *, with_tokenizer=True):
    """A folder shaped like the published DNAHLM GPT-2 checkpoints: GPT-2 vocab.json + merges.txt, no
    tokenizer.json, no dnahlm.json, no pad token."""
    folder = tmp_path / "dnahlm-published"
    tiny_loaded.model.save_pretrained(folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg.pop("pad_token_id", None)
    (folder / "config.json").write_text(json.dumps(cfg))
    tok_dir = folder if with_tokenizer else tmp_path / "dna_eng_bpe"
    tok_dir.mkdir(exist_ok=True)
    tiny_loaded.tokenizer.backend_tokenizer.model.save(str(tok_dir))
    assert (tok_dir / "vocab.json").is_file() and (tok_dir / "merges.txt").is_file()
    return folder, tok_dir


def test_load_published_dnahlm_layout(tmp_path, tiny_loaded):
    folder, _ = published_layout(tmp_path, tiny_loaded)
    loaded = load_model(folder)
    assert loaded.meta == {}
    assert loaded.tokenizer.pad_token is not None
    seq = "ACGTTATAAAGGGCGG"
    assert loaded.tokenizer(seq)["input_ids"] == tiny_loaded.tokenizer(seq)["input_ids"]
    ids = torch.tensor([loaded.tokenizer(seq)["input_ids"]])
    with torch.no_grad():
        assert torch.allclose(loaded.model(ids).logits, tiny_loaded.model(ids).logits, atol=1e-5)


def test_load_published_model_with_separate_tokenizer(tmp_path, tiny_loaded):
    folder, tok_dir = published_layout(tmp_path, tiny_loaded, with_tokenizer=False)
    with pytest.raises(ModelNotFoundError, match="no tokenizer found"):
        load_model(folder)
    assert load_model(folder, tokenizer_path=tok_dir).tokenizer.eos_token == "<|endoftext|>"


def test_missing_or_incomplete_folders_are_clear_errors(tmp_path, tiny_checkpoint):
    with pytest.raises(ModelNotFoundError, match="not found"):
        load_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match=r"config\.json missing"):
        load_model(tmp_path / "empty")
    (tiny_checkpoint / "model.safetensors").rename(tiny_checkpoint / "pytorch_model.bin")
    with pytest.raises(ModelNotFoundError, match="pickle"):
        load_model(tiny_checkpoint)


def test_resave_never_carries_stale_weight_files(tiny_checkpoint, tiny_loaded):
    (tiny_checkpoint / "model-00001-of-00002.safetensors").write_bytes(b"stale")
    (tiny_checkpoint / "notes.txt").write_text("old")
    save_checkpoint(tiny_loaded.model, tiny_loaded.tokenizer, tiny_checkpoint)
    names = {p.name for p in tiny_checkpoint.iterdir()}
    assert "model-00001-of-00002.safetensors" not in names and "notes.txt" not in names


def test_interrupted_swap_is_recovered(tiny_checkpoint, tiny_loaded):
    aside = tiny_checkpoint.with_name(f".{tiny_checkpoint.name}.old-crashed")
    tiny_checkpoint.rename(aside)  # as if a save died between its two renames
    assert load_model(tiny_checkpoint).meta["preset"] == "tiny-test"
    assert not aside.exists()


def test_dnahlm_model_setting_picks_the_default_checkpoint(tiny_checkpoint, setting_env):
    from dnahlm.settings import EMBEDDED_CHECKPOINTS, get_settings

    assert get_settings().default_model_path() == EMBEDDED_CHECKPOINTS / "dnahlm-tiny"
    setting_env("DNAHLM_MODEL", str(tiny_checkpoint))
    assert load_model().path == tiny_checkpoint
