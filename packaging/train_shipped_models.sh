#!/usr/bin/env bash
# Train a shipped checkpoint on a lent GPU machine in one call, evaluate it on the held-out clip
# and leave it in OUTDIR in pieces small enough to come back (15 MiB each). Needs the folders of
# packaging/prepare_device_data.sh. See docs/training.md, "Shipping a checkpoint".
#
#   bash packaging/train_shipped_models.sh removal OUTDIR   # keyfill-base.pt,  ~8 min on an H100
#   bash packaging/train_shipped_models.sh roto OUTDIR      # keyfill-roto.pt,  ~4 min
#
# Then, here: bash packaging/join_shipped_model.sh OUTDIR resources/models/keyfill-base.pt
# Knobs (environment): DEVICE (cuda), SECONDS_LIMIT (training time), CONFIG, STEPS, BATCH.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?removal or roto}; out=${2:?output folder}
mkdir -p "$out"
work=$(mktemp -d)
export PYTHONUNBUFFERED=1
device=${DEVICE:-cuda}
[ -d .traindata ] && [ -d .evaldata/tennis ] || { echo "run packaging/prepare_device_data.sh first" >&2; exit 2; }
python3 -c "import torch; print('torch', torch.__version__, 'cuda' if torch.cuda.is_available() else 'no cuda')"

case "$what" in
removal)
    name=keyfill-base
    python3 main.py train --config "${CONFIG:-base}" --data .traindata --exclude tennis \
        --steps "${STEPS:-3000}" --batch "${BATCH:-32}" --device "$device" \
        --out "$work/$name.pt" --time-limit "${SECONDS_LIMIT:-390}" 2>&1 | tee "$out/train.log"
    evaluate() {
        python3 main.py eval --task removal --data .evaldata --clips tennis --no-guided \
            --model "$1" --device "$device" 2>&1 | tee "$out/eval.log"
    }
    ;;
roto)
    name=keyfill-roto
    python3 main.py train-roto --config "${CONFIG:-roto}" --data .traindata --exclude tennis \
        --synthetic 16 --band-px 12 --steps "${STEPS:-3000}" --batch "${BATCH:-16}" \
        --device "$device" --out "$work/$name.pt" --time-limit "${SECONDS_LIMIT:-200}" \
        2>&1 | tee "$out/train.log"
    evaluate() {
        python3 main.py eval --task roto --data .evaldata --roto-model "$1" 2>&1 | tee "$out/eval.log"
    }
    ;;
*) echo "removal or roto, not $what" >&2; exit 2 ;;
esac

# Half-precision weights: half the size; load_checkpoint rebuilds an fp32 model.
python3 - "$work/$name.pt" "$out/$name.pt" <<'EOF'
import sys, torch
from core.model import load_checkpoint, save_checkpoint
model, extra = load_checkpoint(sys.argv[1])
save_checkpoint(sys.argv[2], model, extra=extra, dtype=torch.float16)
EOF
cp "$work/$name.losses.csv" "$out/" 2>/dev/null || true
evaluate "$out/$name.pt"
(cd "$out" && split -b 15M -d "$name.pt" "$name.pt.part" && rm "$name.pt" && ls -la)
