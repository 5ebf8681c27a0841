"""One integration run on the real default base model: SmolLM2-135M-Instruct from its GGUF file."""

from __future__ import annotations

import json

import polars as pl

import pytest

from tests.conftest import SAMPLE_ROOT
from train.config import TrainConfig
from train.evaluate import evaluate_adapter
from train.lora import train_adapter

pytestmark = pytest.mark.slow


def test_smollm2_fine_tunes_a_few_steps_and_produces_a_valid_report(tmp_path, version_dir):
    config = TrainConfig(adapters_dir=str(tmp_path / "adapters"), max_steps=3, batch_size=2, eval_max_new_tokens=24,
                         rehearsal_share=0.5, rehearsal_max_new_tokens=24, eval_general_max_new_tokens=16, rehearsal_cache_dir=str(tmp_path / "rehearsal"),
                         base_answers_cache_dir=str(tmp_path / "base_answers"),
                         heldout_questions=str(SAMPLE_ROOT / "eval" / "heldout_questions.jsonl"))
    result = train_adapter(version_dir, config, progress=False)
    meta = json.loads((result.path / "meta.json").read_text())
    assert meta["base_model"]["spec"] == "smollm2" and len(meta["base_model"]["sha256"]) == 64
    assert meta["steps"] == 3 and meta["tokens_per_s"] > 0
    # rehearsal: the base model's own answers to general prompts, cached per base model identity
    rehearsal = pl.read_parquet(result.path / "mix.parquet").filter(pl.col("source_kind") == "rehearsal")
    assert meta["mix"]["rehearsal"] == rehearsal.height > 0 and all(m[-1]["content"] for m in rehearsal["messages"].to_list())
    assert len(list((tmp_path / "rehearsal").glob("*.parquet"))) == 1
    report = evaluate_adapter(version_dir, result.path, config, max_questions=3)
    assert report["questions"] == 3
    for model in ("base", "tuned"):
        assert report[model]["loss"] > 0 and report[model]["perplexity"] > 1
        assert 0 <= report[model]["key_fact_recall"] <= 1 and 0 <= report[model]["rouge_l"] <= 1
    assert all(s["base_answer"] and s["tuned_answer"] for s in report["samples"])
    assert report["forgetting"]["base_perplexity"] > 1
    assert json.loads((result.path / "eval_report.json").read_text())["adapter_id"] == result.adapter_id
    # the base model's answers do not depend on the adapter: a second evaluation reads them from the cache
    assert report["base_answers"]["source"] == "generated" and len(list((tmp_path / "base_answers").glob("*.json"))) == 1
    again = evaluate_adapter(version_dir, result.path, config, max_questions=3)
    assert again["base_answers"] == {**report["base_answers"], "source": "cache"}
    assert [s["base_answer"] for s in again["samples"]] == [s["base_answer"] for s in report["samples"]]
    assert again["retention"]["base"] == report["retention"]["base"] and again["out_of_scope"]["base"] == report["out_of_scope"]["base"]
    # other prompts (one more question) are another cache entry, not a stale hit
    assert evaluate_adapter(version_dir, result.path, config, max_questions=4)["base_answers"]["source"] == "generated"
