#!/usr/bin/env bash
# The embedded model's GPU stage, in one call of a lent GPU machine (the device tool: at most 10
# minutes a call, 64 MiB carried, 16 MiB a file back). Three commands:
#
#   PACK=1 bash training/train.sh        # here: the tokens, in training/runs/gpu-pack (a few MB)
#   bash training/gpu.sh                 # there, carrying training/runs/gpu-pack; OUT=$OUT
#   GPU_RUN=DIR bash training/train.sh   # here, DIR = the files that came back: export, metrics, card
#
# It trains `train.py --preset gpu` (the shipped model's ten blocks, 65,536 tokens a step)
# for MINUTES of wall clock (the horizon is set from the first steps' speed) and writes the weights
# (no optimizer state) to $OUT in 15 MiB pieces with their checksum, beside the training log.
# Knobs: MINUTES=7 SEED=8 OBJECTIVES=mdlm=1 (e.g. mdlm=0.6,span=0.2,eos=0.2) PRESET=gpu
# INIT_FROM=models/mdlm-code-small (relative to the repository root; empty: random weights)
# TOKENS=training/runs/gpu-pack/tokens.tar.xz
# PY=python3 (the one with PyTorch).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
: "${OUT:?gpu.sh: OUT must name the folder to write the weights to}"
PY="${PY:-python3}" MINUTES="${MINUTES:-7}" SEED="${SEED:-8}" OBJECTIVES="${OBJECTIVES:-mdlm=1}" PRESET="${PRESET:-gpu}"
INIT_FROM="${INIT_FROM-models/mdlm-code-small}"
TOKENS="${TOKENS:-$HERE/runs/gpu-pack/tokens.tar.xz}"
[ -f "$TOKENS" ] || { echo "gpu.sh: no $TOKENS (make it with PACK=1 bash training/train.sh, and carry training/runs/gpu-pack)" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Python unpacks (its lzma module): the GPU machine need not have xz.
"$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$TOKENS" "$WORK"
mkdir -p "$OUT"
(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true) | tee "$OUT/train.log"
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' | tee -a "$OUT/train.log"
cd "$HERE"
PYTHONUNBUFFERED=1 "$PY" train.py --data "$WORK/data" --tokenizer "$WORK/tokenizer" --out "$WORK/run" \
  --preset "$PRESET" ${INIT_FROM:+--init-from "$ROOT/$INIT_FROM"} --objectives "$OBJECTIVES" --minutes "$MINUTES" \
  --seed "$SEED" --threads 4 2>&1 | tee -a "$OUT/train.log"
# The weights alone (a third of the checkpoint: AdamW keeps two moments a weight), in pieces.
"$PY" - "$WORK/run/checkpoint.pt" "$WORK/weights.pt" <<'EOF'
import sys, torch
ckpt = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
ckpt.pop("optimizer")
torch.save(ckpt, sys.argv[2])
EOF
(cd "$WORK" && sha256sum weights.pt > "$OUT/weights.sha256")
split -b 15M -d "$WORK/weights.pt" "$OUT/weights.pt.part"
cp "$WORK/run/log.jsonl" "$OUT/log.jsonl"
ls -l "$OUT"
