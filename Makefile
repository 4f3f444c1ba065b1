# backstroke: `make demo` and `make test` do all set-up (create or reuse .venv).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
EXTRAS ?= dev,audio,mujoco,dist,parquet,web,franka
OUT ?= out/demo
BACKEND ?= sim
# make test runs on this many pytest-xdist workers (one test file per worker at a time; the
# heaviest files first, in the order tests/conftest.py gives them).
TEST_WORKERS ?= 2
PYTEST_ARGS ?=
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
export MPLCONFIGDIR ?= $(CURDIR)/.cache/mpl

.PHONY: demo test lint bench safety clean venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || (command -v $(PY) >/dev/null && $(PY) -m venv $(VENV) || python3 -m venv $(VENV))
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/backstroke demo --out $(OUT) --backend $(BACKEND) --replace

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench.run

safety: $(STAMP)
	$(BIN)/python -m bench.safety

clean:
	rm -rf out .cache .pytest_cache .mypy_cache .ruff_cache
