#!/bin/sh
# Staff pages at a province's scale: seed LEARNERS Chaoyang learners into PostgreSQL and time
# every staff page in-process (median of 4, signed in as the region's admin) with its SQL
# statement count.
#
#   bench/scale/run.sh [LEARNERS]      (or: make bench-scale; LEARNERS defaults to 1,000,000)
#
# Settings (environment): BENCH_SCALE_URL (default
# postgresql+psycopg://postgres@127.0.0.1:5432/cpe_bench, created when missing; the database is
# WIPED), BENCH_SKIP_SEED=1 (measure the database as it is), BENCH_ENFORCE=1 (fail when a page
# is over BENCH_BUDGET_MS, default 200), BENCH_JSON (also write the figures there).
set -eu
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
URL=${BENCH_SCALE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/cpe_bench}
LEARNERS=${1:-${BENCH_LEARNERS:-1000000}}
if [ "${BENCH_SKIP_SEED:-0}" != 1 ]; then
  "$PY" bench/scale/seed.py "$URL" "$LEARNERS"
fi
exec "$PY" bench/scale/measure.py "$URL" ${BENCH_JSON:+--json "$BENCH_JSON"}
