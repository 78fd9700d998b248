#!/usr/bin/env bash
# Runs every test: installs Azurite (npm ci), Debian's chromium for the browser tests and the NuGet packages, runs
# the test projects (storage and end-to-end tests start their own Azurite on free ports), then checks that the
# publish output is a complete Functions app.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund

# The dashboard's browser tests drive Debian's chromium through its chromedriver (never a browser download).
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "Installing Debian's chromium and chromium-driver for the browser tests..."
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

log=$(mktemp)
status=0
dotnet test Functions.sln -c Release 2>&1 | tee "$log" || status=$?

# One plain closing line with the totals of every test project.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' FS='[ ,]+' "$log"
rm -f "$log"
[ "$status" -eq 0 ] || exit "$status"

bash scripts/check-publish.sh
