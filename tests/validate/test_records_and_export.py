from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from curation.dedup.config import DedupConfig
from curation.validate.export import check_jsonl
from curation.validate.leakage import leakage_pairs
from curation.validate.per_record import check_records


def _row(i: int, messages, split="train", kind="conversation") -> dict:
    return {"id": f"ex_{i:016x}", "messages": messages, "kind": kind, "source_kind": "ticket",
            "source_document_ids": [f"d_{i}"], "group_key": f"ticket:{i}", "split": split}


def test_invalid_records_are_quarantined_with_field_and_error(tmp_path: Path):
    good = [{"role": "user", "content": "How do I reset it?"}, {"role": "assistant", "content": "Hold the blue button."}]
    rows = [
        _row(1, good),
        _row(2, [{"role": "user", "content": "q"}, {"role": "user", "content": "q again"}, {"role": "assistant", "content": "a"}]),
        _row(3, [{"role": "user", "content": "q"}, {"role": "assistant", "content": "   "}]),
        {**_row(4, good), "id": "not-an-id"},
    ]
    pl.DataFrame(rows).write_parquet(tmp_path / "examples.parquet")
    checks = check_records(tmp_path / "examples.parquet", tmp_path, keep_terms=[], phone_regions=("US",), token_counter=None,
                           tokenizer="", max_seq_length=256)
    valid, ledger = pl.DataFrame(rows).filter(checks.valid_mask()), checks.ledger
    assert valid["id"].to_list() == ["ex_0000000000000001"]
    quarantined = ledger.filter(pl.col("outcome") == "quarantined")
    assert quarantined["unit_id"].to_list() == ["d_2", "d_3", "d_4"]
    assert set(quarantined["reason"]) == {"invalid_record"}
    details = quarantined["detail"].to_list()
    assert "alternate" in details[0] and "non-empty" in details[1] and details[2].startswith("not-an-id: id:")


def test_export_checks_report_format_errors_and_token_stats(tmp_path: Path):
    path = tmp_path / "train.jsonl"
    lines = [
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}]},
        {"messages": [{"role": "user", "content": "x" * 400}, {"role": "assistant", "content": "y"}]},
        {"messages": [{"role": "robot", "content": "beep"}]},
        {"prompt": "old format"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\nnot json\n")
    report = check_jsonl(path, max_tokens=50)
    assert report["format_errors"] == {"unrecognized_role": 1, "example_missing_assistant_message": 1,
                                       "unrecognized_example_key": 1, "missing_messages_list": 1, "invalid_json": 1}
    assert not report["ok"] and report["over_max_tokens"] == 1 and report["over_max_lines"] == [2]
    assert report["tokens"]["min"] < report["tokens"]["max"]


def test_leakage_check_finds_a_near_copy_across_splits():
    text = "To reset the A-45 SuperWidget press and hold the blue button on the back for ten seconds until the light flashes green then wait"
    rows = [
        _row(1, [{"role": "user", "content": "reset?"}, {"role": "assistant", "content": text}], split="train"),
        _row(2, [{"role": "user", "content": "reset?"}, {"role": "assistant", "content": text + " please"}], split="test"),
        _row(3, [{"role": "user", "content": "pair?"}, {"role": "assistant", "content": "Open the app and tap add device to pair the tag with your phone."}], split="test"),
    ]
    pairs = leakage_pairs(pl.DataFrame(rows), DedupConfig(), threshold=0.7)
    assert [(p["heldout"], p["train"]) for p in pairs] == [("ex_0000000000000002", "ex_0000000000000001")]


def test_leakage_measures_each_candidate_pair_once(tmp_path: Path, monkeypatch):
    """A refresh with a few new examples measures only their pairs: the rest come from the pair cache."""
    from curation.validate import leakage

    text = "To reset the A-45 SuperWidget press and hold the blue button on the back for ten seconds until the light flashes green then wait"
    rows = [_row(1, [{"role": "user", "content": "reset?"}, {"role": "assistant", "content": text}], split="train"),
            _row(2, [{"role": "user", "content": "reset?"}, {"role": "assistant", "content": text + " please"}], split="test")]
    cache = tmp_path / "cache" / "leakage-pairs.parquet"
    first = leakage_pairs(pl.DataFrame(rows), DedupConfig(), threshold=0.7, pair_cache=cache)
    measured = []
    real = leakage.exact_jaccard
    monkeypatch.setattr(leakage, "exact_jaccard", lambda sets, i, j: measured.append(len(i)) or real(sets, i, j))
    assert leakage_pairs(pl.DataFrame(rows), DedupConfig(), threshold=0.7, pair_cache=cache) == first and measured == []
    rows.append(_row(3, [{"role": "user", "content": "reset?"}, {"role": "assistant", "content": text + " again"}], split="validation"))
    again = leakage_pairs(pl.DataFrame(rows), DedupConfig(), threshold=0.7, pair_cache=cache)
    assert measured == [1], "only the new held-out example's pair is measured"
    assert {(p["heldout"], p["train"]) for p in again} == {("ex_0000000000000002", "ex_0000000000000001"), ("ex_0000000000000003", "ex_0000000000000001")}
    assert pl.read_parquet(cache).height == 2


def test_a_window_with_context_exports_its_history_with_weight_0(tmp_path: Path):
    """OpenAI's chat fine-tuning format reads "weight": 0 on an assistant message as shown, not trained on."""
    from curation.versions import write_version_files

    turns = [{"role": "system", "content": "You are support."}, {"role": "user", "content": "Spotify skips songs."},
             {"role": "assistant", "content": "Does logging out help?"}, {"role": "user", "content": "No, but moving the speaker did."},
             {"role": "assistant", "content": "Great to hear!"}]
    frame = pl.DataFrame([_row(1, turns, split=split) | {"context_turns": 2} for split in ("train", "validation", "test")])
    frame = frame.with_columns(pl.Series("id", [f"ex_{i:016x}" for i in range(3)]))
    write_version_files(tmp_path, frame)
    (line,) = (tmp_path / "train.jsonl").read_text().splitlines()
    assert [m.get("weight") for m in json.loads(line)["messages"]] == [None, None, 0, None, None]
    assert check_jsonl(tmp_path / "train.jsonl", max_tokens=256)["format_errors"] == {}
    assert pl.read_parquet(tmp_path / "train.parquet")["context_turns"].to_list() == [2]
