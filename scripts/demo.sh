#!/usr/bin/env bash
# The main job on the bundled seed pathway: check it, run its cases, render its
# flowchart, build its HTML page and evaluate a sample patient.
set -euo pipefail
PY=$1 SEED=$2 OUT=$3
CP=("$PY" -m carepath)
PATIENT=pathways/examples/sample_patient.json
mkdir -p "$OUT"

step() { printf '\n== %s\n' "$*"; }

step "carepath check $SEED"
"${CP[@]}" check "$SEED" && echo "clean: no errors or warnings"

step "carepath test --coverage $SEED"
"${CP[@]}" test --coverage "$SEED"

step "carepath render $SEED (SVG and PNG)"
"${CP[@]}" render "$SEED" -f svg -o "$OUT/flowchart.svg"
"${CP[@]}" render "$SEED" -f png -o "$OUT/flowchart.png"
"${CP[@]}" render "$SEED" -f svg --highlight "$PATIENT" -o "$OUT/flowchart-sample-patient.svg"

step "carepath html $SEED -o $OUT/site"
"${CP[@]}" html "$SEED" -o "$OUT/site"

step "carepath run $SEED --patient $PATIENT"
"${CP[@]}" run "$SEED" --patient "$PATIENT"

step "outputs"
echo "flowchart:         $OUT/flowchart.svg, $OUT/flowchart.png"
echo "patient's path:    $OUT/flowchart-sample-patient.svg"
echo "HTML site:         $OUT/site/index.html"
