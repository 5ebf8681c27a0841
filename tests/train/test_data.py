from __future__ import annotations

import polars as pl
import pytest

from train.data import IGNORE, DataRefused, check_trainable, encode_chat, encode_examples, pack


def test_only_assistant_tokens_are_trained(tokenizer):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How do I reset it?"},
                {"role": "assistant", "content": "Hold the blue button."}, {"role": "user", "content": "And then?"},
                {"role": "assistant", "content": "Wait until it flashes green."}]
    ids, labels = encode_chat(tokenizer, messages)
    trained = tokenizer.decode([t for t, l in zip(ids, labels) if l != IGNORE])
    assert "Hold the blue button." in trained and "Wait until it flashes green." in trained
    assert "How do I reset it?" not in trained and "Be brief." not in trained and "And then?" not in trained
    assert trained.count("<|im_end|>") == 2, "each assistant turn learns to stop"
    assert tokenizer.decode(ids) == tokenizer.apply_chat_template(messages, tokenize=False)


def test_context_turns_are_shown_but_not_trained(tokenizer):
    """A window's history (Example.context_turns) was trained in the window before: here it is context only."""
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "How do I reset it?"},
                {"role": "assistant", "content": "Hold the blue button."}, {"role": "user", "content": "And then?"},
                {"role": "assistant", "content": "Wait until it flashes green."}]
    frame = pl.DataFrame({"id": ["ex_1"], "messages": [messages], "kind": ["conversation"], "source_kind": ["email"], "context_turns": [2]})
    (example,), _ = encode_examples(tokenizer, frame, max_len=512, overlong="error")
    trained = tokenizer.decode([t for t, l in zip(example.input_ids, example.labels) if l != IGNORE])
    assert "Wait until it flashes green." in trained and "Hold the blue button." not in trained
    assert tokenizer.decode(example.input_ids) == tokenizer.apply_chat_template(messages, tokenize=False)


def test_overlong_policies_are_counted_or_refused(tokenizer, version_dir):
    frame = pl.read_parquet(version_dir / "train.parquet")
    _, truncated = encode_examples(tokenizer, frame, max_len=40, overlong="truncate")
    assert truncated.truncated >= 2 and truncated.examples + truncated.dropped_no_target == 4
    _, dropped = encode_examples(tokenizer, frame, max_len=40, overlong="drop")
    assert dropped.dropped_overlong >= 2 and dropped.truncated == 0
    with pytest.raises(DataRefused, match="max_seq_length 40"):
        encode_examples(tokenizer, frame, max_len=40, overlong="error")


def test_refuses_to_train_when_nothing_is_trainable(tokenizer, version_dir):
    frame = pl.read_parquet(version_dir / "train.parquet")
    encoded, stats = encode_examples(tokenizer, frame, max_len=12, overlong="truncate", kinds=["conversation"])
    assert stats.trainable_tokens == 0 and stats.dropped_no_target == 2
    with pytest.raises(DataRefused, match="nothing to learn"):
        check_trainable(stats)


def test_passages_train_on_all_tokens_and_packing_keeps_masks(tokenizer, version_dir):
    frame = pl.read_parquet(version_dir / "train.parquet")
    encoded, stats = encode_examples(tokenizer, frame, max_len=256, overlong="truncate", kinds=["passage", "conversation"])
    passage = next(e for e in encoded if e.source_kind == "manual")
    assert passage.labels == passage.input_ids
    rows = pack(encoded, 256)
    assert sum(len(r.input_ids) for r in rows) == sum(len(e.input_ids) for e in encoded)
    assert sum(l != IGNORE for r in rows for l in r.labels) == stats.trainable_tokens
