"""The checks a user of a hosted fine-tuning API runs on a chat JSONL file before uploading it.

Every line must be a JSON object with a `messages` list; each message a dict with known keys
only, a known role and non-empty string content; each example needs an assistant message.
Token counts (min / median / p90 / max) and the examples over the maximum length are reported.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

import orjson

KNOWN_MESSAGE_KEYS = {"role", "content", "name", "weight"}
KNOWN_ROLES = {"system", "user", "assistant"}
KNOWN_EXAMPLE_KEYS = {"messages"}


def format_errors(record) -> list[str]:
    if not isinstance(record, dict):
        return ["data_type"]
    errors = []
    if set(record) - KNOWN_EXAMPLE_KEYS:
        errors.append("unrecognized_example_key")
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        return errors + ["missing_messages_list"]
    for message in messages:
        if not isinstance(message, dict) or "role" not in message or "content" not in message:
            errors.append("message_missing_key")
            continue
        if set(message) - KNOWN_MESSAGE_KEYS:
            errors.append("message_unrecognized_key")
        if message["role"] not in KNOWN_ROLES:
            errors.append("unrecognized_role")
        if not isinstance(message["content"], str) or not message["content"].strip():
            errors.append("missing_content")
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        errors.append("example_missing_assistant_message")
    return errors


def _percentile(values: list[int], q: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def check_jsonl(path: Path, *, max_tokens: int, count_tokens=None, per_line: list[int] | None = None) -> dict:
    """Format errors by kind, token statistics and the ids (line numbers) over max_tokens."""
    count_tokens = count_tokens or (lambda messages: sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages))
    errors: Counter = Counter()
    tokens: list[int] = []
    too_long: list[int] = []
    lines = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        lines += 1
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            errors["invalid_json"] += 1
            continue
        found = format_errors(record)
        errors.update(found)
        if found:
            continue
        n = count_tokens(record["messages"])
        tokens.append(n)
        if per_line is not None:
            per_line.append(n)
        if n > max_tokens:
            too_long.append(number)
    stats = {}
    if tokens:
        stats = {"min": min(tokens), "median": int(statistics.median(tokens)), "p90": _percentile(tokens, 0.9), "max": max(tokens), "total": sum(tokens)}
    return {"file": path.name, "lines": lines, "format_errors": dict(errors), "ok": not errors,
            "tokens": stats, "max_tokens": max_tokens, "over_max_tokens": len(too_long), "over_max_lines": too_long[:20]}
