#!/usr/bin/env bash
# Re-runs every notebook here and commits-ready writes it back with its outputs (text and the PNG pictures), the way
# they are checked in. Each notebook runs into artifacts/ first and replaces the file here only when every cell passed.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build ../tests/GFlowNetML.Notebooks.Tests -v quiet -nologo   # fills ../artifacts/notebooks/
dotnet tool restore >/dev/null                                         # dotnet-repl, from ../.config/dotnet-tools.json
for notebook in *.ipynb; do
  out="../artifacts/${notebook%.ipynb}.out.ipynb"
  echo "running $notebook"
  dotnet repl --run "$notebook" --exit-after-run --output-path "$out"
  cp "$out" "$notebook"
done
echo "done: every notebook ran and was written back with its outputs"
