"""A LangChain example selector: labelled pool examples most similar to the query sequence.

Use it wherever LangChain takes an ``example_selector`` (``FewShotPromptTemplate``, custom LCEL chains),
or call :meth:`SimilarSequenceSelector.select_examples` directly. Selection is by cosine similarity of
k-mer profiles (or any sequence embedder of the pool), optionally balanced across labels, and, given a
tokenizer and a token budget, trimmed so that the examples fit: the least similar go first and long
example sequences keep their centre (:mod:`.prompting`).
"""

from __future__ import annotations

from typing import Any

from langchain_core.example_selectors import BaseExampleSelector

from dnahlm.errors import UserInputError
from dnahlm.prompts import FEW_SHOT_EXAMPLE
from dnahlm.sequences import normalize
from dnahlm.tasks import Example

from .pool import ExamplePool
from .prompting import centre


class SimilarSequenceSelector(BaseExampleSelector):
    """Pick the ``k`` pool examples most similar to ``input_variables[input_key]``.

    Each selected example is a dict with ``sequence``, ``label`` (the label name), ``label_id``, ``id`` and
    ``similarity``, least similar first so that the most similar example sits next to the query.

    Args:
        pool: the task's labelled pool (:class:`~dnahlm.retrieval.pool.ExamplePool`).
        k: examples to select (at most).
        balanced: take the best examples of each label in turn (``k // labels`` each) instead of the top k.
        input_key: the input variable holding the query sequence.
        tokenizer: with ``max_tokens``, count tokens with this tokenizer and drop examples that do not fit.
        max_tokens: token budget for the rendered examples (``"{sequence} -> {label}"`` lines).

    Example:
        .. code-block:: python

            from langchain_core.prompts import FewShotPromptTemplate, PromptTemplate

            selector = SimilarSequenceSelector(ExamplePool(task, read_pool("pool.csv", task)), k=4)
            prompt = FewShotPromptTemplate(
                example_selector=selector,
                example_prompt=PromptTemplate.from_template("{sequence} -> {label}"),
                prefix="Classify the last sequence.",
                suffix="{sequence} ->",
                input_variables=["sequence"],
            )
            print(prompt.format(sequence="ACGT..."))
    """

    def __init__(
        self,
        pool: ExamplePool,
        k: int = 4,
        *,
        balanced: bool = True,
        input_key: str = "sequence",
        tokenizer: Any = None,
        max_tokens: int | None = None,
    ) -> None:
        if k < 1:
            raise UserInputError(f"k must be at least 1, got {k}")
        self.pool = pool
        self.k = k
        self.balanced = balanced
        self.input_key = input_key
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens

    def add_example(self, example: dict[str, str]) -> None:
        """Add ``{"sequence": ..., "label": name or id}`` (optionally ``"id"``) to the pool."""
        task = self.pool.task
        try:
            label = task.label_id(str(example["label"]))
        except KeyError:
            raise UserInputError("an example needs 'sequence' and 'label'") from None
        except ValueError:
            raise UserInputError(f"unknown label {example['label']!r} for task {task.name}") from None
        seq = normalize(example.get("sequence", ""), record_id="example", iupac=True)
        if not seq:
            raise UserInputError("an example needs a non-empty 'sequence'")
        ident = example.get("id") or f"{task.name}:added:{len(self.pool)}"
        self.pool.add([Example(ident, seq, label, task.name)])

    def select_examples(self, input_variables: dict[str, str]) -> list[dict[str, Any]]:
        if self.input_key not in input_variables:
            raise UserInputError(
                f"the selector needs the query sequence in input variable {self.input_key!r}"
            )
        query = normalize(input_variables[self.input_key], record_id="query", iupac=True)
        if self.balanced:
            per = max(1, self.k // len(self.pool.task.labels))
            candidates = self.pool.search([query], per, per_label=True)[0]
        else:
            candidates = self.pool.search([query], self.k)[0]
        chosen = candidates[: self.k]
        names = self.pool.task.labels
        rows = [
            {
                "sequence": n.example.sequence,
                "label": names[n.example.label],
                "label_id": n.example.label,
                "id": n.example.id,
                "similarity": round(n.similarity, 4),
            }
            for n in reversed(chosen)  # least similar first
        ]
        return self._fit(rows, len(query))

    def _fit(self, rows: list[dict[str, Any]], query_length: int) -> list[dict[str, Any]]:
        if self.tokenizer is None or self.max_tokens is None:
            return rows
        rows = [{**r, "sequence": centre(r["sequence"], max(query_length, 1))} for r in rows]

        def tokens(rs: list[dict[str, Any]]) -> int:
            text = "\n".join(FEW_SHOT_EXAMPLE.format(sequence=r["sequence"], label=r["label"]) for r in rs)
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

        while rows and tokens(rows) > self.max_tokens:
            rows = rows[1:]  # the least similar goes first
        return rows
