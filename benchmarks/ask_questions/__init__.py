"""Question set and scoring of ``benchmarks/bench_ask_questions.py`` (the benchmark's own helpers)."""
