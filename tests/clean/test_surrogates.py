"""Surrogates: realistic, consistent stand-ins for redacted PII that validation does not mistake for leaks."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
from faker import Faker

from curation.clean.config import CleanConfig
from curation.clean.pii import PiiConfig, redact
from curation.clean.pipeline import clean, clean_document
from curation.clean.surrogates import Surrogates, not_personal
from curation.validate.suite import PII_PATTERNS
from schemas import Document, EmailMeta, Mailbox, SourceRef
from schemas.frames import DOCUMENT_SCHEMA, document_row

TEXT = """Hi Jane,

I wrote from jane.doe@gmail.com; Mr. Doe also called from +49 30 1234567 and (212) 555-0147.
Card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, my router is at 81.2.69.160.
I live at Musterweg 12a, 10115 Berlin.

Cheers,
Jane Doe"""
ORIGINALS = ("Jane", "Doe", "jane.doe@gmail.com", "1234567", "4111", "3704 0044", "81.2.69.160", "Musterweg")


def _redact(text: str, scope: str = "thread:1", language: str = "en") -> str:
    surrogates = Surrogates(scope, language, known_names=["Jane Doe"])
    return redact(text, PiiConfig(), known_names=["Jane Doe"], replace=surrogates).text


def test_every_type_gets_a_surrogate_and_no_tag_or_original_is_left():
    out = _redact(TEXT)
    assert not re.search(r"<[A-Z]+>", out), out
    for original in ORIGINALS:
        assert original not in out, (original, out)
    # what validation scans for PII finds nothing: the surrogates are made of reserved values
    assert not any(re.search(pattern, not_personal(out)) for pattern in PII_PATTERNS.values()), out
    assert "**** **** **** " in out and "DE** **** **** " in out


def test_one_person_stays_one_person_within_a_thread():
    out = _redact(TEXT)
    greeting = re.match(r"Hi (\w+),", out).group(1)
    signature = out.rsplit("\n", 1)[1]
    given, surname = signature.split()
    assert greeting == given, out  # "Jane" and "Jane Doe"
    assert f"Mr. {surname} also called" in out  # a lone surname stays a surname
    assert re.search(rf"{given.lower()}\.{surname.lower()}@example\.(com|net|org)", out), out  # the address spells the name
    assert _redact("Doe, Jane") == f"{surname}, {given}"
    assert _redact(TEXT) == out, "a pure function of (salt, scope, type, original)"


def test_surrogates_differ_between_threads_and_salts():
    names = {_redact("Regards, Jane Doe", scope=f"thread:{i}") for i in range(8)}
    assert len(names) > 4
    salted = Surrogates("thread:1", salt="secret", known_names=["Jane Doe"])
    assert redact("Regards, Jane Doe", PiiConfig(), known_names=["Jane Doe"], replace=salted).text != _redact("Regards, Jane Doe")


def test_names_are_drawn_in_the_documents_language():
    def names(locale: str) -> set[str]:
        fake = Faker(locale)
        fake.seed_instance(0)
        return {fake.first_name() for _ in range(3000)}

    german, american = names("de_DE"), names("en_US")
    greetings = [_redact(f"Hallo {name},\n\nvielen Dank.", language="de") for name in ("Jane", "Kim", "Ole", "Priya", "Mateo")]
    given = [re.match(r"Hallo (\S+),", out).group(1) for out in greetings]
    assert sum(g in german and g not in american for g in given) >= 3, given


def _email(doc_id: str, text: str, sender: Mailbox, to: list[Mailbox]) -> Document:
    return Document(
        id=doc_id, source=SourceRef(source_kind="email", path=f"emails/{doc_id}.eml", locator=f"<{doc_id}@x>", sha256=doc_id),
        group_key="thread:7", created_at=datetime(2025, 3, 3, tzinfo=timezone.utc), text=text,
        meta=EmailMeta(message_id=f"<{doc_id}@x>", sender=sender, recipients=to, subject="Widget"),
    )


def test_a_name_from_any_header_of_the_thread_is_replaced_in_every_message(tmp_path: Path):
    customer, support = Mailbox(name="Priya Raman", address="p.r@mail.test"), Mailbox(name="Support", address="support@nordlicht.example")
    first = _email("m1", "This is Priya Raman: my widget froze after the update, what should I do now?", customer, [support])
    # the agent's reply names the customer; its own headers (From support, To an alias) do not
    reply = _email("m2", "Dear Priya Raman, please hold the blue button for ten seconds and wait.", support, [Mailbox(address="alias@mail.test")])
    alone = clean_document(reply, CleanConfig())
    assert "Priya" in alone.document.text, "without the thread's names the reply keeps the customer's name"

    src = tmp_path / "ingest"
    src.mkdir()
    pl.DataFrame([document_row(first), document_row(reply)], schema=DOCUMENT_SCHEMA).write_parquet(src / "documents.parquet")
    clean(src / "documents.parquet", tmp_path / "clean")
    texts = dict(pl.read_parquet(tmp_path / "clean" / "documents.parquet").select("id", "text").iter_rows())
    assert "Priya" not in texts["m1"] and "Raman" not in texts["m2"] and "Priya" not in texts["m2"], texts
    surrogate = re.match(r"This is (.+?):", texts["m1"]).group(1)
    assert texts["m2"].startswith(f"Dear {surrogate}, "), texts  # the same surrogate in both messages
    # the mapping is never written: no output file, nor the per-document cache, holds an original
    for path in (p for p in (tmp_path / "clean").rglob("*") if p.is_file()):
        assert b"Priya" not in path.read_bytes(), path


def test_tag_mode_stays_an_option():
    config = CleanConfig(pii=PiiConfig(replacement="tag"))
    doc = _email("m3", "Please call me on +49 30 1234567, thanks a lot for the help.", Mailbox(address="x@mail.test"), [])
    assert "<PHONE>" in clean_document(doc, config).document.text


def test_surrogates_are_the_same_when_shards_clean_in_threads():
    """Prefect's default task runner and Dask's threads clean shards side by side: a Faker shared between
    threads interleaved two shards' seeds and draws, and the flow published another version than map."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    def draw(i: int) -> str:
        return Surrogates(f"thread:{i}", "en", "salt").person("Jeff Skilling") + Surrogates(f"thread:{i}").email("jeff.skilling@enron.com")

    expected = [draw(i) for i in range(200)]
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: an interleaving, if one can happen, happens
    try:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(draw, list(range(200)) * 4))
    finally:
        sys.setswitchinterval(previous)
    assert [g for i, g in enumerate(got) if g != expected[i % 200]] == []


def test_the_locale_is_detected_only_when_a_surrogate_is_drawn():
    """A document without personal data never pays for language detection; one with it gets its locale's names."""
    asked: list[str] = []

    def german() -> str:
        asked.append("de")
        return "de"

    plain = Surrogates("thread:1", german, known_names=["Jane Doe"])
    assert redact("Press the button for ten seconds.", PiiConfig(), known_names=["Jane Doe"], replace=plain).text.startswith("Press")
    assert asked == []
    named = Surrogates("thread:1", german, known_names=["Jane Doe"])
    out = redact("Regards, Jane Doe", PiiConfig(), known_names=["Jane Doe"], replace=named).text
    assert asked == ["de"] and named.locale == "de_DE"
    assert out == redact("Regards, Jane Doe", PiiConfig(), known_names=["Jane Doe"], replace=Surrogates("thread:1", "de", known_names=["Jane Doe"])).text
