from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from curation.split import SplitConfig, assign_splits, contaminated, split_of


def _frame(keys: list[str]) -> pl.DataFrame:
    return pl.DataFrame({
        "id": [f"ex_{i:016x}" for i in range(len(keys))],
        "group_key": keys,
        "messages": [[{"role": "user", "content": f"question {k}"}, {"role": "assistant", "content": "answer"}] for k in keys],
    })


def test_split_depends_only_on_group_key_and_salt():
    config = SplitConfig()
    keys = [f"ticket:t.csv#{i}" for i in range(2000)]
    small = assign_splits(_frame(keys[:500]), config)
    large = assign_splits(_frame(keys), config)
    merged = small.join(large.select("group_key", pl.col("split").alias("later")), on="group_key")
    assert (merged["split"] == merged["later"]).all(), "adding groups never moves an existing one"
    shares = large["split"].value_counts(normalize=True)
    share = dict(zip(shares["split"], shares["proportion"]))
    assert abs(share["train"] - 0.9) < 0.03 and abs(share["test"] - 0.05) < 0.02
    assert split_of("thread:abc", SplitConfig(salt="other")) in {"train", "validation", "test"}


def test_a_group_never_spans_splits():
    frame = _frame(["thread:1"] * 5 + ["thread:2"] * 5)
    assigned = assign_splits(frame, SplitConfig())
    assert assigned.group_by("group_key").agg(pl.col("split").n_unique())["split"].max() == 1


def test_ratios_must_cover_the_three_splits():
    with pytest.raises(ValueError, match="sum to 1"):
        SplitConfig(ratios={"train": 0.9, "validation": 0.2, "test": 0.05})


def test_decontamination_finds_eval_questions_in_training_text(tmp_path: Path):
    eval_file = tmp_path / "heldout.jsonl"
    eval_file.write_text(json.dumps({"question": "what do I do when my widget keeps blinking red after the update"}) + "\n")
    frame = _frame(["a", "b"]).with_columns(
        messages=pl.Series([
            [{"role": "user", "content": "Hi! what do I do when my widget keeps blinking red after the update, thanks"}, {"role": "assistant", "content": "x"}],
            [{"role": "user", "content": "How do I pair the tag?"}, {"role": "assistant", "content": "y"}],
        ])
    )
    hits = contaminated(frame, [eval_file], 8)
    assert list(hits) == [frame["id"][0]]
