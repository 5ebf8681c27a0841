"""At 10,000 units the sample publishes under its own validation and the dashboard builds.

Run as a user would: `curate sample --docs 10000`, then `curate refresh` in a folder holding its own
pipeline.yaml (no --config). Before, long subject-glued threads failed `max_messages`, and any
version over 5,000 examples crashed the dashboard (charts fed one row per example).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

pytestmark = pytest.mark.slow
CURATE = [sys.executable, "-m", "curation.cli"]


def test_a_10k_sample_publishes_and_its_dashboard_builds(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "CURATE_CONFIG"}
    made = subprocess.run([*CURATE, "sample", "--out", "sample", "--docs", "10000"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump({
        "sources": [f"sample/raw/{kind}" for kind in ("emails", "manuals", "tickets")],
        "split": {"decontaminate_against": ["sample/eval/heldout_questions.jsonl"]},
    }))
    done = subprocess.run([*CURATE, "refresh", "--no-progress"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "published:" in done.stdout, done.stdout[-3000:]
    version = next(p for p in (tmp_path / "data" / "versions").iterdir() if not p.name.startswith(("_", ".")))
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["counts"]["examples"] > 5000, "big enough to have crashed the old charts"
    assert manifest["conservation"]["ok"]
    examples = pl.concat([pl.read_parquet(version / f"{s}.parquet") for s in ("train", "validation", "test")])
    assert examples["messages"].list.len().max() <= 60
    page = tmp_path / "data" / "reports" / "versions" / f"{version.name}.html"
    assert page.exists() and page.stat().st_size < 5_000_000, "charts are aggregates: the page stays small"
