#!/usr/bin/env bash
# Publishes the worker exactly as azd deploys it (scripts/publish-azure.sh: self-contained linux-x64) and checks that
# the folder is a complete Functions app root: host.json, one folder per function with its function.json, and the
# executable host.json names, with its exec bit, able to start without a .NET install.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash scripts/publish-azure.sh "$out" > /dev/null

fail() { echo "publish layout: $1" >&2; exit 1; }
[ -f "$out/host.json" ] || fail "host.json missing"
exe=$(sed -n 's/.*"defaultExecutablePath": *"\([^"]*\)".*/\1/p' "$out/host.json")
[ -n "$exe" ] || fail "host.json names no defaultExecutablePath"
[ -x "$out/$exe" ] || fail "the executable '$exe' named by host.json is missing or not executable"
for dir in src/ClientMonitor.Functions/functions/*/; do
  name=$(basename "$dir")
  [ -f "$out/$name/function.json" ] || fail "$name/function.json missing"
done
[ -f "$out/libcoreclr.so" ] || fail "not self-contained: the runtime (libcoreclr.so) is missing"
DOTNET_ROOT=/nonexistent "$out/$exe" --help > /dev/null || fail "the executable does not start on its own"
echo "publish layout: ok (host.json, $(ls -d src/ClientMonitor.Functions/functions/*/ | wc -l) functions, ./$exe)"
