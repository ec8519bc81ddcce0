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

# The rendered 240 fps rep is analysed and scored against its truth; then both sample clips go
# through a testing-day batch into a library the dashboard can open.
demo: $(STAMP)
	$(BIN)/sprintlab analyze sample_clips/synthetic_240fps.mp4 --out $(DEMO_OUT)/reps \
		--truth sample_clips/synthetic_240fps.truth.json
	$(BIN)/sprintlab batch sample_clips --session "Demo day" --date 2026-12-02 \
		--roster sample_clips/roster.csv --manifest sample_clips/manifest.csv \
		--library $(DEMO_OUT)/library

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
