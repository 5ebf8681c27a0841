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


# A customer turn that asks nothing: a file name, a link, a thank-you or an "ok" alone.
_ATTACHMENT = re.compile(r"^\W*(?:\[?(?:image|attachment|file|photo)\s*:?\s*)?[\w .()-]{1,80}\.(?:pdf|png|jpe?g|gif|docx?|xlsx?|csv|txt|zip|heic|mov|mp4)\W*$",
                         re.IGNORECASE)
_LINK_ONLY = re.compile(r"^\W*(?:https?://\S+\W*)+$")
_ACKNOWLEDGEMENT = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|perfect|cool|awesome|sure|yes|no|got it|noted|fine|brilliant|cheers|hi|hello|hey|"
    r"(?:many |a lot of )?thanks?(?: you)?(?: (?:so|very) much)?(?: a lot)?|thx|ty|danke|merci|gracias)[\s,.!:;)\-]*)+"
    r"(?:\W|[\U0001F300-\U0001FAFF\u2600-\u27BF])*$",
    re.IGNORECASE,
)


def not_a_request(turns: Sequence[tuple[str, str]]) -> str | None:
    """The first customer turn, when it asks nothing a reply could answer: an attachment's file name, a
    link alone, a thank-you or an acknowledgement alone ("Thanks!", "ok great"). None when it is a request."""
    first = next((text for role, text in turns if role == "user"), None)
    if first is None:
        return None
    text = first.strip()
    if not any(ch.isalpha() for ch in text) or _ATTACHMENT.match(text) or _LINK_ONLY.match(text) or _ACKNOWLEDGEMENT.match(text):
        return text
    return None
