#!/usr/bin/env bash
# Benchmarks, reported and never asserted: builds the local host, the empty reference app and the harness in Release,
# then runs the suite on a private Azurite of its own (bench/ClientMonitor.Benchmarks/Suite.cs). Writes
# bench/results/latest.json and bench/results/YYYY-MM-DD.md, and prints each figure beside its reference measured in
# the same run, as a ratio. `--quick` (a few minutes) or full (larger seeds and runs, plus a 1,000-client job).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=()
case "${1:-}" in
  --quick) mode=(--quick) ;;
  "") ;;
  *) echo "usage: scripts/bench.sh [--quick]" >&2; exit 2 ;;
esac

if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  echo "Installing Azurite, the local storage emulator (npm ci)..."
  npm ci --no-audit --no-fund
fi

# One build at a time: the Functions app (functions.metadata), the local host, the empty app, the harness.
for project in src/ClientMonitor.LocalHost bench/EmptyApp bench/ClientMonitor.Benchmarks; do
  dotnet build "$project" -c Release -nologo -v quiet
done

dotnet bench/ClientMonitor.Benchmarks/bin/Release/net10.0/ClientMonitor.Benchmarks.dll suite "${mode[@]}" --results bench/results
