"""Defects of a conversation, one rule each: the examples step drops on them, validation's
example-quality report counts them. Turns are (role, content) pairs without the system prompt."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPACE = re.compile(r"\s+")
# an unfilled {placeholder}; {{doubled}} braces are template syntax the content is about (Anki's {{Front}})
PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_ ]{0,40}\}(?!\})")


def normal(text: str) -> str:
    """Text compared as a reader would: white space collapsed, case folded."""
    return _SPACE.sub(" ", text).strip().lower()


def echoed(turns: Sequence[tuple[str, str]]) -> str | None:
    """The first reply that only repeats the customer turn it answers, or None."""
    for (role_a, text_a), (role_b, text_b) in zip(turns, turns[1:]):
        if role_a == "user" and role_b == "assistant" and normal(text_a) == normal(text_b):
            return text_b
    return None


def placeholder(turns: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """(the first unfilled placeholder, the role of its turn), or None."""
    for role, text in turns:
        match = PLACEHOLDER.search(text)
        if match:
            return match.group(0), role
    return None
