#!/usr/bin/env bash
# Put back together a checkpoint that packaging/train_shipped_models.sh left in 15 MiB pieces,
# check that it loads, and write it atomically.
# Usage: bash packaging/join_shipped_model.sh FOLDER DEST   (e.g. DEST resources/models/keyfill-base.pt)
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:?folder with NAME.pt.part00, NAME.pt.part01, ...}; dest=${2:?destination .pt}
name=$(basename "$dest")
parts=("$folder/$name".part*)
[ -e "${parts[0]}" ] || { echo "no $name.part* in $folder" >&2; exit 2; }
cat "${parts[@]}" > "$dest.joining"
py=python3; [ -x .venv/bin/python ] && py=.venv/bin/python
"$py" -c "import sys; from core.model import load_checkpoint; m, e = load_checkpoint(sys.argv[1]); \
print(sys.argv[1], m.config.name if hasattr(m.config, 'name') else '', 'step', e.get('step'))" "$dest.joining"
mv "$dest.joining" "$dest"
ls -la "$dest"
