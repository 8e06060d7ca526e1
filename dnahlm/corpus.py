"""The mixed DNA + English pretraining corpus, streamed, seeded and reproducible.

DNAHLM pretrained GPT-2 on human DNA cut into 300-1,000 bp segments mixed with English text. Here:

* DNA documents are windows of random length in ``[min_len, max_len]`` cut from FASTA/GenBank records
  (records already in that range, like 401 bp windows, are kept whole), each taken from the forward or
  reverse strand at random, upper-cased, with windows of more than ``max_n_fraction`` N dropped;
* English documents are paragraphs of Wikipedia JSON Lines articles;
* the two are interleaved so that DNA makes up ``dna_fraction`` of the characters;
* every document goes to the validation split or not by a hash of its id, so the split is stable;
* classification data never enters: GUE CSVs are refused as sources, and, given ``exclude_csvs``,
  any window that shares a stretch of ``EXCLUDE_MIN_SHARED`` bp or more with a GUE row is dropped
  (GUE is human, like our genome files).

:func:`build_pretraining_data` tokenises the stream into compact ``uint16`` files for training.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dnahlm.bio.encoding import code_table, encode
from dnahlm.errors import ConfigError
from dnahlm.sequences import open_text, parse, reverse_complement

EXCLUDE_K = 32
EXCLUDE_MIN_SHARED = 64
"""A window sharing an exact stretch this long with a held-out classification row is dropped."""


@dataclass(frozen=True)
class Document:
    """One pretraining document: ``kind`` is 'dna' or 'english'."""

    kind: str
    id: str
    text: str


@dataclass
class CorpusConfig:
    """What goes into the pretraining stream."""

    dna_paths: list[Path]
    english_paths: list[Path]
    dna_fraction: float = 0.5
    min_len: int = 300
    max_len: int = 1000
    both_strands: bool = True
    max_n_fraction: float = 0.1
    min_paragraph_chars: int = 200
    val_fraction: float = 0.01
    seed: int = 0
    exclude_csvs: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dna_paths = [Path(p) for p in self.dna_paths]
        self.english_paths = [Path(p) for p in self.english_paths]
        self.exclude_csvs = [Path(p) for p in self.exclude_csvs]
        if not 0.0 <= self.dna_fraction <= 1.0:
            raise ConfigError(f"dna_fraction must be in [0, 1], got {self.dna_fraction}")
        if not 0 < self.min_len <= self.max_len:
            raise ConfigError(f"need 0 < min_len <= max_len, got {self.min_len}, {self.max_len}")
        for p in self.dna_paths:
            if p.suffix == ".csv" or "gue" in p.parts:
                raise ConfigError(f"{p}: classification data (GUE / CSV pools) must not enter pretraining")


def is_validation(doc_id: str, val_fraction: float, seed: int) -> bool:
    """Stable assignment of a document to the validation split by a hash of its id."""
    h = hashlib.blake2b(f"{seed}:{doc_id}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "little") / 2**64 < val_fraction


# ---------------------------------------------------------------- DNA

_AMBIGUOUS_TO_N = str.maketrans("RYSWKMBDHV", "NNNNNNNNNN")
_CODE = code_table(255, lower_case=False)  # upper-case A, C, G, T -> 0..3; anything else 255


def _kmer_codes(seq: str, k: int) -> np.ndarray:
    """Canonical 2-bit codes of every k-mer (k <= 32) of ``seq``; k-mers with N get the max value."""
    arr = encode(seq, _CODE, errors="strict")
    n = len(arr) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    bad = arr == 255
    fwd = np.zeros(n, dtype=np.uint64)
    rev = np.zeros(n, dtype=np.uint64)
    a = arr.astype(np.uint64) & np.uint64(3)
    comp = np.uint64(3) - a
    for j in range(k):
        fwd = (fwd << np.uint64(2)) | a[j : j + n]
        rev = rev | (comp[j : j + n] << np.uint64(2 * j))
    codes = np.minimum(fwd, rev)
    if bad.any():
        has_n = np.convolve(bad.astype(np.int32), np.ones(k, dtype=np.int32), mode="valid") > 0
        codes[has_n] = np.iinfo(np.uint64).max
    return codes


class KmerExclusion:
    """Exact shared-stretch detector against a set of held-out sequences (both strands)."""

    def __init__(
        self, sequences: Iterable[str], k: int = EXCLUDE_K, min_shared: int = EXCLUDE_MIN_SHARED
    ) -> None:
        self.k = k
        self.min_shared = min_shared
        # one pass over all rows joined by N, which breaks every k-mer that would span two rows
        codes = _kmer_codes("N".join(s.upper() for s in sequences), k)
        self.codes = np.unique(codes[codes != np.iinfo(np.uint64).max])

    @classmethod
    def from_csvs(cls, paths: Iterable[Path]) -> KmerExclusion:
        import csv

        seqs: list[str] = []
        for p in paths:
            with open(p, encoding="utf-8", newline="") as fh:
                seqs.extend(row["sequence"].strip().upper() for row in csv.DictReader(fh))
        return cls(seqs)

    def shares_stretch(self, seq: str) -> bool:
        """True when ``seq`` shares an exact stretch of at least ``min_shared`` bp with the held-out set."""
        codes = _kmer_codes(seq, self.k)
        if not len(codes) or not len(self.codes):
            return False
        idx = np.searchsorted(self.codes, codes).clip(max=len(self.codes) - 1)
        hit = self.codes[idx] == codes
        need = self.min_shared - self.k + 1  # consecutive shared k-mers
        if hit.sum() < need:
            return False
        run = np.convolve(hit.astype(np.int32), np.ones(need, dtype=np.int32), mode="valid")
        return bool((run >= need).any())


def dna_documents(config: CorpusConfig, stats: dict[str, int] | None = None) -> Iterator[Document]:
    """DNA windows from every DNA file, files interleaved round-robin, seeded."""
    rng = random.Random(config.seed)
    exclusion = KmerExclusion.from_csvs(config.exclude_csvs) if config.exclude_csvs else None
    stats = stats if stats is not None else {}

    def windows_of(path: Path) -> Iterator[Document]:
        for rec in parse(path, iupac=True):
            seq = rec.sequence.translate(_AMBIGUOUS_TO_N)
            n = len(seq)
            start = 0
            while n - start >= min(config.min_len, n):
                length = (
                    n - start if n - start <= config.max_len else rng.randint(config.min_len, config.max_len)
                )
                window = seq[start : start + length]
                start += length
                if window.count("N") > config.max_n_fraction * len(window):
                    stats["dna_dropped_n"] = stats.get("dna_dropped_n", 0) + 1
                    continue
                if exclusion is not None and exclusion.shares_stretch(window):
                    stats["dna_dropped_heldout"] = stats.get("dna_dropped_heldout", 0) + 1
                    continue
                strand = "-" if config.both_strands and rng.random() < 0.5 else "+"
                text = reverse_complement(window) if strand == "-" else window
                yield Document("dna", f"{path.name}:{rec.id}:{start - length}-{start}{strand}", text)
                if n - start < config.min_len:
                    break

    yield from _round_robin([windows_of(p) for p in config.dna_paths])


def english_documents(config: CorpusConfig) -> Iterator[Document]:
    """Paragraphs of at least ``min_paragraph_chars`` from Wikipedia-style JSON Lines files."""
    for path in config.english_paths:
        with open_text(path) as fh:
            for line in fh:
                article = json.loads(line)
                for i, para in enumerate(article.get("text", "").split("\n")):
                    para = para.strip()
                    if len(para) >= config.min_paragraph_chars:
                        yield Document("english", f"{article.get('id', path.name)}:{i}", para)


def _round_robin(iterators: list[Iterator[Document]]) -> Iterator[Document]:
    active = list(iterators)
    while active:
        for it in list(active):
            doc = next(it, None)
            if doc is None:
                active.remove(it)
            else:
                yield doc


def mixed_documents(config: CorpusConfig, stats: dict[str, int] | None = None) -> Iterator[Document]:
    """DNA and English interleaved so DNA is ``dna_fraction`` of the characters; ends when a needed source does."""
    dna = dna_documents(config, stats) if config.dna_fraction > 0 else iter(())
    eng = english_documents(config) if config.dna_fraction < 1 else iter(())
    chars = {"dna": 0, "english": 0}
    while True:
        total = chars["dna"] + chars["english"]
        if config.dna_fraction in (0.0, 1.0):
            want_dna = config.dna_fraction == 1.0
        else:
            want_dna = total == 0 or chars["dna"] / total < config.dna_fraction
        doc = next(dna if want_dna else eng, None)
        if doc is None:
            return
        chars[doc.kind] += len(doc.text)
        yield doc


def build_pretraining_data(
    config: CorpusConfig,
    tokenizer,
    out_dir: str | Path,
    *,
    max_chars: int | None = None,
    batch_docs: int = 512,
    progress: bool = True,
) -> dict:
    """Tokenise the mixed stream into ``train.bin``, ``val_dna.bin`` and ``val_english.bin`` (uint16).

    Each document is followed by the end-of-text token. Returns (and writes to ``meta.json``) the counts.
    """
    from tqdm import tqdm

    from dnahlm.files import write_json_atomic

    if len(tokenizer) > 65535:
        raise ConfigError(f"vocabulary of {len(tokenizer)} does not fit uint16 token files")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    eos = tokenizer.eos_token_id
    names = {"train": "train.bin", "dna": "val_dna.bin", "english": "val_english.bin"}
    tmp = {k: out / f".{v}.tmp" for k, v in names.items()}
    files = {k: open(p, "wb") for k, p in tmp.items()}  # noqa: SIM115 - closed below
    stats: dict[str, int] = {}
    counts = {
        f"{split}_{kind}_{unit}": 0
        for split in ("train", "val")
        for kind in ("dna", "english")
        for unit in ("docs", "tokens", "chars")
    }
    bar = tqdm(total=max_chars, unit="char", unit_scale=True, disable=not progress, desc="tokenising")
    chars_seen = 0

    def flush(batch: list[Document]) -> None:
        ids = tokenizer([d.text for d in batch], add_special_tokens=False)["input_ids"]
        for doc, toks in zip(batch, ids, strict=True):
            split = "val" if is_validation(doc.id, config.val_fraction, config.seed) else "train"
            arr = np.asarray([*toks, eos], dtype=np.uint16)
            files["train" if split == "train" else doc.kind].write(arr.tobytes())
            counts[f"{split}_{doc.kind}_docs"] += 1
            counts[f"{split}_{doc.kind}_tokens"] += len(arr)
            counts[f"{split}_{doc.kind}_chars"] += len(doc.text)

    try:
        batch: list[Document] = []
        for doc in mixed_documents(config, stats):
            batch.append(doc)
            chars_seen += len(doc.text)
            bar.update(len(doc.text))
            if len(batch) >= batch_docs:
                flush(batch)
                batch = []
            if max_chars is not None and chars_seen >= max_chars:
                break
        if batch:
            flush(batch)
    finally:
        bar.close()
        for f in files.values():
            f.close()
    for key, p in tmp.items():
        p.replace(out / names[key])
    meta = {
        "config": {k: [str(x) for x in v] if isinstance(v, list) else v for k, v in asdict(config).items()},
        "vocab_size": len(tokenizer),
        "eos_token_id": eos,
        "dtype": "uint16",
        **counts,
        **stats,
    }
    write_json_atomic(out / "meta.json", meta)
    return meta


def sample_texts(config: CorpusConfig, max_chars: int) -> Iterator[str]:
    """Training-split documents of the mixed stream up to ``max_chars`` (for training the tokenizer)."""
    seen = 0
    for doc in mixed_documents(config):
        if is_validation(doc.id, config.val_fraction, config.seed):
            continue
        yield doc.text
        seen += len(doc.text)
        if seen >= max_chars:
            return
