"""Defects of a conversation, one rule each: the examples step drops on them, validation's
example-quality report counts them. Turns are (role, content) pairs without the system prompt."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

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


# An export that cut a message short: Twitter's API text ends in "...", or "…", glued to a cut word, then the
# link to the full tweet ("... as we ass... https://t.co/JEZhqGdBMd").
_CUT_BEFORE_LINK = re.compile(r"\w(?:\.\.\.|…)\s*https?://\S+\s*$")


def cut_by_export(turns: Sequence[tuple[str, str]]) -> str | None:
    """The first turn the export cut short (its text ends in an ellipsis glued to a word and a link to the
    rest), or None: a reply missing its end teaches half a sentence."""
    for _, text in turns:
        if _CUT_BEFORE_LINK.search(text.strip()):
            return text
    return None


# A reply sent in numbered parts ("... Thanks - Lee 2/2", "... delay has caused. 2/2 ^JR"): the marker ends the
# message, or only an agent's signature mark (^JR, - Lee, /AY) follows it.
_PART_MARKER = re.compile(r"(?<![\d/])([1-9])/([2-9])(?:\s*[\^~/-]\s*\w{1,12})?\s*$")


def missing_part(turns: Sequence[tuple[str, str]]) -> str | None:
    """The first company turn holding part k of an n-part reply without all n parts (the export lost the
    others: "If that doesn't help ... 2/2" answers what part 1 said), or None."""
    for role, text in turns:
        if role != "assistant":
            continue
        parts = [_PART_MARKER.search(paragraph.strip()) for paragraph in text.split("\n\n")]
        found = {(int(m.group(1)), int(m.group(2))) for m in parts if m and int(m.group(1)) <= int(m.group(2))}
        for total in {n for _, n in found}:
            if {k for k, n in found if n == total} != set(range(1, total + 1)):
                return text
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


# English function words: a reply in English prose has one in every four or five words ("We'd like to help. What
# happens when you try ...?"); machine filler drawn from a word list has next to none ("Billion speech door despite
# little find.", the Kaggle support export's resolutions).
_FUNCTION_WORDS = frozenset(
    """a an the this that these those my your our their his her its i you we they he she it me us them to of in on at for
    with from by about as into over after before than then is are was were be been being am do does did have has had will
    would can could should may might must shall not no and or but if so because when where what which who how there here
    please thanks thank hi hello sorry let just also any some all more""".split()
)
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
MIN_FUNCTION_SHARE = 0.2
MIN_WORDS = 4  # "Green means charged." is a fine reply with none


def function_word_share(text: str) -> tuple[int, float]:
    """(words, share of them that are English function words); "we'd" counts as "we"."""
    words = [w.lower().split("'")[0] for w in _WORD.findall(text)]
    return len(words), (sum(w in _FUNCTION_WORDS for w in words) / len(words) if words else 0.0)


def not_language(turns: Sequence[tuple[str, str]], language: Callable[[str], str]) -> str | None:
    """The first English reply of MIN_WORDS words or more that is not prose: under MIN_FUNCTION_SHARE function words.
    Replies in other languages are not judged (the word list is English)."""
    for role, text in turns:
        if role != "assistant":
            continue
        words, share = function_word_share(text)
        if words >= MIN_WORDS and share < MIN_FUNCTION_SHARE and language(text) == "en":
            return text
    return None
