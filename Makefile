# sprintlab — set-up, demo and tests. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo_output

.PHONY: demo test test-fast lint format accuracy accuracy-tracks clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sprintlab analyze sample_clips/sports2d_demo.mp4 --out $(DEMO_OUT)

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not model"

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(DEMO_OUT) .pytest_cache

accuracy: $(STAMP)
	$(BIN)/sprintlab validate --out accuracy_output

accuracy-tracks: $(STAMP)
	$(BIN)/sprintlab validate --tracks-only --out accuracy_output
