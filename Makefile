# Set-up on a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test install install-dev bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q -e '.[demo]'

install-dev: $(PY)
	$(PY) -m pip install -q -e '.[dev]'

demo: install
	$(VENV)/bin/lamina demo

test: install-dev
	$(PY) -m pytest

bench: install-dev
	$(PY) benchmarks/run_all.py
