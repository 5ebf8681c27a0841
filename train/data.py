"""Model-side data transforms: the chat template, the assistant-only loss mask, length policy.

Curation emits canonical `messages`; here they become token ids and labels for one tokenizer.
Only assistant tokens are trained (labels -100 elsewhere); passages (continued pre-training
text) are trained on in full, without a chat template.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import torch

IGNORE = -100


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]
    source_kind: str
    example_id: str


@dataclass
class EncodeStats:
    examples: int = 0
    truncated: int = 0
    dropped_overlong: int = 0
    dropped_no_target: int = 0
    tokens: int = 0
    trainable_tokens: int = 0
    by_kind: dict = field(default_factory=dict)

    @property
    def trainable_share(self) -> float:
        return self.trainable_tokens / self.tokens if self.tokens else 0.0

    def as_dict(self) -> dict:
        return {"examples": self.examples, "truncated": self.truncated, "dropped_overlong": self.dropped_overlong,
                "dropped_no_target": self.dropped_no_target, "tokens": self.tokens, "trainable_tokens": self.trainable_tokens,
                "trainable_share": round(self.trainable_share, 4), "by_kind": self.by_kind}


class DataRefused(ValueError):
    """Training would waste compute: nothing to learn, or lengths break the configured policy."""


def _render(tokenizer, messages: list[dict], *, generation_prompt: bool = False) -> str:
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def encode_chat(tokenizer, messages: list[dict], context_turns: int = 0) -> tuple[list[int], list[int]]:
    """Token ids of the rendered conversation and labels that keep only the assistant turns, except the first
    `context_turns` non-system turns: history from an earlier window, trained on there."""
    text = _render(tokenizer, messages)
    first_trained = context_turns + (1 if messages and messages[0]["role"] == "system" else 0)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant" or i < first_trained:
            continue
        start = len(_render(tokenizer, messages[:i], generation_prompt=True)) if i else 0
        end = len(_render(tokenizer, messages[: i + 1]))
        spans.append((start, end))
    encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    labels = []
    for token, (a, b) in zip(encoding["input_ids"], encoding["offset_mapping"]):
        inside = any(a >= s and b <= e and b > a for s, e in spans)
        labels.append(token if inside else IGNORE)
    return list(encoding["input_ids"]), labels


def encode_passage(tokenizer, messages: list[dict]) -> tuple[list[int], list[int]]:
    text = "\n\n".join(m["content"] for m in messages)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return ids, list(ids)


def encode_examples(tokenizer, frame: pl.DataFrame, *, max_len: int, overlong: str, kinds: list[str] | None = None) -> tuple[list[Encoded], EncodeStats]:
    stats = EncodeStats()
    encoded: list[Encoded] = []
    for row in frame.iter_rows(named=True):
        if kinds and row["kind"] not in kinds:
            continue
        messages = [{"role": m["role"], "content": m["content"]} for m in row["messages"]]
        if row["kind"] == "passage":
            ids, labels = encode_passage(tokenizer, messages)
        else:
            ids, labels = encode_chat(tokenizer, messages, row.get("context_turns") or 0)
        if len(ids) > max_len:
            if overlong == "error":
                raise DataRefused(f"{row['id']} has {len(ids)} tokens > max_seq_length {max_len} (overlong: error)")
            if overlong == "drop":
                stats.dropped_overlong += 1
                continue
            stats.truncated += 1
            ids, labels = ids[:max_len], labels[:max_len]
        if all(label == IGNORE for label in labels):
            stats.dropped_no_target += 1
            continue
        stats.examples += 1
        stats.tokens += len(ids)
        stats.trainable_tokens += sum(label != IGNORE for label in labels)
        stats.by_kind[row["kind"]] = stats.by_kind.get(row["kind"], 0) + 1
        encoded.append(Encoded(ids, labels, row["source_kind"], row["id"]))
    return encoded, stats


def check_trainable(stats: EncodeStats) -> None:
    if stats.examples == 0 or stats.trainable_tokens == 0:
        raise DataRefused(f"nothing to learn: {stats.examples} examples, {stats.trainable_tokens} trainable tokens ({stats.as_dict()})")


def pack(examples: list[Encoded], max_len: int) -> list[Encoded]:
    """Concatenate examples into rows of max_len tokens (labels keep their masks)."""
    rows: list[Encoded] = []
    ids: list[int] = []
    labels: list[int] = []
    for example in examples:
        if ids and len(ids) + len(example.input_ids) > max_len:
            rows.append(Encoded(ids, labels, "packed", f"packed-{len(rows)}"))
            ids, labels = [], []
        ids, labels = ids + example.input_ids, labels + example.labels
    if ids:
        rows.append(Encoded(ids, labels, "packed", f"packed-{len(rows)}"))
    return rows


def batches(examples: list[Encoded], batch_size: int, pad_id: int, *, seed: int | None = None) -> list[dict]:
    """Length-bucketed, padded batches (shuffled between buckets when a seed is given)."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].input_ids))
    chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if seed is not None:
        random.Random(seed).shuffle(chunks)
    out = []
    for chunk in chunks:
        width = max(len(examples[i].input_ids) for i in chunk)
        input_ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        labels = torch.full((len(chunk), width), IGNORE, dtype=torch.long)
        attention = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, i in enumerate(chunk):
            n = len(examples[i].input_ids)
            input_ids[row, :n] = torch.tensor(examples[i].input_ids)
            labels[row, :n] = torch.tensor(examples[i].labels)
            attention[row, :n] = 1
        out.append({"input_ids": input_ids, "labels": labels, "attention_mask": attention,
                    "source_kinds": [examples[i].source_kind for i in chunk], "example_ids": tuple(examples[i].example_id for i in chunk)})
    return out


def read_split(version_dir: Path, split: str) -> pl.DataFrame:
    return pl.read_parquet(version_dir / f"{split}.parquet")


def rewrite_messages(frame: pl.DataFrame, rng_key: str, rewrite) -> pl.DataFrame:
    """The frame with every message's content set to `rewrite(row_id, index, message, rng)`.

    Each row draws from its own generator, seeded by `rng_key` and the row id, so a variation is
    deterministic for a seed and a row's draws do not depend on the rows before it."""
    varied = []
    for row_id, messages in zip(frame["id"], frame["messages"]):
        rng = random.Random(f"{rng_key}{row_id}")
        varied.append([{"role": m["role"], "content": rewrite(row_id, i, m, rng)} for i, m in enumerate(messages)])
    return frame.with_columns(pl.Series("messages", varied, dtype=frame.schema["messages"]))
