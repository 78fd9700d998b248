#!/usr/bin/env bash
# azd preprovision hook: makes the email tracking key once per environment and keeps it in the azd environment, so
# re-provisioning does not invalidate the open/click links already sent. The value is never printed.
set -euo pipefail
if [ -z "$(azd env get-value EMAIL_TRACKING_KEY 2>/dev/null || true)" ]; then
  azd env set EMAIL_TRACKING_KEY "$(head -c 32 /dev/urandom | base64)" > /dev/null
  echo "Made EMAIL_TRACKING_KEY for this environment."
fi
