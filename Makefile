# cpe: the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := plugins/chaoyang plugins/guangdong plugins/cicpa plugins/liaoning plugins/wechatpay plugins/alipay plugins/sms
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
# pytest-xdist processes (one per core); each gets its own PostgreSQL database (see cpe_core/testing.py).
TEST_WORKERS ?= auto

.PHONY: run test install install-test system-deps demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Editable installs: the in-tree plugins register through their entry points like outside ones.
$(VENV)/.installed: $(BIN)/python setup.cfg $(wildcard plugins/*/setup.cfg)
	$(BIN)/python -m pip install -q -e . $(addprefix -e ,$(PLUGINS))
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

system-deps:
	@sh scripts/system-deps.sh

## Create the venv, migrate the SQLite database, load demo data and serve on 127.0.0.1:5000.
run: install
	CPE_ENV=development $(BIN)/cpe db upgrade heads
	CPE_ENV=development $(BIN)/cpe demo load
	CPE_ENV=development $(BIN)/cpe run --host $(HOST) --port $(PORT)

## Install what the tests need (Python packages, Chromium, CJK fonts, poppler) and run them all.
test: install-test system-deps
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

demo: install
	CPE_ENV=development $(BIN)/cpe db upgrade heads
	CPE_ENV=development $(BIN)/cpe demo load

clean:
	rm -rf $(VENV) instance/cpe.sqlite3 .pytest_cache test-artifacts

.PHONY: bench-heartbeat
## Heartbeat vs bare Flask hello-world under gunicorn + wrk, on SQLite and PostgreSQL
## (BENCH_PG_URL, default the `test` database, which it WIPES). Figures: README "Benchmarks".
bench-heartbeat: install
	sh bench/heartbeat/run.sh

.PHONY: bench-scale
## Staff pages at a million learners on PostgreSQL (BENCH_SCALE_URL, default the `cpe_bench`
## database, which it WIPES; LEARNERS=…): seed, then each page's time and SQL statements.
bench-scale: install
	sh bench/scale/run.sh $(LEARNERS)
