"""Checks of a checkpoint folder's files before anything loads them: one clear error naming the file.

A damaged checkpoint (a weight file cut short, emptied or overwritten, a ``config.json`` that does not
parse or does not match the weights, an unreadable tokenizer, weights only as pickles) would otherwise
surface as a safetensors, JSON or torch error 30-100 lines deep. These checks read only JSON and the
safetensors headers (a few kilobytes), so they cost nothing next to loading the weights.

Example:
    .. code-block:: python

        from dnahlm.checkfiles import check_checkpoint

        check_checkpoint("runs/tiny/sft")  # raises ModelNotFoundError("...: model.safetensors is cut short ...")
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dnahlm import reading
from dnahlm.errors import DataFormatError, DnahlmError, ModelNotFoundError

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
"""Weight files that torch reads with ``pickle``: never loaded."""

MAX_HEADER = 100_000_000
"""The safetensors format's own limit on the JSON header (100 MB)."""

SHAPE_KEYS = ("n_embd", "n_layer", "n_head", "n_positions", "vocab_size")
"""GPT-2 config fields that must be positive whole numbers."""


def read_json(path: str | Path, *, kind: type = dict) -> Any:
    """A JSON file's value, which must be of type ``kind``.

    Raises:
        ModelNotFoundError: the file is unreadable, not JSON, or holds another type (path and reason).
    """
    p = Path(path)
    try:  # a regular file only, its size and nesting capped (dnahlm.reading)
        value = reading.json_loads(reading.read_json_text(p), p)
    except DataFormatError as exc:  # not a regular file, too large or too deep
        raise ModelNotFoundError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise ModelNotFoundError(f"{p}: file missing") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelNotFoundError(f"{p}: unreadable ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise ModelNotFoundError(
            f"{p}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    if not isinstance(value, kind):
        raise ModelNotFoundError(
            f"{p}: expected a JSON {_json_name(kind)}, found a JSON {_json_name(type(value))}"
        )
    return value


def _json_name(kind: type) -> str:
    return {dict: "object", list: "list", str: "string", int: "number", float: "number"}.get(
        kind, kind.__name__
    )


def safetensors_header(path: str | Path) -> dict[str, tuple[str, list[int]]]:
    """Tensor name -> (dtype, shape) from a safetensors file's header, after checking the file is whole.

    The header must be a JSON object whose tensors' byte ranges lie inside the file, and the file must end
    where the last tensor ends (a file cut short, emptied or padded is refused).

    Raises:
        ModelNotFoundError: what is wrong, with the path.
    """
    p = Path(path)
    try:
        with reading.open_regular(p) as fh:  # a FIFO or device is refused, never waited on
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(8)
            if len(head) < 8:
                raise ModelNotFoundError(f"{p}: not a safetensors file ({size} bytes: empty or cut short)")
            (n,) = struct.unpack("<Q", head)
            if n > MAX_HEADER or 8 + n > size:
                raise ModelNotFoundError(
                    f"{p}: not a safetensors file, or cut short (header of {n:,} bytes in a {size:,}-byte file)"
                )
            raw = fh.read(n)
    except DataFormatError as exc:
        raise ModelNotFoundError(str(exc)) from exc
    except OSError as exc:
        raise ModelNotFoundError(f"{p}: unreadable ({exc.strerror or exc})") from exc
    try:
        header = reading.json_loads(raw.decode("utf-8"), p)
    except DataFormatError as exc:  # nested too deep
        raise ModelNotFoundError(str(exc)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelNotFoundError(f"{p}: not a safetensors file (its header is not JSON)") from exc
    if not isinstance(header, dict):
        raise ModelNotFoundError(f"{p}: not a safetensors file (its header is not a JSON object)")
    tensors: dict[str, tuple[str, list[int]]] = {}
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            start, stop = (int(x) for x in info["data_offsets"])
            shape = [int(x) for x in info["shape"]]
            dtype = str(info["dtype"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelNotFoundError(f"{p}: damaged safetensors header (entry {name!r})") from exc
        if not 0 <= start <= stop:
            raise ModelNotFoundError(f"{p}: damaged safetensors header (entry {name!r})")
        tensors[name] = (dtype, shape)
        end = max(end, stop)
    data = size - 8 - n
    if end != data:
        what = "cut short" if end > data else "longer than its header says"
        raise ModelNotFoundError(
            f"{p}: {what} (the tensors need {end:,} bytes after the header, the file has {data:,})"
        )
    return tensors


def weight_files(folder: Path) -> list[Path]:
    """The safetensors files that hold a checkpoint's weights (one file, or the shards an index names).

    Raises:
        ModelNotFoundError: no safetensors weights (saying so when only pickles are there), a damaged
            shard index, or a shard it names is missing.
    """
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        weight_map = read_json(index).get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise ModelNotFoundError(f"{index}: no 'weight_map' of tensor names to shard files")
        files = [folder / str(name) for name in sorted(set(weight_map.values()))]
        for f in files:
            if not f.is_file() or f.parent != folder:
                raise ModelNotFoundError(f"{index}: names a shard {f.name!r} that is not in {folder}")
        return files
    single = folder / "model.safetensors"
    if single.is_file():
        return [single]
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
    if pickles:
        raise ModelNotFoundError(
            f"{folder}: the weights are only in {', '.join(pickles[:3])} (pickles); dnahlm loads safetensors "
            "only. Convert them once in a trusted environment with model.save_pretrained(dir)."
        )
    raise ModelNotFoundError(f"{folder}: no model.safetensors weights found")


def _gpt2_shapes(folder: Path, config: dict[str, Any], tensors: dict[str, tuple[str, list[int]]]) -> None:
    """A GPT-2 config's sizes against the tensors the weights hold."""
    for key in SHAPE_KEYS:
        value = config.get(key)
        if key in config and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ModelNotFoundError(
                f"{folder / 'config.json'}: {key} must be a positive whole number, got {value!r}"
            )
    plain = {re.sub(r"^transformer\.", "", k): shape for k, (_, shape) in tensors.items()}
    width, vocab, positions = (
        config.get("n_embd", 768),
        config.get("vocab_size", 50257),
        config.get("n_positions", 1024),
    )
    expected = {"wte.weight": [vocab, width], "wpe.weight": [positions, width], "ln_f.weight": [width]}
    for name, shape in expected.items():
        if name in plain and plain[name] != shape:
            raise ModelNotFoundError(
                f"{folder}: config.json does not match the weights ({name} has shape {plain[name]}, "
                f"the config implies {shape})"
            )
    layers = {int(m.group(1)) for k in plain if (m := re.match(r"h\.(\d+)\.", k))}
    n_layer = config.get("n_layer", 12)
    if layers and layers != set(range(n_layer)):
        raise ModelNotFoundError(
            f"{folder}: config.json says n_layer={n_layer} but the weights hold {len(layers)} layers"
        )


def check_checkpoint(path: str | Path, *, heads: bool = False) -> None:
    """Check a checkpoint folder's files before loading: config, weights, tokenizer, metadata.

    Args:
        heads: also check every classification head under ``heads/`` (for a command that may use any).

    Raises:
        ModelNotFoundError: the first problem found, naming the file.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ModelNotFoundError(
            f"model folder {folder} not found (pass --model DIR or set DNAHLM_MODEL to a checkpoint folder)"
        )
    if not (folder / "config.json").is_file():
        raise ModelNotFoundError(f"{folder}: not a model folder (config.json missing)")
    config = read_json(folder / "config.json")
    tensors: dict[str, tuple[str, list[int]]] = {}
    for f in weight_files(folder):
        tensors.update(safetensors_header(f))
    if config.get("model_type", "gpt2") == "gpt2":
        _gpt2_shapes(folder, config, tensors)
    for name in ("tokenizer.json", "tokenizer_config.json", "generation_config.json", "dnahlm.json"):
        if (folder / name).is_file():
            read_json(folder / name)
    if heads:
        for head_dir in sorted((folder / "heads").glob("*/")):
            check_head(head_dir)


def check_head(head_dir: Path) -> dict[str, Any]:
    """A classification head folder's ``head.json`` (returned) and its whole ``head.safetensors``."""
    info = read_json(head_dir / "head.json")
    for key in ("task", "kind", "labels"):
        if key not in info:
            raise ModelNotFoundError(f"{head_dir / 'head.json'}: missing {key!r}")
    if not isinstance(info["labels"], dict) or not info["labels"]:
        raise ModelNotFoundError(f"{head_dir / 'head.json'}: 'labels' must map label ids to names")
    safetensors_header(head_dir / "head.safetensors")
    return info


@contextlib.contextmanager
def loading(path: str | Path, what: str = "checkpoint") -> Iterator[None]:
    """Turn any failure while loading a checked folder into one :class:`ModelNotFoundError` line.

    The checks above catch the damage we know of; this catches what they cannot see (e.g. a tensor
    whose bytes do not fit its dtype), so a bad folder never ends in a traceback.
    """
    try:
        yield
    except DnahlmError:
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ModelNotFoundError(
            f"{path}: the {what} could not be loaded ({type(exc).__name__}: {reason})"
        ) from exc


__all__ = [
    "check_checkpoint",
    "check_head",
    "loading",
    "read_json",
    "safetensors_header",
    "weight_files",
]
