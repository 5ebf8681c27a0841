"""Bytes to str for inputs whose charset may be declared, wrong, or missing."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_MAX_REPLACEMENT_SHARE = 0.05


class UndecodableText(ValueError):
    pass


def normalise_charset(name: str | None) -> str | None:
    """A codec Python knows for a declared charset name, or None when it is unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    aliases = {"ansi_x3.4-1968": "ascii", "x-user-defined": "cp1252", "unicode-1-1-utf-7": "utf-7"}
    name = aliases.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode with the BOM, the declared charset, UTF-8, then Windows-1252; returns (text, codec).

    Falls back to the best candidate with replacement characters and raises UndecodableText
    when more than 5% of the characters would be replaced.
    """
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    candidates = [c for c in (normalise_charset(declared), "utf-8", "cp1252") if c]
    for codec in dict.fromkeys(candidates):
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    codec = candidates[0]
    text = data.decode(codec, errors="replace")
    share = text.count("\ufffd") / max(len(text), 1)
    if share > _MAX_REPLACEMENT_SHARE:
        raise UndecodableText(f"{share:.0%} of the characters are not valid {codec}")
    return text, codec


def html_declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "replace") if match else None
