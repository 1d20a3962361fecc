#!/bin/sh
# Heartbeat throughput vs a bare Flask hello-world, both under gunicorn on loopback, measured
# with wrk in the same run, on SQLite and on PostgreSQL.
#
#   bench/heartbeat/run.sh            (or: make bench-heartbeat)
#
# Settings (environment): BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test;
# the database is WIPED), BENCH_DURATION (10s), BENCH_CONNECTIONS (16), BENCH_WORKERS (2 x cores),
# BENCH_LEARNERS (50), BENCH_DATABASES ("sqlite postgresql"). Needs wrk (installed with apt-get when missing and run as root) and the
# `bench` extra (gunicorn).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
PG_URL=${BENCH_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
CORES=$(nproc)
WORKERS=${BENCH_WORKERS:-$((CORES * 2))}
LEARNERS=${BENCH_LEARNERS:-50}
PORT_APP=${BENCH_PORT_APP:-8811}
PORT_HELLO=${BENCH_PORT_HELLO:-8812}
WORK=$(mktemp -d)
GUNICORN_PID=""

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi
fi
"$PY" -c "import gunicorn" 2>/dev/null || "$PY" -m pip install -q -e "$ROOT[bench]"

stop() { if [ -n "$GUNICORN_PID" ]; then kill "$GUNICORN_PID" 2>/dev/null || true; wait "$GUNICORN_PID" 2>/dev/null || true; GUNICORN_PID=""; fi; }
trap 'stop; rm -rf "$WORK"' EXIT

serve() {  # serve APP_MODULE PORT [env...]
  module=$1; port=$2; shift 2
  env "$@" "$PY" -m gunicorn --workers "$WORKERS" --bind "127.0.0.1:$port" --log-level warning \
    --chdir "$ROOT/bench/heartbeat" "$module" &
  GUNICORN_PID=$!
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then return 0; fi
    sleep 0.1
  done
  echo "gunicorn did not start on port $port" >&2; exit 1
}

measure() {  # measure URL [lua] -> prints requests/s; fails on any non-2xx answer
  # Warm up first: each worker's first requests build caches (hook callers, compiled SQL).
  if [ -n "${2:-}" ]; then COOKIES="$WORK/cookies" START=$START wrk -t2 -c"$CONNECTIONS" -d2s -s "$2" "$1" >/dev/null
  else wrk -t2 -c"$CONNECTIONS" -d2s "$1" >/dev/null; fi
  if [ -n "${2:-}" ]; then out=$(COOKIES="$WORK/cookies" START=$START wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$2" "$1")
  else out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$1"); fi
  if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; echo "error: non-2xx responses" >&2; exit 1; fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

echo "machine: $CORES cores; gunicorn $WORKERS sync workers; wrk 2 threads, $CONNECTIONS connections, $DURATION" >&2
printf "| database | hello-world req/s | heartbeat req/s | heartbeat / hello | load average at start |\n|---|---|---|---|---|\n" > "$WORK/table"
for DB in ${BENCH_DATABASES:-sqlite postgresql}; do
  if [ "$DB" = sqlite ]; then URL="sqlite:///$WORK/bench.sqlite3"; else URL=$PG_URL; fi
  "$PY" bench/heartbeat/prepare.py "$URL" "$WORK/cookies" "$LEARNERS"
  LOAD=$(cut -d' ' -f1 /proc/loadavg)  # other work on the machine skews both figures
  serve hello:app "$PORT_HELLO"
  HELLO=$(measure "http://127.0.0.1:$PORT_HELLO/")
  stop
  serve wsgi:app "$PORT_APP" CPE_DATABASE_URL="$URL" CPE_SECRET_KEY=bench-secret CPE_ENV=production \
    CPE_PLUGINS="${CPE_PLUGINS:-*}"
  START=$(date +%s)
  BEAT=$(measure "http://127.0.0.1:$PORT_APP/" "$ROOT/bench/heartbeat/heartbeat.lua")
  stop
  # The heartbeats must have counted real progress, not only answered 200.
  "$PY" bench/heartbeat/prepare.py --progress "$URL" >&2
  RATIO=$(awk -v b="$BEAT" -v h="$HELLO" 'BEGIN { printf "%.0f%%", 100 * b / h }')
  printf "| %s | %s | %s | %s | %s |\n" "$DB" "$HELLO" "$BEAT" "$RATIO" "$LOAD" >> "$WORK/table"
done
cat "$WORK/table"
