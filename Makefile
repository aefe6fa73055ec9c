# loanflow's one task runner. `make run` and `make test` install what they need.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PY_OK  := $(VENV)/.installed
JVM_OK := jvm/lib/.resolved
ARGS   ?=

.PHONY: run test install jvm lint typecheck unit format clean chromium

run: install
	$(BIN)/loanflow run $(ARGS)

test: install lint typecheck chromium
	$(BIN)/pytest

install: $(PY_OK) $(JVM_OK)

# The dashboard's browser tests drive the system's Chromium (Debian package).
chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

jvm: $(JVM_OK)

$(PY_OK): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

$(JVM_OK): jvm/pom.xml jvm/kafka/pom.xml jvm/spark/pom.xml jvm/hadoop/pom.xml
	rm -rf jvm/lib
	mvn -q -B -Dstyle.color=never -f jvm/pom.xml package
	touch $@

lint: $(PY_OK)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(PY_OK)
	$(BIN)/mypy

# Tests that need no broker, Spark or real data: seconds, for the edit loop.
unit: $(PY_OK)
	$(BIN)/pytest -m "not integration"

format: $(PY_OK)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) jvm/lib jvm/target jvm/*/target .loanflow
