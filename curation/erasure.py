"""Right to erasure: the register of `curate forget` requests, and how it decides that a unit is erased.

The register (``erasure_register`` in pipeline.yaml, by default ``data/erasure.jsonl`` beside
``data/out`` and ``data/versions``, so it outlives a rebuilt working folder) is a JSON Lines file. Its
first line holds the register's random salt; every other line is one request::

    {"request_id": "er_...", "created_at": "...", "by": "email" | "name" | "path" | "unit",
     "hash": HMAC-SHA256(salt, by + ":" + the normalised identifier), "words": words in a name (else null),
     "unit_ids": [...], "counts": {source kind: units}, "versions": [...], "adapters": [...]}

No identifier is stored in the clear (a unit id is not personal data and is kept as matched): the
address, name or path is recognised again by hashing what a unit holds with the same salt. Whoever
holds the register and its salt can still confirm a guessed address, which recognising new mail
from it requires, so keep the file as private as the exports themselves.

What a request matches (:class:`Matcher`), on a document row of ingest's documents.parquet:
- ``email``: an address anywhere in the unit, the headers (sender, recipients, a ticket's requester
  and comment authors: they are in ``meta``) and the title and text, compared lower-cased;
- ``name``: the name as whole words, case-insensitive (NFKC, case-folded, split into words), in a
  header's display name, a ticket's customer fields or the text;
- ``path``: the unit's source path (relative to the source root's parent, as the ledger shows it)
  is the path or lies under it;
- ``unit``: the unit id itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Literal

REASON = "erased"
FORMAT = "curate-erasure-register"
By = Literal["email", "name", "path", "unit"]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
WORD = re.compile(r"\w+")


def normalise(by: By, value: str) -> str:
    """The form an identifier is hashed in; the same function reads what a unit holds."""
    value = value.strip()
    if by == "email":
        return value.strip("<>").lower().rstrip(".")
    if by == "name":
        return " ".join(WORD.findall(unicodedata.normalize("NFKC", value).casefold()))
    if by == "path":
        path = str(PurePosixPath(value.replace("\\", "/")))
        return "" if path == "." else path
    return value


@dataclass
class Request:
    by: By
    hash: str
    words: int | None = None
    request_id: str = field(default_factory=lambda: "er_" + secrets.token_hex(8))
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    unit_ids: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    versions: list[str] = field(default_factory=list)
    adapters: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"request_id": self.request_id, "created_at": self.created_at, "by": self.by, "hash": self.hash, "words": self.words,
                "unit_ids": self.unit_ids, "counts": self.counts, "versions": self.versions, "adapters": self.adapters}


class Register:
    """The requests recorded so far, and the salt their hashes are made with (a new register draws one)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.salt = ""
        self.requests: list[Request] = []
        if self.path.exists():
            lines = [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
            if not lines or lines[0].get("format") != FORMAT:
                raise ValueError(f"{self.path}: not an erasure register (its first line must name the format and hold the salt)")
            self.salt = lines[0]["salt"]
            self.requests = [Request(**row) for row in lines[1:]]

    def digest(self, by: By, normalised: str) -> str:
        salt = self.salt or self._new_salt()
        return hmac.new(bytes.fromhex(salt), f"{by}:{normalised}".encode(), hashlib.sha256).hexdigest()

    def _new_salt(self) -> str:
        self.salt = secrets.token_hex(32)
        return self.salt

    def request(self, by: By, value: str) -> Request:
        """A new request for this identifier (not recorded until :meth:`append`)."""
        key = normalise(by, value)
        if not key:
            raise ValueError(f"--{by}: empty, it would match nothing")
        if by == "email" and not EMAIL.fullmatch(key):
            raise ValueError("--email: not an e-mail address")
        return Request(by=by, hash=self.digest(by, key), words=len(key.split()) if by == "name" else None,
                       unit_ids=[key] if by == "unit" else [])

    def append(self, request: Request) -> None:
        """Record a request: the register is created (private to its owner) with its salt on the first one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"format": FORMAT, "version": 1, "salt": self.salt or self._new_salt()}) + "\n")
            os.replace(tmp, self.path)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(request.as_dict()) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.requests.append(request)

    def matcher(self, requests: Iterable[Request] | None = None) -> "Matcher":
        return Matcher(self, list(self.requests if requests is None else requests))


def load_register(path: str | Path) -> Register:
    return Register(Path(path))


class Matcher:
    """Which request (the earliest recorded) a document row matches, if any."""

    def __init__(self, register: Register, requests: list[Request]):
        self.register = register
        self.by_hash = {}
        self.units = {}
        for request in reversed(requests):  # the earliest request wins where two match
            self.by_hash[(request.by, request.hash)] = request.request_id
            self.units.update(dict.fromkeys(request.unit_ids, request.request_id))
        self.kinds = {by for by, _ in self.by_hash}
        self.name_words = sorted({r.words for r in requests if r.by == "name" and r.words})
        self.order = {r.request_id: i for i, r in enumerate(requests)}
        self._cache: dict[tuple[str, str], str | None] = {}

    def __bool__(self) -> bool:
        return bool(self.by_hash or self.units)

    def _hit(self, by: By, key: str) -> str | None:
        if (by, key) not in self._cache:
            if len(self._cache) > 1_000_000:
                self._cache.clear()
            self._cache[(by, key)] = self.by_hash.get((by, self.register.digest(by, key)))
        return self._cache[(by, key)]

    def match(self, row: dict) -> str | None:
        """The request id a documents.parquet row (id, path, title, text, meta) is erased by, else None."""
        found = {self.units[row["id"]]} if row["id"] in self.units else set()
        if "path" in self.kinds and row.get("path"):
            parts = PurePosixPath(row["path"]).parts
            found |= {hit for i in range(len(parts)) if (hit := self._hit("path", "/".join(parts[: i + 1])))}
        if "email" in self.kinds or "name" in self.kinds:
            strings = [row.get("title") or "", row.get("text") or ""] + _strings(json.loads(row["meta"]) if row.get("meta") else None)
            if "email" in self.kinds:
                found |= {hit for s in strings for address in EMAIL.findall(s) if (hit := self._hit("email", normalise("email", address)))}
            for words in (normalise("name", s).split() for s in strings) if self.name_words else ():
                found |= {hit for n in self.name_words for i in range(len(words) - n + 1) if (hit := self._hit("name", " ".join(words[i : i + n])))}
        return min(found, key=self.order.__getitem__) if found else None


def _strings(value) -> list[str]:
    """Every string inside a decoded JSON value (a document's typed metadata)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def detail(request_id: str) -> str:
    """The ledger detail of an erased unit: the request, never what it asked to forget."""
    return f"request={request_id}"


def flags(register_path: str | Path, adapters_dir: str | Path | None = None) -> dict:
    """For the dashboard: {"versions": {version id: [request ids]}, "adapters": {adapter id: version id}}, the
    published versions holding erased units and the adapters trained on them (their meta.json provenance)."""
    path = Path(register_path)
    if not path.exists():
        return {"versions": {}, "adapters": {}}
    versions: dict[str, list[str]] = {}
    for request in Register(path).requests:
        for version in request.versions:
            versions.setdefault(version, []).append(request.request_id)
    return {"versions": versions, "adapters": trained_on(set(versions), adapters_dir) if adapters_dir else {}}


def trained_on(versions: set[str], adapters_dir: str | Path) -> dict[str, str]:
    """{adapter id: dataset version} of the adapters under adapters_dir trained on one of these versions."""
    found = {}
    for meta_path in sorted(Path(adapters_dir).glob("*/meta.json")):
        if meta_path.parent.name.startswith("."):
            continue
        meta = json.loads(meta_path.read_text())
        if meta.get("dataset_version") in versions:
            found[meta.get("adapter_id", meta_path.parent.name)] = meta["dataset_version"]
    return found
