"""Few-shot prompts that fit the model's context, measured with the real tokenizer.

Templates come from :mod:`dnahlm.prompts` (the Alpaca format the model was tuned with). When the prompt
would not fit, the least similar examples go first (they come first in the prompt; the most similar sits
next to the query), then example sequences are cut to the query's length around their centre, and a query
that alone is too long keeps its centre: in GUE-style data the site of interest (TSS, splice junction,
ChIP-seq summit) is the middle of the window, so the middle is what must stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dnahlm.prompts import format_prompt
from dnahlm.tasks import Example, Task


def centre(sequence: str, length: int) -> str:
    """The middle ``length`` letters of ``sequence`` (all of it when shorter)."""
    if len(sequence) <= length:
        return sequence
    start = (len(sequence) - length) // 2
    return sequence[start : start + length]


def _budget(tokenizer: Any, model: Any, task: Task) -> int:
    from dnahlm.scoring import prompt_budget

    return prompt_budget(model, tokenizer, task.label_names)


def _length(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def fit_shots(
    tokenizer: Any,
    model: Any,
    task: Task,
    sequence: str,
    examples: Sequence[Example],
    budget: int | None = None,
) -> str:
    """The longest prompt with ``examples`` (least similar first) and ``sequence`` that fits ``budget`` tokens.

    Args:
        tokenizer: the model's tokenizer.
        model: the model (its context length sets the default budget).
        task: the task (instruction and label names).
        sequence: the query.
        examples: few-shot examples, least similar first.
        budget: prompt tokens allowed (default: the context minus room for the longest label and EOS).
    """
    budget = budget or _budget(tokenizer, model, task)
    shots = [
        Example(e.id, centre(e.sequence, max(len(sequence), 1)), e.label, e.task, e.meta) for e in examples
    ]
    while True:
        prompt = format_prompt(task, sequence, shots)
        if _length(tokenizer, prompt) <= budget:
            return prompt
        if shots:
            shots = shots[1:]  # drop the least similar
            continue
        # the query alone is too long: keep its centre, shrunk in proportion to the tokens over budget
        total, own = _length(tokenizer, prompt), _length(tokenizer, sequence)
        room = max(1, budget - (total - own))  # tokens left for the query in this template
        keep = max(1, min(len(sequence) - 1, int(len(sequence) * room / own * 0.95)))
        if len(sequence) <= 1:
            return prompt
        sequence = centre(sequence, keep)
