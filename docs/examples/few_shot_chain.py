"""A custom few-shot chain in LCEL: retrieved labelled examples -> Alpaca prompt -> DNAHLM -> label.

    python docs/examples/few_shot_chain.py --pool pool.csv --labels "0=non-promoter,1=promoter" \
        --kind promoter SEQUENCE [--model CHECKPOINT]

The chain is built from the toolkit's parts so that you can swap any of them: the example selector
(similar pool sequences, balanced across labels), the shared prompt template the model was tuned with,
and the ``DNAHLM`` LangChain LLM (greedy, stops at the end of its answer). The free-text answer is
then checked against the label names, and the likelihood-scored prediction printed beside it.
"""

from __future__ import annotations

import argparse

from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import RunnableLambda

from dnahlm.llm import DNAHLM
from dnahlm.prompts import format_prompt
from dnahlm.retrieval import ExamplePool, FewShotPredictor, SimilarSequenceSelector
from dnahlm.tasks import Example, Task, infer_kind, parse_labels, read_pool


def build_chain(task: Task, pool: ExamplePool, llm: DNAHLM, shots: int = 2):
    selector = SimilarSequenceSelector(pool, k=shots)

    def prompt(sequence: str) -> str:
        examples = [
            Example(e["id"], e["sequence"], e["label_id"], task.name)
            for e in selector.select_examples({"sequence": sequence})
        ]
        return format_prompt(task, sequence, examples)

    return RunnableLambda(prompt) | llm | StrOutputParser() | RunnableLambda(str.strip)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sequence")
    ap.add_argument("--pool", required=True, help="labelled CSV (sequence,label)")
    ap.add_argument("--labels", required=True, help='e.g. "0=non-promoter,1=promoter"')
    ap.add_argument("--kind", help="task kind (default: guessed from the pool's name)")
    ap.add_argument("--model", help="checkpoint folder (default: the embedded dnahlm-tiny)")
    args = ap.parse_args()

    name = args.pool.rsplit("/", 1)[-1].removesuffix(".csv")
    task = Task(name, args.kind or infer_kind(name), parse_labels(args.labels))
    examples = read_pool(args.pool, task)
    llm = DNAHLM.from_pretrained(args.model, max_new_tokens=8)
    chain = build_chain(task, ExamplePool(task, examples), llm)
    answer = chain.invoke(args.sequence)
    print(f"generated answer: {answer!r} (a label: {answer in task.label_names})")

    predictor = FewShotPredictor(task, examples, model=llm.loaded)
    p = predictor.predict([args.sequence], method="few-shot")[0]
    print(f"scored prediction: {p.label_name}  " + "  ".join(f"{k}={v:.3f}" for k, v in p.probs.items()))
    print("evidence: " + ", ".join(f"{e.id} ({e.label}, {e.score:.2f})" for e in p.evidence))


if __name__ == "__main__":
    main()
