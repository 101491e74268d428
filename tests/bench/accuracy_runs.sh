#!/usr/bin/env bash
# Fashion-MNIST accuracy of each model kind (issue 4), full training and test sets, one BLAS
# thread. Usage: tests/bench/accuracy_runs.sh path/to/batchscope-cli OUTDIR [model ...]
# (models: logreg svm mlp cnn; default all). Each run's text output goes to OUTDIR/<model>.txt;
# the commands are the ones docs/BENCHMARKS.md quotes.
set -u
cli=${1:?usage: accuracy_runs.sh path/to/batchscope-cli OUTDIR [logreg|svm|mlp|cnn ...]}
out=${2:?usage: accuracy_runs.sh path/to/batchscope-cli OUTDIR [logreg|svm|mlp|cnn ...]}
shift 2
models=${*:-logreg svm mlp cnn}
mkdir -p "$out"
common=(--workers 1 --prefetch 2 --threads 1 --seed 0 --quiet --no-save)
for m in $models; do
  case $m in
    logreg) args=(--model logreg --optimizer sgd --lr 0.01 --lr-schedule cosine --epochs 20 --batch 128 --normalize) ;;
    svm)    args=(--model svm --optimizer sgd --lr 0.01 --weight-decay 1e-4 --lr-schedule cosine --epochs 20 --batch 128 --normalize) ;;
    mlp)    args=(--model mlp:256,128 --optimizer sgd --lr 0.05 --lr-schedule cosine --epochs 10 --batch 128 --normalize) ;;
    cnn)    args=(--model cnn:32,64:fc=128 --optimizer adam --lr 0.001 --lr-schedule cosine --epochs 10 --batch 128 --normalize) ;;
    *) echo "unknown model $m (use logreg svm mlp cnn)" >&2; exit 2 ;;
  esac
  echo "== $m: batchscope-cli train ${args[*]} ${common[*]}" | tee "$out/$m.txt"
  start=$(date +%s)
  "$cli" train "${args[@]}" "${common[@]}" >>"$out/$m.txt" 2>&1
  echo "== exit $? after $(( $(date +%s) - start )) s" | tee -a "$out/$m.txt"
  grep '^epoch' "$out/$m.txt"
done
