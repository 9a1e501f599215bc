#!/usr/bin/env bash
# The main job on the bundled seed pathway; grows as carepath does.
set -euo pipefail
PY=$1 SEED=$2 OUT=$3
mkdir -p "$OUT"
echo "== carepath check $SEED"
"$PY" -m carepath check "$SEED" && echo "   clean: no problems found"
