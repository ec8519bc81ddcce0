"""Fixtures of the dashboard tests: one synthetic library per test session (no pose model)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# The fake analysers are imported by name ("fake_analyzers:fail") in the batch's worker process,
# which inherits this path.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fixture_library import build_library  # noqa: E402


@pytest.fixture(scope="session")
def built_library(tmp_path_factory) -> Path:
    """The fixture library (read-only use: copy it before writing)."""
    return build_library(tmp_path_factory.mktemp("dashlib") / "library")


@pytest.fixture()
def library(built_library, tmp_path, monkeypatch) -> Path:
    """A private copy of the fixture library, named by $SPRINTLAB_LIBRARY."""
    root = tmp_path / "library"
    shutil.copytree(built_library, root, symlinks=True)
    # The rep folders refer to the clips by absolute path: the copy's clips are the same files,
    # which is what a moved library looks like (the overlay video is then used instead).
    monkeypatch.setenv("SPRINTLAB_LIBRARY", str(root))
    return root
