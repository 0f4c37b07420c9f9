# Service Academy: `make demo` runs the demo, `make test` runs the whole test suite.
# Both create or update the virtual environment .venv and install what they need.

# JupyterHub (`academy hub`) runs each person's server as their own account, so the venv is built on
# an interpreter every account may run: Debian's /usr/bin/python3 when there is one (a pyenv under
# /root is root-only).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= $(CURDIR)/demo-home
DEMO_ARGS ?=
PYTEST_ARGS ?=
# The suite runs on TEST_WORKERS pytest-xdist workers; tests that must not share a worker's time
# (OS accounts, the session's demo home, a module's shared servers) are kept together by
# xdist_group (tests/conftest.py), handed out longest first (hence --no-loadscope-reorder).
# Many tests wait on servers, so more workers than cores pays; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 4

.PHONY: demo test venv system-packages clean

$(STAMP): pyproject.toml
	@# the interpreter's venv module and npm come first (Debian's python3-venv, nodejs), as root
	@sh scripts/install-system-packages.sh python3-venv nodejs
	@# a venv built on another interpreter (e.g. a root-only pyenv) is made again on $(PYTHON)
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c 'import sys; print(sys.base_prefix)')" != \
	     "$$($(PYTHON) -c 'import sys; print(sys.base_prefix)')" ]; then \
	    echo "Rebuilding $(VENV) on $(PYTHON)"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# Lean runtime: rfc3987-syntax (pulled in by jupyter-events through jsonschema[format-nongpl])
	@# builds a grammar at import and adds ~4 s to every process that imports nbformat (nbgrader,
	@# Voila, kernels). It only checks the "iri" string format, which nothing here uses; without it
	@# jsonschema skips that format, and `pip check` stays clean.
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	@# configurable-http-proxy (JupyterHub's proxy) from npm, into the venv (Debian's nodejs, npm)
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node configurable-http-proxy@5
	ln -sf ../node/node_modules/.bin/configurable-http-proxy $(BIN)/configurable-http-proxy
	@touch $(STAMP)

venv: $(STAMP)

## Debian packages the tests need (PostgreSQL, Chromium, a CJK font); installed when run as root.
system-packages:
	@sh scripts/install-system-packages.sh

demo: $(STAMP)
	@sh scripts/install-system-packages.sh bubblewrap
	$(BIN)/academy demo --home $(DEMO_HOME) --reset $(DEMO_ARGS)

test: $(STAMP) system-packages
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) demo-home .pytest_cache
