"""Bytes to str for inputs whose charset may be declared, wrong, or missing."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.IGNORECASE)
_MAX_REPLACEMENT_SHARE = 0.05


class UndecodableText(ValueError):
    pass


# Declared charsets read as the superset mail clients actually wrote (as browsers and Python's own
# email package do): a gb2312 label on GBK text, Windows-1252 quotes in "iso-8859-1" mail... An
# "ascii" label is kept strict: 8-bit text under it is tried as UTF-8, then Windows-1252.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "euc-cn": "gb18030", "x-gbk": "gb18030",
              "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "ks_c_5601": "cp949",
              "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
              "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
              "ansi_x3.4-1968": "ascii", "iso-8859-9": "cp1254", "tis-620": "cp874", "iso-8859-11": "cp874",
              "big5": "big5hkscs", "x-user-defined": "cp1252", "unicode-1-1-utf-7": "utf-7"}


def normalise_charset(name: str | None) -> str | None:
    """A codec Python knows for a declared charset name (its superset, see _SUPERSETS), or None when unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
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
