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


def test_decontamination_checks_only_the_examples_it_has_not_seen(tmp_path: Path):
    """Verdicts are kept per example id (a content hash) under the hash of the eval texts: a refresh checks
    the new examples only; new eval texts start over."""
    question = "what do I do when my widget keeps blinking red after the update"
    eval_file = tmp_path / "heldout.jsonl"
    eval_file.write_text(json.dumps({"question": question}) + "\n")
    texts = [f"Hi! {question}, thanks", "How do I pair the tag?", f"Hello, {question} please"]
    frame = _frame(["a", "b", "c"]).with_columns(
        messages=pl.Series([[{"role": "user", "content": t}, {"role": "assistant", "content": "x"}] for t in texts]))
    ids = frame["id"].to_list()
    cache = tmp_path / "cache"
    assert list(contaminated(frame.head(2), [eval_file], 8, cache_dir=cache)) == [ids[0]]
    (stored,) = cache.glob("contamination-*.parquet")
    # what the cache says of a seen example is believed: mark the clean one as a hit to see that it is not checked again
    pl.read_parquet(stored).with_columns(hit=pl.when(pl.col("id") == ids[1]).then(pl.lit("marked")).otherwise("hit")).write_parquet(stored)
    hits = contaminated(frame, [eval_file], 8, cache_dir=cache)
    assert hits == {ids[0]: question, ids[1]: "marked", ids[2]: question}, "the new example checked, the seen ones read"
    assert pl.read_parquet(stored).height == 3
    assert contaminated(frame, [eval_file], 8) == {ids[0]: question, ids[2]: question}, "without the cache: every example checked"

    eval_file.write_text(json.dumps({"question": "how do I pair the tag with my phone"}) + "\n")
    assert contaminated(frame.tail(2), [eval_file], 3, cache_dir=cache) == {ids[1]: "how do I pair the tag with my phone"}
    assert [p.name for p in cache.glob("contamination-*.parquet")] != [stored.name], "the old eval texts' verdicts are gone"
    assert pl.read_parquet(next(cache.glob("contamination-*.parquet"))).height == 2, "the file holds this call's examples only"


def test_a_training_example_near_a_heldout_one_is_dropped_and_named(tmp_path: Path):
    """Two dedup survivors can still be near-duplicates (the 30k sample leaked 6 such pairs): the
    training side goes, so the held-out set stays as it was."""
    from functools import partial

    from curation.dedup.config import DedupConfig
    from curation.split import split_examples
    from curation.validate.leakage import leakage_pairs

    config = SplitConfig(decontaminate_against=[])
    keys = [f"ticket:t.csv#{i}" for i in range(400)]
    heldout_key = next(k for k in keys if split_of(k, config) == "test")
    train_key = next(k for k in keys if split_of(k, config) == "train")
    answer = ("To factory reset the C-7 HubStation unplug the power cable then hold the reset button on the bottom "
              "and plug the cable back in while holding it for ten seconds until the light blinks white")
    rows = {
        heldout_key: "My C-7 HubStation has the wrong Wi-Fi stored, can I clear it back to factory settings?",
        train_key: "Hi, my C-7 HubStation has the wrong Wi-Fi stored, can I clear it back to factory settings? Thanks",
        keys[-1]: "How do I pair the E-3 SmartTag with my phone?",
    }
    frame = pl.DataFrame({
        "id": [f"ex_{i:016x}" for i in range(3)], "group_key": list(rows), "kind": ["conversation"] * 3, "source_kind": ["ticket"] * 3,
        "source_document_ids": [[f"d_{i}"] for i in range(3)],
        "messages": [[{"role": "user", "content": q}, {"role": "assistant", "content": answer if i < 2 else "Open the app and tap Add."}]
                     for i, q in enumerate(rows.values())],
    })
    frame.write_parquet(tmp_path / "examples.parquet")
    near = partial(leakage_pairs, config=DedupConfig(), threshold=0.7)
    summary = split_examples(tmp_path / "examples.parquet", tmp_path / "split", config, near_pairs=near)
    kept = pl.read_parquet(tmp_path / "split" / "examples.parquet")
    assert summary["near_heldout"] == 1
    assert sorted(kept["id"]) == ["ex_0000000000000000", "ex_0000000000000002"], "the held-out example stays, its training twin goes"
    ledger = pl.read_parquet(tmp_path / "split" / "ledger.parquet").filter(pl.col("outcome") == "dropped")
    assert ledger["reason"].to_list() == ["near_heldout"] and ledger["unit_id"].to_list() == ["d_1"]
    assert "ex_0000000000000000" in ledger["detail"][0]
