#!/usr/bin/env bash
# Runs ClientMonitor locally: Azurite (from node_modules, data kept in .azurite/) and the local host, which runs the
# Functions app's functions (functions.metadata) itself: HTTP on Kestrel, timers, queue triggers, and the job run
# orchestration on a real Durable engine in Azurite. Mock providers (Development) and a demo job on start.
# Ctrl-C stops both. With Core Tools installed, `./scripts/run.sh --func` runs the same app under `func start`.
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
if [ "${1:-}" = "--func" ]; then
  shift
  command -v func >/dev/null || { echo "--func needs Azure Functions Core Tools (func) on PATH." >&2; exit 1; }
  echo "Building the Functions app and starting it under the Functions host (func start)..."
  cd src/ClientMonitor.Functions
  [ -f local.settings.json ] || cp ../../local.settings.sample.json local.settings.json
  # No demo run under the Functions host: the demo belongs to the local host (it launches through its engine).
  ClientMonitor__Demo__RunOnStart=false func start --port "${CLIENTMONITOR_PORT:-7071}" "$@"
  exit $?
fi

echo "Building the app and the local host (the first build restores NuGet packages and takes a few minutes)..."
dotnet build src/ClientMonitor.LocalHost -c Release -nologo -v quiet -clp:ErrorsOnly
echo "ClientMonitor: API on $ASPNETCORE_URLS (health: $ASPNETCORE_URLS/api/health), dashboard at $ASPNETCORE_URLS/api/dashboard/. Ctrl-C to stop."
# From its build folder, so that it reads its own appsettings whatever the caller's working directory.
cd src/ClientMonitor.LocalHost/bin/Release/net10.0
dotnet ClientMonitor.LocalHost.dll "$@"
