from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from transformers import AutoTokenizer

from dnahlm.tokenizer import EOS_TOKEN, PAD_TOKEN, decode, load_tokenizer


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ACGTN", max_size=600))
def test_dna_round_trips(tiny_tokenizer, seq):
    ids = tiny_tokenizer(seq, add_special_tokens=False)["input_ids"]
    assert decode(tiny_tokenizer, ids) == seq


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_round_trips(tiny_tokenizer, text):
    ids = tiny_tokenizer(text, add_special_tokens=False)["input_ids"]
    assert decode(tiny_tokenizer, ids) == text


def test_dna_is_compressed_by_merges(tiny_tokenizer):
    seq = "ACGTTATAAAGGGCGGACGT" * 10
    n = len(tiny_tokenizer(seq, add_special_tokens=False)["input_ids"])
    assert n < len(seq) / 1.5


def test_special_tokens_are_explicit_and_saved(tiny_tokenizer, tmp_path):
    assert tiny_tokenizer.eos_token == EOS_TOKEN and tiny_tokenizer.bos_token == EOS_TOKEN
    assert tiny_tokenizer.pad_token == PAD_TOKEN
    assert tiny_tokenizer.pad_token_id != tiny_tokenizer.eos_token_id
    tiny_tokenizer.save_pretrained(tmp_path)
    assert (tmp_path / "tokenizer.json").is_file()
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again.eos_token == EOS_TOKEN and again.pad_token == PAD_TOKEN
    text = "promoter ACGTACGT"
    assert again(text)["input_ids"] == tiny_tokenizer(text)["input_ids"]
    assert load_tokenizer(tmp_path).pad_token_id == tiny_tokenizer.pad_token_id
