#!/usr/bin/env bash
# Start the task worker and the scheduler (periodic jobs) in the background and the web server in
# the foreground; stop all three on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

$PY manage.py db_worker --interval 1 &
WORKER=$!
$PY manage.py run_scheduler &
SCHEDULER=$!
trap 'kill $WORKER $SCHEDULER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Sigap is running on http://127.0.0.1:${PORT}/  (stop with Ctrl+C)
  Demo logins:
$($PY manage.py demo_logins)

MSG
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload
