#!/usr/bin/env bash
# Install and run emailassist on its embedded defaults: SQLite, django-q2's ORM broker, a local Gmail
# sandbox when no Google credentials are configured. One Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup-venv.sh requirements.txt

PORT="${PORT:-8000}"
python manage.py migrate --no-input -v0
python manage.py create_first_admin
python manage.py collectstatic --no-input -v0

pids=()
stop() {
  trap - INT TERM EXIT
  # Children first (runserver's autoreloader, the cluster's workers), then the processes we started.
  for pid in "${pids[@]}"; do pkill -TERM -P "$pid" 2>/dev/null || true; done
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

if [ -z "${GOOGLE_CLIENT_ID:-}" ] && python manage.py help demo_setup >/dev/null 2>&1; then
  # No Google credentials: serve a demo mailbox from the local sandbox and connect it. The sandbox's
  # settings go to every process started below through the environment.
  export SITE_URL="${SITE_URL:-http://127.0.0.1:${PORT}}"
  eval "$(python manage.py demo_setup --print-env)"
  python manage.py demo_setup --run-sandbox &
  pids+=($!)
fi
python manage.py qcluster &
pids+=($!)
python manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
echo "emailassist is running at http://127.0.0.1:${PORT}/ (Ctrl-C stops it)"
wait -n "${pids[@]}"
