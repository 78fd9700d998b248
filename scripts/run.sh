#!/usr/bin/env bash
# Runs ClientMonitor locally: Azurite (from node_modules, data kept in .azurite/) and the worker in standalone mode,
# which runs the timers and queue listeners of the function.json files itself, with mock providers (Development)
# and a demo job on start. Ctrl-C stops both.
# Set CLIENTMONITOR_URLS to change where the API listens (default http://localhost:7071).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/azurite/dist/src/azurite.js ]; then
  echo "Installing Azurite, the local storage emulator (npm ci)..."
  npm ci --no-audit --no-fund
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

azurite_pid=""
if port_open 10002 && port_open 10001; then
  echo "Azurite (or another storage emulator) already listens on 10001/10002; using it."
else
  mkdir -p .azurite
  node node_modules/azurite/dist/src/azurite.js --silent --location .azurite --debug .azurite/debug.log \
    --skipApiVersionCheck --disableTelemetry &
  azurite_pid=$!
  trap '[ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null; wait 2>/dev/null; echo "Stopped."' EXIT
  for _ in $(seq 1 100); do port_open 10002 && port_open 10001 && break; sleep 0.1; done
  port_open 10002 || { echo "Azurite did not start; see .azurite/debug.log" >&2; exit 1; }
fi

# The local API's token signing key: random per machine, kept out of the repository (.dev/ is ignored).
# scripts/token.sh mints tokens with it.
mkdir -p .dev
[ -s .dev/signing-key ] || (umask 077 && head -c 32 /dev/urandom | base64 > .dev/signing-key)
export Auth__SigningKey="$(cat .dev/signing-key)"
# The key that signs open/click tracking links in emails, made the same way. Emails go to .dev/mail (Email:Provider
# file) unless Email__Provider says smtp or acs.
[ -s .dev/tracking-key ] || (umask 077 && head -c 32 /dev/urandom | base64 > .dev/tracking-key)
export Email__TrackingKey="$(cat .dev/tracking-key)"
export Email__FileDirectory="${Email__FileDirectory:-$PWD/.dev/mail}"

export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${CLIENTMONITOR_URLS:-http://localhost:7071}"
# Seed the demo business and run one monitoring job on start; its summary is printed when the job finishes.
export ClientMonitor__Demo__RunOnStart="${ClientMonitor__Demo__RunOnStart:-true}"
echo "Building the worker (the first build restores NuGet packages and takes a few minutes)..."
dotnet build src/ClientMonitor.Functions -c Release -nologo -v quiet -clp:ErrorsOnly
echo "ClientMonitor: API on $ASPNETCORE_URLS (health: $ASPNETCORE_URLS/api/health). Ctrl-C to stop."
dotnet run --project src/ClientMonitor.Functions -c Release --no-build -- "$@"
