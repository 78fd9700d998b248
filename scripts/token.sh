#!/usr/bin/env bash
# Prints a bearer token for the local API (scripts/run.sh), signed with the key in .dev/signing-key.
# Defaults: the demo admin ana of demo-business, valid 8 hours. Examples:
#   ./scripts/token.sh                       # ana, admin
#   ./scripts/token.sh --user ben --role member
#   ./scripts/token.sh --user ops --role operator   # may onboard businesses (POST /api/v1/businesses)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .dev
[ -s .dev/signing-key ] || (umask 077 && head -c 32 /dev/urandom | base64 > .dev/signing-key)
export Auth__SigningKey="$(cat .dev/signing-key)"
dotnet run --project src/ClientMonitor.LocalHost -c Release --no-launch-profile -- token "$@"
