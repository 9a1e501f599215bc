#!/usr/bin/env bash
# The main job on the bundled seed pathway: check it, run its cases, render its
# flowchart, build its HTML page, evaluate a sample patient and audit a sample
# registry of 200 patients.
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

REGISTRY=pathways/examples/registry_sample.csv
step "carepath audit $SEED --data $REGISTRY (200 patients, on embedded DuckDB)"
"${CP[@]}" audit "$SEED" --data "$REGISTRY" --id-column patient_id -o "$OUT/audit.txt"
head -22 "$OUT/audit.txt"
echo "… (all of it in $OUT/audit.txt)"
"${CP[@]}" audit "$SEED" --data "$REGISTRY" --id-column patient_id --format html -o "$OUT/audit.html"

step "outputs"
echo "flowchart:         $OUT/flowchart.svg, $OUT/flowchart.png"
echo "patient's path:    $OUT/flowchart-sample-patient.svg"
echo "HTML site:         $OUT/site/index.html"
echo "audit report:      $OUT/audit.html"
