# Quickstart targets: each creates (or reuses) the virtual environment in .venv
# and installs what it needs. Only Python 3.11+ is required on the machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test check model model-fast clean bench-throughput bench-profile bench-api bench-fast

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

# Benchmarks: each target sets up what its script needs, then runs it (figures: benchmarks/README.md).
# BENCH_ARGS passes options through, e.g. make bench-throughput BENCH_ARGS="-n 2000".
BENCH_ARGS ?=
$(VENV)/.stamp-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[train,api]"
	touch $@

## bench-throughput: INT8 vs fp32 ONNX vs the PyTorch pipeline, cost by length, grouping on/off
bench-throughput: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/throughput.py $(BENCH_ARGS)

## bench-profile: where one batch job's time goes
bench-profile: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/profile_batch.py $(BENCH_ARGS)

## bench-api: the inline API under 32 concurrent clients
bench-api: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/api_load.py --clients 32 --seconds 20 $(BENCH_ARGS)

## bench-fast: the distilled fast model beside the default (speed ratio, F1 on test and out of style)
bench-fast: $(VENV)/.stamp-bench
	$(BIN)/python benchmarks/fast_model.py --fast models/aftersales-zh-small-fast $(BENCH_ARGS)

## model-fast: the distilled 3-layer model from the default model's weights (about 30 minutes on 2 cores)
model-fast: $(VENV)/.stamp-train
	$(BIN)/aftersales train fit -c configs/train-fast.yaml
	$(BIN)/aftersales export -c configs/train-fast.yaml

check: $(VENV)/.stamp-test
	$(BIN)/aftersales label check

clean:
	rm -rf build .pytest_cache
