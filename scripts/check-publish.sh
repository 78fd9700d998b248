#!/usr/bin/env bash
# Publishes the Functions app as azd packages it for Flex Consumption (dotnet publish of the isolated worker) and
# checks that the folder is a complete app root: host.json without a custom handler, the worker and
# worker.config.json, functions.metadata, and the host-side extensions the queue and Durable triggers need
# (extensions.json and .azurefunctions/).
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet publish src/ClientMonitor.Functions -c Release -o "$out" -nologo -v quiet > /dev/null

fail() { echo "publish layout: $1" >&2; exit 1; }
for file in host.json worker.config.json functions.metadata ClientMonitor.Functions.dll extensions.json .azurefunctions/DurableTask.AzureStorage.dll; do
  [ -f "$out/$file" ] || fail "$file missing"
done
grep -q '"customHandler"' "$out/host.json" && fail "host.json still configures a custom handler"
grep -q 'DurableTask' "$out/extensions.json" || fail "the Durable extension is not in extensions.json"
count=$(grep -c '"entryPoint"' "$out/functions.metadata")
echo "publish layout: ok (host.json, worker, $count functions in functions.metadata, host extensions)"
