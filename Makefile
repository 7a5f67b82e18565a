# `make demo` runs the whole pipeline on the embedded default; `make test` runs the tests.
# Both create .venv and install the project into it on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export ENGAGEMENT_HOME ?= $(CURDIR)/.engagement

.PHONY: install demo test ui validate bench clean config-docs

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	$(BIN)/engagement demo

test: install
	$(BIN)/python -m pytest

ui: install
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/engagement ui

validate: install
	DAGSTER_HOME=$(ENGAGEMENT_HOME)/dagster $(BIN)/dagster definitions validate -w workspace.yaml

config-docs: install  # README settings table and .env.example from engagement_pipeline/lib/config.py
	$(BIN)/python -m engagement_pipeline.lib.config_docs

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(ENGAGEMENT_HOME)
