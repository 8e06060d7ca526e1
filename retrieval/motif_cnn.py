"""A small motif CNN fitted on a task's labelled pool at query time: one of the inputs of ``fused``.

One convolution layer scans the one-hot sequence on both strands for short motifs (``width`` bases,
``filters`` of them), as DeepBind does (Alipanahi et al., 2015, Nat. Biotechnol. 33:831). Each filter
gives two summaries: its best match anywhere on either strand (position- and strand-free, what a TF
binding site looks like) and its mean activation in ``stretches`` equal stretches of the forward strand
(where along the sequence it fires, what promoters and splice sites need). A linear layer maps those to
the labels. It is trained with AdamW on the pool alone, with early stopping on a seeded tenth of its
rows, seeded throughout, so the same pool gives the same model. ``models`` such networks, each from its
own seed and held-out tenth, are averaged: one network's score moves by a few hundredths of MCC with the
seed on the TF pools, and the average of two is steadier (``docs/model-card.md``).

Why it is there: on the GUE TF pools a k-mer bag cannot tell a motif from the same letters scattered,
and the tiny DNAHLM's scores add nothing to it (``docs/model-card.md``); this network can. The weights
are kept as plain numbers (:meth:`MotifCNN.to_json`) so a fit can be cached without pickle.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from dnahlm.bio.encoding import ONE_HOT
from dnahlm.bio.encoding import encode as encode_bases
from dnahlm.errors import DataFormatError, UserInputError


@dataclass(frozen=True)
class MotifCNNConfig:
    """Shape and training of the motif CNN (the defaults were compared on GUE pool rows only)."""

    filters: int = 128
    width: int = 15
    stretches: int = 4
    dropout: float = 0.3
    lr: float = 3e-3
    weight_decay: float = 1e-2
    batch_size: int = 128
    """Largest batch; smaller pools use ``rows // 50`` (at least 16), so they still get enough steps."""
    max_epochs: int = 40
    patience: int = 4
    """Epochs without a lower held-out loss before training stops (the best epoch's weights are kept)."""
    max_rows: int = 20_000
    """Training rows at most (a seeded sample of larger pools), to bound the fit at about a minute."""
    models: int = 2
    """Networks trained (different seeds and held-out rows); their class probabilities are averaged."""


def checked_array(
    value: Any, what: str, shape: Sequence[int | None] | None = None, dtype: Any = np.float64
) -> np.ndarray:
    """``value`` read back from a saved model as an array of ``shape`` (None: any length there) and
    ``dtype``, every entry finite in that type.

    Raises:
        DataFormatError: not numbers, another shape, or NaN / infinity among them (names ``what``).
    """
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataFormatError(f"{what}: not an array of numbers") from None
    if shape is not None and (
        a.ndim != len(shape)
        or any(want is not None and want != got for want, got in zip(shape, a.shape, strict=True))
    ):
        expected = "(" + ", ".join("any" if n is None else str(n) for n in shape) + ")"
        raise DataFormatError(f"{what}: shape {a.shape}, expected {expected}")
    if not np.isfinite(a).all() or (a.size and np.abs(a).max() > np.finfo(dtype).max):
        raise DataFormatError(f"{what}: holds values that are not finite numbers")
    return a.astype(dtype)


def checked_int(value: Any, what: str, low: int = 1, high: int | None = None) -> int:
    """A whole number from a saved model, ``low <= value <= high`` (DataFormatError otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DataFormatError(f"{what}: not a whole number")
    if value != int(value):
        raise DataFormatError(f"{what}: {value!r} is not a whole number")
    if value < low or (high is not None and value > high):
        raise DataFormatError(f"{what}: {value!r} is out of range {low}..{high if high is not None else ''}")
    return int(value)


def checked_labels(value: Any, what: str) -> list[int]:
    """Label ids from a saved model: distinct whole numbers (DataFormatError otherwise)."""
    if not isinstance(value, list) or not value:
        raise DataFormatError(f"{what}: expected a list of label ids")
    ids = [checked_int(v, what, low=-(2**31)) for v in value]
    if len(set(ids)) != len(ids):
        raise DataFormatError(f"{what}: label ids repeat ({ids})")
    return ids


def encode(sequences: Sequence[str], min_length: int = 1) -> np.ndarray:
    """Base codes (N, L) uint8, A C G T = 0..3 and anything else (N, padding) = 4, right-padded."""
    length = max([min_length, *(len(s) for s in sequences)])
    out = np.full((len(sequences), length), 4, dtype=np.uint8)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = encode_bases(s)
    return out


def _network(config: MotifCNNConfig, classes: int) -> Any:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv1d(4, config.filters, config.width)
            self.drop = nn.Dropout(config.dropout)
            self.out = nn.Linear(config.filters * (1 + config.stretches), classes)
            self.register_buffer("onehot", torch.from_numpy(ONE_HOT.copy()), persistent=False)

        def forward(self, codes: torch.Tensor) -> torch.Tensor:  # (B, L) -> (B, classes)
            x = self.onehot[codes.long()].transpose(1, 2)  # (B, 4, L); A C G T order, so flip(1) complements
            forward = torch.relu(self.conv(x))  # (B, F, L - width + 1)
            reverse = torch.relu(self.conv(x.flip(1).flip(2)))  # the reverse complement strand
            best = torch.maximum(forward.amax(2), reverse.amax(2))  # (B, F)
            where = nn.functional.adaptive_avg_pool1d(forward, config.stretches).flatten(1)  # (B, F * S)
            return self.out(self.drop(torch.cat([best, where], 1)))

    return Net()


class MotifCNN:
    """The motif CNN for one task (``config.models`` networks, averaged); probabilities come in
    ``label_ids`` column order.

    Example:
        .. code-block:: python

            cnn = MotifCNN([0, 1]).fit(pool_sequences, pool_labels)
            probs = cnn.predict_proba(["ACGT..."])  # (1, 2)
    """

    def __init__(self, label_ids: Sequence[int], config: MotifCNNConfig | None = None, seed: int = 0) -> None:
        self.label_ids = [int(v) for v in label_ids]
        self.config = config or MotifCNNConfig()
        self.seed = seed
        self.nets: list[Any] = []
        self._weights: list[dict[str, np.ndarray]] = []
        self.epochs: list[int] = []
        """Epochs each network trained (including the patience epochs after its best one)."""

    def fit(self, sequences: Sequence[str], labels: Sequence[int]) -> MotifCNN:
        """Train on labelled sequences (at least 20 rows of two labels or more)."""
        y = np.searchsorted(self.label_ids, np.asarray(labels))
        if len(sequences) < 20 or len(set(y.tolist())) < 2:
            raise UserInputError("the motif CNN needs 20 labelled sequences or more, of two labels or more")
        if self.config.models < 1:
            raise ValueError(f"MotifCNNConfig.models must be 1 or more, not {self.config.models}")
        # network m of seed s uses seed s * models + m, so no two seeds share a network
        fits = [
            self._fit_one(sequences, y, self.seed * self.config.models + m) for m in range(self.config.models)
        ]
        self.nets = [net for net, _ in fits]
        self._weights = []
        self.epochs = [epochs for _, epochs in fits]
        return self

    def _fit_one(self, sequences: Sequence[str], y: np.ndarray, seed: int) -> tuple[Any, int]:
        """One network, trained on all but a seeded tenth of the rows; that tenth picks the best epoch."""
        import torch
        from torch import nn

        cfg = self.config
        rows = np.random.default_rng(seed).permutation(len(y))[: cfg.max_rows]
        codes = torch.from_numpy(encode([sequences[i] for i in rows], cfg.width))
        target = torch.from_numpy(y[rows]).long()
        n_held = max(1, len(rows) // 10)
        batch = min(cfg.batch_size, max(16, len(rows) // 50))
        held = slice(0, n_held)  # rows[:n_held] judge the epochs; the rest are trained on
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = _network(cfg, len(self.label_ids))
            opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
            best, best_state, waited, epochs = float("inf"), None, 0, 0
            while epochs < cfg.max_epochs:
                epochs += 1
                net.train()
                order = torch.randperm(len(rows) - n_held) + n_held
                for b in range(0, len(order), batch):
                    i = order[b : b + batch]
                    loss = nn.functional.cross_entropy(net(codes[i]), target[i])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                net.eval()
                with torch.no_grad():
                    held_loss = nn.functional.cross_entropy(net(codes[held]), target[held]).item()
                if held_loss < best - 1e-4:
                    best, waited = held_loss, 0
                    best_state = {k: v.clone() for k, v in net.state_dict().items()}
                else:
                    waited += 1
                    if waited >= cfg.patience:
                        break
        if best_state is None:  # every held-out loss was NaN
            raise RuntimeError(f"the motif CNN diverged (held-out loss NaN); try a lower lr than {cfg.lr}")
        net.load_state_dict(best_state)
        return net.eval(), epochs

    def predict_proba(self, sequences: Sequence[str], batch_size: int = 512) -> np.ndarray:
        """Class probabilities (N, C) in ``label_ids`` order, the mean of the networks'.

        Computed with NumPy from the weights (:func:`forward`): scoring needs no torch, so a question
        answered by a kept fit does not pay for importing it."""
        if not self.weights:
            raise RuntimeError("MotifCNN.predict_proba before fit")
        out = np.zeros((len(sequences), len(self.label_ids)))
        for b in range(0, len(sequences), batch_size):
            codes = encode(sequences[b : b + batch_size], self.config.width)
            out[b : b + batch_size] = np.mean([forward(w, codes, self.config) for w in self.weights], axis=0)
        return out

    @property
    def weights(self) -> list[dict[str, np.ndarray]]:
        """Each network's weights as float32 arrays (``conv.weight``, ``conv.bias``, ``out.weight``,
        ``out.bias``)."""
        if len(self._weights) != len(self.nets) or not self._weights:
            self._weights = [
                {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()} for net in self.nets
            ]
        return self._weights

    def to_json(self) -> dict[str, Any]:
        """The fitted model as plain numbers (read back with :meth:`from_json`)."""
        return {
            "label_ids": self.label_ids,
            "config": asdict(self.config),
            "seed": self.seed,
            "epochs": self.epochs,
            "weights": [{k: v.tolist() for k, v in w.items()} for w in self.weights],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MotifCNN:
        """A fitted model from :meth:`to_json`, ready to score (as NumPy arrays; no torch).

        Raises:
            DataFormatError: a shape that does not match the configuration and labels, a value that is
                not a finite number, or a missing part (KeyError, TypeError: not a saved model at all).
        """
        labels = checked_labels(data["label_ids"], "motif CNN label_ids")
        config = MotifCNNConfig(**data["config"])
        for name in ("filters", "width", "stretches", "models"):
            checked_int(getattr(config, name), f"motif CNN config {name}", high=1_000_000)
        cnn = cls(labels, config, seed=checked_int(data["seed"], "motif CNN seed", low=0))
        cnn.epochs = [checked_int(e, "motif CNN epochs", low=0) for e in data["epochs"]]
        f, c = config.filters, len(labels)
        shapes = {
            "conv.weight": (f, 4, config.width),
            "conv.bias": (f,),
            "out.weight": (c, f * (1 + config.stretches)),
            "out.bias": (c,),
        }
        if not isinstance(data["weights"], list) or not data["weights"]:
            raise DataFormatError("motif CNN weights: expected a list of networks")
        for w in data["weights"]:
            if not isinstance(w, dict) or set(w) != set(shapes):
                raise DataFormatError(f"motif CNN weights: expected the tensors {', '.join(shapes)}")
        cnn._weights = [
            {k: checked_array(w[k], f"motif CNN {k}", shape, np.float32) for k, shape in shapes.items()}
            for w in data["weights"]
        ]
        cnn.nets = [None] * len(cnn._weights)  # placeholders: only the weights are kept
        return cnn


def forward(weights: dict[str, np.ndarray], codes: np.ndarray, config: MotifCNNConfig) -> np.ndarray:
    """The network's class probabilities (B, C) for base codes (B, L), in NumPy: the same computation as
    the torch module's ``forward`` in evaluation mode (no dropout)."""
    x = ONE_HOT[codes]  # (B, L, 4), A C G T order: reversing both axes gives the reverse complement
    w, bias = weights["conv.weight"], weights["conv.bias"]  # (F, 4, W), (F,)

    def conv(v: np.ndarray) -> np.ndarray:  # (B, L, 4) -> (B, F, L - W + 1), ReLU
        windows = np.lib.stride_tricks.sliding_window_view(v, w.shape[2], axis=1)  # (B, L-W+1, 4, W)
        return np.maximum(np.einsum("blcw,fcw->bfl", windows, w, optimize=True) + bias[None, :, None], 0)

    fwd = conv(x)
    rev = conv(x[:, ::-1, ::-1])
    best = np.maximum(fwd.max(2), rev.max(2))  # (B, F)
    length = fwd.shape[2]
    bins = [  # torch's adaptive average pooling: [floor(i L / S), ceil((i + 1) L / S))
        fwd[:, :, (i * length) // config.stretches : -(-((i + 1) * length) // config.stretches)].mean(2)
        for i in range(config.stretches)
    ]
    where = np.stack(bins, axis=2).reshape(len(codes), -1)  # (B, F * S), filter-major like flatten(1)
    z = np.concatenate([best, where], 1) @ weights["out.weight"].T + weights["out.bias"]
    z = np.exp(z - z.max(1, keepdims=True))
    return (z / z.sum(1, keepdims=True)).astype(np.float64)
