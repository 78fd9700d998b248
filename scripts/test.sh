#!/usr/bin/env bash
# Runs every test: installs Azurite (npm ci) and the NuGet packages, runs the test projects (storage and end-to-end
# tests start their own Azurite on free ports), then checks that the publish output is a complete Functions app.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund
log=$(mktemp)
status=0
dotnet test Functions.sln -c Release 2>&1 | tee "$log" || status=$?

# One plain closing line with the totals of every test project.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' FS='[ ,]+' "$log"
rm -f "$log"
[ "$status" -eq 0 ] || exit "$status"

bash scripts/check-publish.sh
