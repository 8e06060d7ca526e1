#!/usr/bin/env bash
# Train dnahlm-tiny end to end from the shared data and export it into the package, reproducibly (seeded).
#   scripts/train_default.sh [DATA_DIR] [RUN_DIR]
# Stages: tokenizer -> corpus -> pretrain -> split -> sft -> classify -> report (each resumes when re-run).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
RUN=${2:-runs/tiny}
export TOKENIZERS_PARALLELISM=true
.venv/bin/dnahlm train --config configs/tiny.json --data "$DATA" --out "$RUN" --export dnahlm/checkpoints/dnahlm-tiny
