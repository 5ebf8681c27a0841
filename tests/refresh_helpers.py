"""A private copy of the sample corpus and a config that writes everything under a temp folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from curation.config import PipelineConfig, load_config
from tests.conftest import SAMPLE_ROOT


def sample_config(tmp: Path, **overrides) -> PipelineConfig:
    raw = tmp / "raw"
    if not raw.exists():
        shutil.copytree(SAMPLE_ROOT / "raw", raw)
    values = {
        "sources": [str(raw / k) for k in ("emails", "manuals", "tickets")],
        "output_dir": str(tmp / "out"),
        "versions_dir": str(tmp / "versions"),
        "reports_dir": str(tmp / "reports"),
        "split": {"decontaminate_against": [str(SAMPLE_ROOT / "eval" / name) for name in ("heldout_questions.jsonl", "test_questions.jsonl", "out_of_scope.jsonl")]},
        **overrides,
    }
    path = tmp / "pipeline.yaml"
    path.write_text(yaml.safe_dump(values))
    return load_config(path)
