# `make demo` runs the whole pipeline on the embedded default; `make test` runs the tests.
# Both create .venv and install the project into it on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export ENGAGEMENT_HOME ?= $(CURDIR)/.engagement
PORT ?= 3000
HOST ?= 127.0.0.1
PIP_INSTALL := ($(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet -e '.[test]')

.PHONY: install demo test lint ui validate bench clean config-docs

install: $(VENV)/.installed

# uv (installed into the venv by pip) resolves and installs the same requirements several times
# faster than pip; pip does the install if uv cannot be installed or fails.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	if $(BIN)/python -m pip install --quiet --disable-pip-version-check uv; then \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[test]' || $(PIP_INSTALL); \
	else \
	  $(PIP_INSTALL); \
	fi
	touch $@

demo: install
	$(BIN)/engagement demo

test: install
	$(BIN)/python -m pytest

lint: install  # what CI and pre-commit check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ui: install  # `make ui PORT=3001 HOST=0.0.0.0`
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/engagement ui --port $(PORT) --host $(HOST)

# The code location loads (`dg check defs`, 1.13's successor of `dagster definitions validate`), on
# a throwaway Dagster instance (DAGSTER_HOME empty): nothing is written under $(ENGAGEMENT_HOME).
validate: install
	DAGSTER_HOME= $(BIN)/dg check defs

config-docs: install  # README settings table and .env.example from engagement_pipeline/lib/platform/config.py
	$(BIN)/python -m engagement_pipeline.lib.platform.config_docs

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(ENGAGEMENT_HOME)
