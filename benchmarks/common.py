"""Shared helpers for the benchmark scripts: peak RSS, machine description, corpus generation."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def ensure_corpus(docs: int, root: Path, seed: int = 7) -> Path:
    """A generated corpus of about `docs` units under root (reused when already there)."""
    marker = root / f".generated-{docs}-{seed}"
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "curation.sample", "--out", str(root), "--docs", str(docs), "--seed", str(seed)], check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        marker.touch()
    return root
