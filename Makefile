# ChannelHub — two commands do all set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# both cores: two pytest-xdist workers take the next test as they finish one (the longest start first, see
# tests/conftest.py; tests marked xdist_group share a worker); in one process: make test PYTEST_ARGS='-n 0'
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: install demo test test-fast lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@# headless Chromium and a CJK font for the report's browser test (Debian packages)
	@if ! command -v chromium >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null; } \
	  || echo "warning: could not install chromium; the report's browser test will be skipped"; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[airflow,dev]'
	@# an editable install leaves the project's own modules uncompiled (pip compiles only wheels):
	@# without bytecode every hub command compiles them again (~0.25 s at start-up)
	$(BIN)/python -m compileall -q hub connectors dags testkit >/dev/null
	@touch $(STAMP)
	@echo "installed: $(BIN)/hub"

demo: install
	$(BIN)/python -m examples.channelco.demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check hub connectors dags testkit tests bench examples && $(BIN)/ruff format --check hub connectors dags testkit tests bench examples && $(BIN)/mypy

bench: install
	$(BIN)/python -m bench.bench_load --customers 10000

clean:
	rm -rf $(VENV) var .hub .pytest_cache
