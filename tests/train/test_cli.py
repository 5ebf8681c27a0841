"""`curate train`, `curate eval` and `curate ask` (train/cli.py, the `curate` entry point) on a real
published version with a tiny random Llama as the base model."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation import run
from tests.refresh_helpers import sample_config
from train.cli import app

pytestmark = pytest.mark.slow


def test_train_eval_and_ask_from_the_command_line(tmp_path: Path, new_tiny_model, tokenizer):
    model_dir = tmp_path / "tiny-model"
    new_tiny_model().save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    config = sample_config(tmp_path, train={"base_model": str(model_dir), "max_steps": 2, "batch_size": 4, "eval_max_new_tokens": 4,
                                            "rehearsal_max_new_tokens": 8, "eval_general_max_new_tokens": 4,  # a random tiny model never stops: its tokens are the cost
                                            "adapters_dir": str(tmp_path / "adapters")})
    version = run.refresh(config, progress=False, gx_project_root=tmp_path).version_id
    cfg = str(tmp_path / "pipeline.yaml")
    runner = CliRunner()

    trained = runner.invoke(app, ["train", "--config", cfg, "--no-progress"])
    assert trained.exit_code == 0, trained.output
    assert "trained: ad_" in trained.output and "already" not in trained.output and "2 steps" in trained.output
    again = runner.invoke(app, ["train", "--config", cfg, "--version", version[:8], "--no-progress"])
    assert "already trained" in again.output

    evaluated = runner.invoke(app, ["eval", "--config", cfg])
    assert evaluated.exit_code == 0, evaluated.output
    assert "key_fact_recall" in evaluated.output and "eval_report.md" in evaluated.output
    assert "product questions (test split, 25)" in evaluated.output and "tuned+retrieval" in evaluated.output
    assert "general-skill retention" in evaluated.output and "out-of-scope decline rate" in evaluated.output

    asked = runner.invoke(app, ["ask", "How do I reset my A-45 SuperWidget?", "--config", cfg, "--max-new-tokens", "4"])
    assert asked.exit_code == 0, asked.output
    assert "--- base model" in asked.output and "--- tuned (ad_" in asked.output

    grounded = runner.invoke(app, ["ask", "How do I reset my A-45 SuperWidget?", "--retrieve", "--config", cfg, "--max-new-tokens", "4"])
    assert grounded.exit_code == 0, grounded.output
    assert "--- retrieved manual sections (3) ---" in grounded.output and "[A-45 SuperWidget User Manual, page 12]" in grounded.output
    assert "+ retrieval ---" in grounded.output

    missing = runner.invoke(app, ["eval", "--config", cfg, "--adapter", "ad_nothere"])
    assert missing.exit_code == 1 and "no adapter at" in missing.output
