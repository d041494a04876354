#!/usr/bin/env bash
# The embedded model in one command: corpus -> tokens -> training (seventeen stages, seeded, resumable)
# -> export -> parity -> held-out and out-of-distribution metrics -> model card.
#
#   bash training/train.sh [MODEL_DIR]          # default: models/mdlm-code-small
#
# Rerun the same command after an interruption: each stage resumes from its checkpoint in
# training/runs/ (ignored by git) and a finished stage is skipped. Knobs (environment):
#   STAGE1_STEPS=8000  SEED=0  THREADS=2
#   STAGE1_FROM=DIR    skip stage 1 and start stage 2 from this model folder's weights (what the
#                      shipped model did: its stage 1 is the release before it, git show
#                      05b5977:models/mdlm-code-small)
#   STAGE2=continue    stage 2: the MDLM objective on stage 1's data, lr 5e-4 down to 2.5e-5 over
#                      STAGE2_STEPS=2500, then stage 3: the same from stage 2's weights, lr 3e-4
#                      down to 1.5e-5 over STAGE3_STEPS=4000 (0 skips it), then stage 4: stage 3's
#                      weights grown to 6 blocks, the same again over STAGE4_STEPS=4000 (0 skips
#                      it), then stage 5: the same 6 blocks at lr 2e-4 down to 1e-5 over
#                      STAGE5_STEPS=2000 (0 skips it), then stage 6: the same again over
#                      STAGE6_STEPS=4000 (0 skips it), then stages 7-9: the same again over
#                      STAGE7_STEPS=2000, STAGE8_STEPS=1600 and STAGE9_STEPS=1600 (0 skips each),
#                      then stage 10: the same with half the rows from the broader corpus over
#                      STAGE10_STEPS=1000, stage 11: the same again over STAGE11_STEPS=1800, then
#                      stage 12: three quarters of the rows from it at lr 3e-4 down to 1.5e-5 over
#                      STAGE12_STEPS=3896, stage 13: the same again over STAGE13_STEPS=3000, then
#                      stage 14: the same at lr 2e-4 down to 1e-5 over STAGE14_STEPS=6000, stage 15:
#                      the same again over STAGE15_STEPS=6000, then stage 20: stage 15's weights
#                      grown to 8 blocks, the same at lr 3e-4 down to 1.5e-5 over STAGE20_STEPS=4000,
#                      then stage 23: grown to 10 blocks, the same over STAGE23_STEPS=3000
#                      (0 skips each; the shipped model has all of them; stages 16-19, 21 and 22
#                      were experiments, training/README.md).
#                      STAGE2=mix (no stages 3-23): two more blocks, the objective mix (MDLM,
#                      spans, end-token-padded holes) on the broader corpus, STAGE2_STEPS=4000,
#                      PRESET2=small6
#   PACK=1             only build the data and write runs/gpu-pack/tokens.tar.xz, GPU_DATA's tokens
#                      (default data-stage1) for gpu.sh, the GPU stage (one call of a GPU machine)
#   GPU_RUN=DIR        no CPU stages: the weights gpu.sh sent back (DIR) are exported and measured;
#                      give a MODEL_DIR other than the shipped one to compare before shipping
# Needs Debian's python3-torch, python3-onnx, libopenblas0-pthread, python3.11-doc, and Node 20.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
MODEL_DIR="$(realpath -m "${1:-$ROOT/models/mdlm-code-small}")"
GPU_RUN="${GPU_RUN:+$(realpath "$GPU_RUN")}"
PY=/usr/bin/python3
SEED="${SEED:-0}" THREADS="${THREADS:-2}"
STAGE1_STEPS="${STAGE1_STEPS:-8000}" STAGE2="${STAGE2:-continue}" PRESET2="${PRESET2:-small6}"
case "$STAGE2" in
  continue) STAGE2_STEPS="${STAGE2_STEPS:-2500}" ;;
  # The chain of stages 3-23 ends at its first stage with 0 steps: mix has none of them.
  mix) STAGE2_STEPS="${STAGE2_STEPS:-4000}" STAGE3_STEPS=0 ;;
  *) echo "train.sh: STAGE2 must be continue or mix, got $STAGE2" >&2; exit 2 ;;
esac
STAGE3_STEPS="${STAGE3_STEPS:-4000}" STAGE4_STEPS="${STAGE4_STEPS:-4000}" STAGE5_STEPS="${STAGE5_STEPS:-2000}"
STAGE6_STEPS="${STAGE6_STEPS:-4000}" STAGE7_STEPS="${STAGE7_STEPS:-2000}" STAGE8_STEPS="${STAGE8_STEPS:-1600}"
STAGE9_STEPS="${STAGE9_STEPS:-1600}" STAGE10_STEPS="${STAGE10_STEPS:-1000}"
STAGE11_STEPS="${STAGE11_STEPS:-1800}" STAGE12_STEPS="${STAGE12_STEPS:-3896}"
STAGE13_STEPS="${STAGE13_STEPS:-3000}" STAGE14_STEPS="${STAGE14_STEPS:-6000}"
STAGE15_STEPS="${STAGE15_STEPS:-6000}" STAGE20_STEPS="${STAGE20_STEPS:-4000}"
STAGE23_STEPS="${STAGE23_STEPS:-3000}"
cd "$HERE"
log() { echo "[train.sh] $*"; }

[ -f node_modules/tokenizers/package.json ] || npm ci --no-audit --no-fund
[ -f "$ROOT/node_modules/@huggingface/tokenizers/package.json" ] || (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)

# 1. Corpus and tokens. The tokenizer is the one the extension ships (trained by tokenizer.mjs on
#    the first corpus; `node tokenizer.mjs data/train runs/tokenizer` makes a new one, which would
#    change every token id).
TOKENIZER="${TOKENIZER:-$ROOT/models/mdlm-code-small}"
mkdir -p runs/tokenizer
cp "$TOKENIZER/tokenizer.json" "$TOKENIZER/tokenizer_config.json" runs/tokenizer/
for set in data:"" data-stage1:--no-extra; do
  dir="${set%%:*}" flag="${set#*:}"
  if [ ! -f "$dir/manifest.json" ]; then
    log "corpus -> $dir $flag"
    $PY corpus.py "$dir" $flag
    node encode.mjs runs/tokenizer "$dir"
  fi
done
cp data/manifest.json manifest.json
if [ "${PACK:-0}" = 1 ]; then
  # For gpu.sh: GPU_DATA's train and held-out tokens as data/, and the tokenizer. What a device call
  # carries (the repository's tracked files and this) must stay under 64 MiB.
  GPU_DATA="${GPU_DATA:-data-stage1}" PACKED=runs/gpu-pack/tokens.tar.xz
  mkdir -p runs/gpu-pack
  tar cJf "$PACKED" --transform "s,^$GPU_DATA/,data/,;s,^runs/tokenizer,tokenizer," \
    "$GPU_DATA"/train/*.u16 "$GPU_DATA"/heldout/*.u16 runs/tokenizer
  tree=$(cd "$ROOT" && git ls-files -z | xargs -0 cat | wc -c) packed=$(wc -c < "$PACKED")
  log "wrote $PACKED: $((packed >> 20)) MiB, $(((tree + packed) >> 20)) MiB with the repository's files"
  [ $((tree + packed)) -lt $((64 << 20)) ] || { log "over the device's 64 MiB: use a smaller GPU_DATA"; exit 1; }
  exit 0
fi

# 2-3. The weights: gpu.sh's, sent back from a GPU machine, or the CPU stages.
if [ -n "$GPU_RUN" ]; then
  mkdir -p runs/gpu
  cat "$GPU_RUN"/weights.pt.part* > runs/gpu/weights.pt
  (cd runs/gpu && sha256sum --quiet -c "$GPU_RUN/weights.sha256")
  mv runs/gpu/weights.pt runs/gpu/checkpoint.pt
  cp "$GPU_RUN/log.jsonl" runs/gpu/log.jsonl
  LAST=runs/gpu
else
  # 2. Stage 1: the MDLM objective on the three domains' own files (the previous release's recipe).
  if [ -n "${STAGE1_FROM:-}" ]; then
    STAGE1="$(realpath "$STAGE1_FROM")"
  else
    $PY train.py --data data-stage1 --tokenizer runs/tokenizer --out runs/stage1 --preset small \
      --total-steps "$STAGE1_STEPS" --seed "$SEED" --threads "$THREADS"
    STAGE1=runs/stage1-model
    [ -f "$STAGE1/onnx/model.onnx" ] || $PY export.py runs/stage1/checkpoint.pt "$STAGE1" --no-parity
  fi

  # 3. Stage 2. continue: more tokens of the MDLM objective on stage 1's data at a lower peak (the
  #    held-out accuracy was still rising when stage 1's schedule ended). mix: two more blocks (grown
  #    as identities), the objective mix (MDLM, contiguous spans, end-token-padded spans), the broader corpus.
  if [ "$STAGE2" = continue ]; then
    $PY train.py --data data-stage1 --tokenizer runs/tokenizer --out runs/stage2 --preset small \
      --init-from "$STAGE1" --objectives mdlm=1 --lr 5e-4 --warmup 100 --total-steps "$STAGE2_STEPS" \
      --seed "$((SEED + 2))" --threads "$THREADS"
  else
    $PY train.py --data data --tokenizer runs/tokenizer --out runs/stage2 --preset "$PRESET2" \
      --init-from "$STAGE1" --objectives mdlm=0.4,span=0.3,eos=0.3 --total-steps "$STAGE2_STEPS" \
      --seed "$SEED" --threads "$THREADS"
  fi

  # 3b. Stages 3-23 (continue only): the MDLM objective on stage 1's data again, from the previous
  #     stage's export at a lower peak (held-out accuracy was still rising at the end of each stage).
  #     Stage 4 has two more blocks, grown as identities so training starts where stage 3 ended
  #     (held-out accuracy rose another 1.1-3.4 points; stage 5 another 0.4-0.8, stage 6 0.6-1.0,
  #     stage 7 0.3-0.4, stage 8 0.03-0.4, stage 9 0.3-1.1). Stage 10 draws half its rows from the
  #     broader corpus (data/): in-distribution within 0.3 points, out of distribution up 0.4-14 points.
  #     Arguments: stage, preset, warm-up, steps, peak lr[, the broader corpus's share of rows].
  next_stage() {
    local prev="$LAST"
    [ -f "$prev-model/onnx/model.onnx" ] || $PY export.py "$prev/checkpoint.pt" "$prev-model" --no-parity
    $PY train.py --data data-stage1 --tokenizer runs/tokenizer --out "runs/stage$1" --preset "$2" \
      --init-from "$prev-model" --objectives mdlm=1 --lr "$5" --warmup "$3" --total-steps "$4" \
      ${6:+--broad "data=$6"} --seed "$((SEED + $1))" --threads "$THREADS"
    LAST="runs/stage$1"
  }
  LAST=runs/stage2
  # Each stage starts from the one before, so the first with 0 steps ends the chain.
  for stage in "3 small 100 $STAGE3_STEPS 3e-4" "4 small6 200 $STAGE4_STEPS 3e-4" \
               "5 small6 100 $STAGE5_STEPS 2e-4" "6 small6 100 $STAGE6_STEPS 2e-4" \
               "7 small6 100 $STAGE7_STEPS 2e-4" "8 small6 100 $STAGE8_STEPS 2e-4" \
               "9 small6 100 $STAGE9_STEPS 2e-4" "10 small6 100 $STAGE10_STEPS 2e-4 0.5" \
               "11 small6 100 $STAGE11_STEPS 2e-4 0.5" "12 small6 100 $STAGE12_STEPS 3e-4 0.75" \
               "13 small6 100 $STAGE13_STEPS 3e-4 0.75" "14 small6 100 $STAGE14_STEPS 2e-4 0.75" \
               "15 small6 100 $STAGE15_STEPS 2e-4 0.75" "20 small8 200 $STAGE20_STEPS 3e-4 0.75" \
               "23 small10 200 $STAGE23_STEPS 3e-4 0.75"; do
    read -r n preset warmup steps lr broad <<< "$stage"
    [ "$steps" -gt 0 ] || break
    next_stage "$n" "$preset" "$warmup" "$steps" "$lr" "$broad"
  done
fi

# 4. Export (fp32 + int8, parity against PyTorch inside), the logits-at-positions head, metrics, card.
TMP="$(mktemp -d "${MODEL_DIR%/}.tmp-XXXX")"
trap 'rm -rf "$TMP"' EXIT
cp "$LAST/checkpoint.pt" "$LAST/shipped.pt"
$PY export.py "$LAST/shipped.pt" "$TMP"
$PY ../bench/make_positions_head.py "$TMP" "$TMP"
[ -f "$MODEL_DIR/README.md" ] && cp "$MODEL_DIR/README.md" "$TMP/README.md"
$PY evaluate.py "$LAST/shipped.pt" --data data --out "$TMP/metrics.json" --threads "$THREADS"
$PY model_card.py "$TMP" "$TMP/metrics.json" --data data
rm -rf "$MODEL_DIR.old"; [ -d "$MODEL_DIR" ] && mv "$MODEL_DIR" "$MODEL_DIR.old"
mv "$TMP" "$MODEL_DIR" && rm -rf "$MODEL_DIR.old"
trap - EXIT
log "model in $MODEL_DIR; the card's CLI section: (cd $ROOT && npm run build && node training/cli_results.mjs)"
