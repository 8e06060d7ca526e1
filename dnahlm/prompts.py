"""Every prompt template, in one place, shared by training and inference so they cannot drift.

The instruction format is Alpaca's (Taori et al., 2023), which DNAHLM was tuned with::

    Below is an instruction ... ### Instruction: ... ### Input: <DNA> ### Response: <label><eos>

Label names are the whole response; scoring compares the likelihood of each label name followed by
the end-of-text token (see :mod:`dnahlm.scoring`).
"""

from __future__ import annotations

from collections.abc import Sequence

from dnahlm.sequences import model_letters
from dnahlm.tasks import Example, Task

ALPACA_HEADER = (
    "Below is an instruction that describes a task, paired with an input that provides further context. "
    "Write a response that appropriately completes the request."
)
ALPACA_TEMPLATE = (
    ALPACA_HEADER + "\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n"
)
ALPACA_NO_INPUT_TEMPLATE = ALPACA_HEADER.replace(
    ", paired with an input that provides further context", ""
) + ("\n\n### Instruction:\n{instruction}\n\n### Response:\n")

# What each kind asks; {labels} is the list of label names, {name} the task name.
KIND_INSTRUCTIONS = {
    "promoter": "Determine whether this human DNA sequence is a promoter. Answer with one of: {labels}.",
    "core-promoter": (
        "Determine whether this short human DNA sequence around a transcription start site is a core promoter. "
        "Answer with one of: {labels}."
    ),
    "tf-binding": (
        "Determine whether this human DNA sequence is a transcription factor binding site in ChIP-seq data set "
        "{name}. Answer with one of: {labels}."
    ),
    "splice": (
        "Determine whether the centre of this human DNA sequence is a splice donor site, a splice acceptor site, "
        "or not a splice site. Answer with one of: {labels}."
    ),
    "generic": "Classify this DNA sequence. Answer with one of: {labels}.",
}

FEW_SHOT_INPUT = "Labelled examples:\n{examples}\n\nQuery sequence:\n{sequence}"
FEW_SHOT_EXAMPLE = "{sequence} -> {label}"

QA_TEMPLATE = (
    "Answer the question using only the numbered sources. Cite sources as [n]. If the sources do not answer "
    "the question, say so.\n\nSources:\n{sources}\n\nQuestion: {question}"
)


def instruction_for(task: Task) -> str:
    """The instruction text of a task: its own free instruction, or its kind's wording with its labels."""
    if task.instruction:
        return task.instruction
    return KIND_INSTRUCTIONS[task.kind].format(labels=", ".join(task.label_names), name=task.name)


def format_prompt(task: Task, sequence: str, examples: Sequence[Example] = ()) -> str:
    """The Alpaca prompt for classifying ``sequence``; with ``examples``, a few-shot prompt."""
    if examples:
        shots = "\n".join(
            FEW_SHOT_EXAMPLE.format(sequence=model_letters(ex.sequence), label=task.labels[ex.label])
            for ex in examples
        )
        body = FEW_SHOT_INPUT.format(examples=shots, sequence=model_letters(sequence))
    else:
        body = model_letters(sequence)
    return ALPACA_TEMPLATE.format(instruction=instruction_for(task), input=body)


def format_instruction(instruction: str, input_text: str = "") -> str:
    """A free Alpaca prompt (used by the LLM wrapper and chains)."""
    if input_text:
        return ALPACA_TEMPLATE.format(instruction=instruction, input=input_text)
    return ALPACA_NO_INPUT_TEMPLATE.format(instruction=instruction)


def format_response(task: Task, label: int) -> str:
    """The target response for ``label`` (the end-of-text token is appended at tokenisation)."""
    return task.labels[label]
