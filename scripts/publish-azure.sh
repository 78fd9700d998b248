#!/usr/bin/env bash
# Publishes the worker as azd deploys it: self-contained for linux-x64 (the Flex Consumption custom runtime has no
# .NET of its own), into the folder given (default src/ClientMonitor.Functions/publish, azure.yaml's dist). The
# folder is a Functions app root: host.json, one folder per function, and the executable with its exec bit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/src/ClientMonitor.Functions/publish}"
rm -rf "$out"
dotnet publish "$root/src/ClientMonitor.Functions" -c Release -r linux-x64 --self-contained true -o "$out" --nologo -v quiet
chmod +x "$out/ClientMonitor.Functions"
