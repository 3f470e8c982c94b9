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
  # runserver's autoreloader serves from a child process: stop it too. The cluster stops its own workers.
  if [ -n "${web_pid:-}" ]; then pkill -TERM -P "$web_pid" 2>/dev/null || true; fi
  kill "${pids[@]}" 2>/dev/null || true
  # qcluster can hang in its signal handler (django-q2 issue #346): give everything 10 s, then kill.
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
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
web_pid=$!
pids+=("$web_pid")
echo "emailassist is running at http://127.0.0.1:${PORT}/ (Ctrl-C stops it)"
wait -n "${pids[@]}"
