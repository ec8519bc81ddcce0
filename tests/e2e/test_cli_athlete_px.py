"""``sprintlab analyze --athlete-px``: offered, and a malformed point is one clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPRINTLAB = Path(sys.executable).parent / "sprintlab"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SPRINTLAB), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_help_offers_athlete_px():
    proc = _run("analyze", "--help")
    assert proc.returncode == 0
    assert "--athlete-px" in proc.stdout


def test_a_malformed_point_fails_before_the_model_runs(tmp_path):
    clip = ROOT / "sample_clips" / "sports2d_demo.mp4"
    proc = _run("analyze", str(clip), "--out", str(tmp_path), "--athlete-px", "812")
    assert proc.returncode == 1
    err = proc.stderr.strip()
    assert err.startswith("error:") and "Traceback" not in err
    assert "athlete_px must be an image point X,Y" in err
    assert not any(tmp_path.iterdir())
