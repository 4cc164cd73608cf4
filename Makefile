# Quickstart targets: each creates (or reuses) the virtual environment in .venv
# and installs what it needs. Only Python 3.11+ is required on the machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test check model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# One stamp per install set; editing pyproject.toml reinstalls.
$(VENV)/.stamp-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[report]"
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[label,train,api,report,spark,dev]"
	touch $@

## demo: decide violations for the example tickets with the bundled default model
demo: $(VENV)/.stamp-demo
	$(BIN)/aftersales evaluate -i examples/tickets.jsonl -o build/demo/decisions.jsonl
	$(BIN)/aftersales report build/demo/decisions.jsonl --out build/demo/report

## test: lint and the test suite as CI runs them (slow tests excluded)
test: $(VENV)/.stamp-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

$(VENV)/.stamp-train: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[label,train,report]"
	touch $@

## model: rebuild the default model from scratch: base encoder, the no-context
## ablation (for the card's comparison), fine-tuning, export. Hours on 2 CPU cores.
model: $(VENV)/.stamp-train
	$(BIN)/aftersales train base -c configs/base.yaml
	$(BIN)/aftersales train fit -c configs/train-nocontext.yaml
	$(BIN)/aftersales export -c configs/train-nocontext.yaml
	$(BIN)/aftersales train fit -c configs/train-default.yaml
	$(BIN)/aftersales export -c configs/train-default.yaml \
		--compare without-context=build/runs/aftersales-zh-small-nocontext

check: $(VENV)/.stamp-test
	$(BIN)/aftersales label check

clean:
	rm -rf build .pytest_cache
