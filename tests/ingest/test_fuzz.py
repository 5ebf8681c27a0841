"""Property tests: random bytes and mutated real messages never crash a reader."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from curation.ingest.config import IngestConfig
from curation.ingest import read_file
from curation.ingest.emails import parse_message
from curation.ingest.files import InputFile
from schemas import Document

CONFIG = IngestConfig()
MAPPINGS = CONFIG.mappings()
SEED_MESSAGE = (
    b"From: Jane <jane@example.org>\r\nTo: support@nordlicht.example\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    b"Message-ID: <seed@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
    b"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHallo J=FCrgen\r\n"
    b"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+SGk8L3A+\r\n--b1--\r\n"
)


def _units(path: Path, reader: str, kind: str) -> list:
    return list(read_file(InputFile(path=path, relpath=path.name, reader=reader, source_kind=kind), CONFIG, MAPPINGS))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), reader=st.sampled_from(["eml", "mbox", "markdown", "html", "pdf", "text", "csv", "json", "jsonl"]))
def test_random_bytes_never_crash_a_reader(tmp_path: Path, data: bytes, reader: str):
    path = tmp_path / f"f.{reader}"
    path.write_bytes(data)
    units = _units(path, reader, "email")
    assert units, "every file ends in at least one unit"
    assert all(getattr(u, "reason", "") != "reader_error" for u in units), units


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), edits=st.integers(1, 30))
@example(seed=10925, edits=8)  # an 8-bit byte inside the Message-ID: a lone surrogate reached stable_id
def test_mutated_real_messages_never_crash(seed: int, edits: int):
    rng = random.Random(seed)
    raw = bytearray(SEED_MESSAGE)
    for _ in range(edits):
        op = rng.random()
        pos = rng.randrange(len(raw) or 1)
        if op < 0.4 and raw:
            del raw[pos : pos + rng.randint(1, 20)]
        elif op < 0.8:
            raw[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 10)))
        else:
            raw = raw[: pos]
    result = parse_message(bytes(raw), "m.eml", fallback_locator="file")
    assert isinstance(result, Document) or result.reason in {"malformed_mime", "truncated_message", "undecodable_text"}
