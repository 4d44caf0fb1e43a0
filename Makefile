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

# Two workers (the CI machine has 2 cores); each test file runs whole in one worker, so
# module-scoped fixtures (a compiled model shared by a file's tests) are built once.
test: install-dev
	$(PY) -m pytest -n 2 --dist loadfile

# Peers (Keras 3 on JAX, PyTorch CPU, scikit-learn) live in their own venv, never in .venv.
# `make bench BENCH_ARGS="--write"` appends the report to benchmarks/RESULTS.md.
bench:
	test -x .bench-venv/bin/python || $(PYTHON) -m venv .bench-venv
	.bench-venv/bin/python -m pip install -q -r benchmarks/requirements.txt
	.bench-venv/bin/python -m pip install -q -e .
	KERAS_BACKEND=jax .bench-venv/bin/python benchmarks/run_all.py $(BENCH_ARGS)
