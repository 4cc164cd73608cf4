# Quickstart targets: each creates (or reuses) the virtual environment in .venv
# and installs what it needs. Only Python 3.11+ is required on the machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# One stamp per install set; editing pyproject.toml reinstalls.
$(VENV)/.stamp-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[label]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[label,train,dev]"
	touch $@

## demo: check the gold data and report the labeling functions on it
demo: $(VENV)/.stamp-demo
	$(BIN)/aftersales label check
	$(BIN)/aftersales label lf-report --output-dir build/demo

## test: the test suite as CI runs it (slow tests excluded)
test: $(VENV)/.stamp-test
	$(BIN)/python -m pytest

check: $(VENV)/.stamp-demo
	$(BIN)/aftersales label check

clean:
	rm -rf build .pytest_cache
