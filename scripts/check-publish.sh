#!/usr/bin/env bash
# Publishes the worker and checks that the folder is a complete Functions app root: host.json, one folder per
# function with its function.json, and the executable host.json names.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/ClientMonitor.Functions -c Release -o "$out" --nologo -v quiet > /dev/null

fail() { echo "publish layout: $1" >&2; exit 1; }
[ -f "$out/host.json" ] || fail "host.json missing"
exe=$(sed -n 's/.*"defaultExecutablePath": *"\([^"]*\)".*/\1/p' "$out/host.json")
[ -n "$exe" ] || fail "host.json names no defaultExecutablePath"
[ -x "$out/$exe" ] || fail "the executable '$exe' named by host.json is missing or not executable"
for dir in src/ClientMonitor.Functions/functions/*/; do
  name=$(basename "$dir")
  [ -f "$out/$name/function.json" ] || fail "$name/function.json missing"
done
echo "publish layout: ok (host.json, $(ls -d src/ClientMonitor.Functions/functions/*/ | wc -l) functions, ./$exe)"
