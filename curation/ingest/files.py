"""Find the input files under the source roots, decide which reader takes each, and guard them.

A file's kind comes from its extension, then from its folder (Maildir's cur/new/tmp, or a folder
named like ``emails``), then from sniffing its first bytes. Guards run before any reader: empty,
too large and binary files are quarantined as whole units.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Reader = Literal["eml", "mbox", "markdown", "html", "pdf", "text", "csv", "json", "jsonl", "unknown"]

_BY_EXTENSION: dict[str, Reader] = {
    ".eml": "eml",
    ".msg": "eml",
    ".mbox": "mbox",
    ".mbx": "mbox",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".txt": "text",
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_SOURCE_KIND = {
    "eml": "email",
    "mbox": "email",
    "markdown": "manual",
    "html": "manual",
    "pdf": "manual",
    "text": "manual",
    "csv": "ticket",
    "json": "ticket",
    "jsonl": "ticket",
}
_MBOX_FROM_LINE = re.compile(rb"^From \S*\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]{0,75}:[ \t]?")
_IGNORED_NAMES = {".DS_Store", "Thumbs.db", ".gitkeep"}


@dataclass(frozen=True)
class InputFile:
    path: Path
    relpath: str
    reader: Reader
    source_kind: str


def discover(roots: list[Path], email_dirs: list[str]) -> Iterator[InputFile]:
    """Every file under the roots, sorted for a stable order, with the reader that takes it."""
    email_names = {name.lower() for name in email_dirs}
    for root in roots:
        root = root.resolve()
        base = root.parent
        files = [root] if root.is_file() else sorted(_walk(root))
        for path in files:
            relpath = path.relative_to(base).as_posix()
            in_email_tree = any(part.lower() in email_names for part in Path(relpath).parts[:-1]) or (
                path.parent.name in {"cur", "new", "tmp"}
            )
            reader = _reader_for(path, in_email_tree)
            if in_email_tree and reader in {"html", "markdown"}:
                # a mail folder's .html file is a message body export or a test fixture, not a manual:
                # a message if it starts with headers, else no unit it could be (quarantined, named)
                reader = "eml" if _looks_like_message(_head(path)) else "unknown"
            kind = _SOURCE_KIND.get(reader, "email" if in_email_tree else "manual")
            if reader == "text" and in_email_tree:
                reader, kind = "eml", "email"
            yield InputFile(path=path, relpath=relpath, reader=reader, source_kind=kind)


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name in _IGNORED_NAMES or name.startswith("."):
                continue
            yield Path(dirpath) / name


def _reader_for(path: Path, in_email_tree: bool) -> Reader:
    reader = _BY_EXTENSION.get(path.suffix.lower())
    if reader:
        return reader
    head = _head(path)
    if _MBOX_FROM_LINE.match(head):
        return "mbox"
    if in_email_tree or _HEADER_LINE.match(head):
        return "eml" if in_email_tree or _looks_like_message(head) else "text"
    return "text" if looks_like_text(head) else "unknown"


def _head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def _looks_like_message(head: bytes) -> bool:
    lines = head.splitlines()[:10]
    return sum(bool(_HEADER_LINE.match(line)) for line in lines) >= 2


def looks_like_text(sample: bytes) -> bool:
    """False for binary junk: NUL bytes, or more than 10% control bytes other than whitespace."""
    if not sample:
        return True
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return False
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return control / len(sample) <= 0.10


def guard(file: InputFile, max_bytes: int) -> tuple[str, str] | None:
    """A (reason, detail) when the whole file must be quarantined before reading, else None."""
    try:
        size = file.path.stat().st_size
    except OSError as err:
        return "unsupported_format", f"cannot stat file: {err}"
    if size == 0:
        return "empty_file", "0 bytes"
    if size > max_bytes:
        return "file_too_large", f"{size / 2**20:.1f} MiB > limit {max_bytes / 2**20:.1f} MiB (ingest.max_file_mb)"
    if file.reader == "unknown":
        if file.path.suffix.lower() in {".html", ".htm", ".md", ".markdown"}:
            return "unsupported_format", f"a '{file.path.suffix}' file in a mail folder without message headers: neither a message nor a manual"
        return "unsupported_format", f"no reader for '{file.path.suffix or 'no extension'}' files"
    if file.reader != "pdf" and not looks_like_text(_head(file.path, 8192)):
        return "binary_content", "NUL bytes or >10% control characters in the first 8 KiB"
    return None
