"""Model-layer speed on this machine: pretraining tokens/s, generation tokens/s with the KV cache, and
label-scored predictions/s (shared prefix, batched) against a naive one-candidate-at-a-time loop.

    python benchmarks/bench_model.py [--model CHECKPOINT] [--repeats 3] [--small]

Each figure is the median of ``--repeats`` timed runs after a warm-up. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel

from dnahlm.model import PRESETS, count_parameters, load_model
from dnahlm.prompts import format_prompt
from dnahlm.scoring import score_candidates, score_candidates_naive
from dnahlm.tasks import Task

PROMOTER = Task("prom_300_all", "promoter", {0: "non-promoter", 1: "promoter"})


def median_time(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def random_model(preset: str, vocab: int) -> GPT2LMHeadModel:
    torch.manual_seed(0)
    return GPT2LMHeadModel(
        GPT2Config(vocab_size=vocab, bos_token_id=0, eos_token_id=0, **PRESETS[preset])
    ).eval()


def bench_pretrain(preset: str, vocab: int, batch: int, block: int, repeats: int) -> dict:
    model = random_model(preset, vocab).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.randint(1, vocab, (batch, block))

    def step() -> None:
        model(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    t = median_time(step, repeats)
    return {
        "what": f"pretraining step, {preset} (B={batch}, T={block}, fp32)",
        "params": count_parameters(model),
        "rate": batch * block / t,
        "unit": "tokens/s",
    }


@torch.no_grad()
def bench_generate(preset: str, vocab: int, new_tokens: int, repeats: int) -> dict:
    model = random_model(preset, vocab)
    prompt = torch.randint(1, vocab, (1, 100))

    def run() -> (
        None
    ):  # the same loop dnahlm.generate uses: prompt once, then one token per step with the cache
        out = model(input_ids=prompt, use_cache=True)
        for _ in range(new_tokens):
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
            out = model(input_ids=nxt, cache=out.cache, use_cache=True)

    t = median_time(run, repeats)
    return {
        "what": f"greedy generation with KV cache, {preset} (100-token prompt)",
        "params": count_parameters(model),
        "rate": new_tokens / t,
        "unit": "tokens/s",
    }


def bench_scoring(model_dir: Path | None, n: int, repeats: int) -> list[dict]:
    m = load_model(model_dir, device="cpu")
    rng = random.Random(0)
    seqs = ["".join(rng.choice("ACGT") for _ in range(300)) for _ in range(n)]
    prompts = [format_prompt(PROMOTER, s) for s in seqs]
    names = PROMOTER.label_names
    t_fast = median_time(
        lambda: score_candidates(m.model, m.tokenizer, prompts, names, batch_size=32), repeats
    )
    few = prompts[: max(4, n // 8)]
    t_naive = median_time(lambda: score_candidates_naive(m.model, m.tokenizer, few, names), repeats)
    fast = score_candidates(m.model, m.tokenizer, few, names)
    naive = score_candidates_naive(m.model, m.tokenizer, few, names)
    agree = float(np.max(np.abs(fast - naive)))
    n_tok = len(m.tokenizer(prompts[0])["input_ids"])
    label = f"{m.path.name}, 300 bp promoter prompt ({n_tok} tokens), 2 labels"
    return [
        {
            "what": f"label scoring, shared prefix + batch 32: {label}",
            "params": count_parameters(m.model),
            "rate": n / t_fast,
            "unit": "seq/s",
        },
        {
            "what": f"label scoring, naive loop (1 candidate per forward): {label}; max abs. difference {agree:.1e}",
            "params": count_parameters(m.model),
            "rate": len(few) / t_naive,
            "unit": "seq/s",
        },
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--model", type=Path, help="checkpoint for the scoring benchmark (default: embedded dnahlm-tiny)"
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--small", action="store_true", help="also time the 124 M-parameter `small` preset (slow on CPU)"
    )
    args, _ = ap.parse_known_args()  # run_all.py forwards the same flags to every script
    rows = [
        bench_pretrain("tiny", 4096, 16, 256, args.repeats),
        bench_generate("tiny", 4096, 128, args.repeats),
    ]
    if args.small:
        rows += [
            bench_pretrain("small", 50_000, 4, 256, 1),
            bench_generate("small", 50_000, 32, args.repeats),
        ]
    rows += bench_scoring(args.model, 256, args.repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device cpu\n")
    print("| benchmark | parameters | rate |\n|---|---:|---:|")
    for r in rows:
        print(f"| {r['what']} | {r['params'] / 1e6:.1f} M | {r['rate']:,.0f} {r['unit']} |")


if __name__ == "__main__":
    main()
