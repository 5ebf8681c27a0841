from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from curation.clean.config import CleanConfig
from curation.clean.pii import PiiConfig
from curation.clean.pipeline import DROP_REASONS, clean, clean_document
from curation.ingest import ingest
from schemas import Document, EmailMeta, Mailbox, SourceRef, TicketComment, TicketMeta

CONFIG = CleanConfig(pii=PiiConfig(replacement="tag"))  # typed placeholders: exact expected texts


def _email(text: str, **meta) -> Document:
    meta.setdefault("message_id", "<m@x>")
    meta.setdefault("sender", Mailbox(name="Jane Roe", address="jane@example.org"))
    return Document(
        id="d_e", source=SourceRef(source_kind="email", path="emails/x.eml", locator="<m@x>", sha256="0"),
        group_key="thread:1", created_at=datetime(2025, 3, 3, tzinfo=timezone.utc), text=text, meta=EmailMeta(**meta),
    )


def test_email_is_stripped_redacted_and_kept():
    text = (
        "Hi, my A-45 SuperWidget froze. Call me on +49 30 1234567 or write to jane.roe@example.org.\n\n"
        "Jane Roe\n\nOn Mon, 3 Mar 2025 at 10:12, Support <support@nordlicht.example> wrote:\n> How can we help?\n"
    )
    result = clean_document(_email(text), CONFIG)
    assert result.kept, result.reason
    assert result.document.text == "Hi, my A-45 SuperWidget froze. Call me on <PHONE> or write to <EMAIL>."
    assert result.pii_counts == {"PHONE": 1, "EMAIL": 1}


def test_auto_replies_bounces_and_filters_have_their_own_reasons():
    def reason(doc):
        return clean_document(doc, CONFIG).reason

    long_en = "The blue button on the back resets the widget when held down for ten seconds. " * 2
    assert reason(_email(long_en, auto_submitted="auto-replied")) == "auto_reply"
    assert reason(_email(long_en, subject="Out of Office: back Monday")) == "auto_reply"
    assert reason(_email(long_en, is_delivery_report=True)) == "bounce"
    assert reason(_email("> only a quote\n> nothing new")) == "empty_after_cleaning"
    assert reason(_email("Thanks!")) == "too_short"
    assert reason(_email("x " * 15_000)) == "too_long"
    german = "Guten Tag, mein Gerät lässt sich nach dem letzten Update nicht mehr einschalten. Was kann ich tun? Vielen Dank für Ihre Hilfe."
    assert reason(_email(german)) == "wrong_language"
    assert reason(_email("Click here to unsubscribe from all of our mailings today. " * 15)) == "boilerplate"
    assert set(DROP_REASONS) >= {"auto_reply", "bounce", "empty_after_cleaning", "too_short", "too_long", "wrong_language", "boilerplate"}


def test_ticket_internal_notes_never_survive_and_names_are_redacted():
    doc = Document(
        id="d_t", source=SourceRef(source_kind="ticket", path="tickets/z.json", locator="5", sha256="0"), group_key="ticket:5",
        text="Hello, I am Kim Berg and my E-3 SmartTag does not pair with the app any more.",
        meta=TicketMeta(ticket_id="5", requester=Mailbox(name="Kim Berg", address="kim@example.org"), agents=[Mailbox(name="Ole Sand")],
                        comments=[TicketComment(author_role="agent", public=False, body="internal: refund code RX-1"),
                                  TicketComment(author_role="agent", body="Hi Kim, hold the tag on the hub. Ole Sand")]),
    )
    result = clean_document(doc, CONFIG)
    assert result.kept and result.internal_notes_removed == 1
    assert result.document.text == "Hello, I am <PERSON> and my E-3 SmartTag does not pair with the app any more."
    assert [c.body for c in result.document.meta.comments] == ["Hi <PERSON>, hold the tag on the hub. <PERSON>"]


def test_clean_writes_a_ledger_row_per_document(tmp_path: Path):
    src = tmp_path / "manuals"
    src.mkdir()
    (src / "m.md").write_text("# Manual\n\nThis manual explains how to reset the device with the blue button.\n\n## Tiny\n\nok\n")
    ingest([src], tmp_path / "ingest", progress=False)
    summary = clean(tmp_path / "ingest" / "documents.parquet", tmp_path / "clean")
    ledger = pl.read_parquet(tmp_path / "clean" / "ledger.parquet")
    assert ledger.height == 2 and summary.kept["manual"] == 1 and summary.dropped["manual"] == {"too_short": 1}
    assert pl.read_parquet(tmp_path / "clean" / "documents.parquet").height == 1


def test_a_new_message_that_names_a_person_recleans_the_rest_of_its_thread_only(tmp_path: Path, monkeypatch):
    """The names a thread's headers carry are redacted in all its messages: a reply from someone the thread
    only mentioned so far makes clean redact them in the earlier messages too, also in another shard, while
    every other thread is taken from the cache and its names are not read at all."""
    from curation.clean import pipeline
    from schemas.frames import DOCUMENT_SCHEMA, document_row

    read_names: list[str] = []  # the documents whose header names were read, by id
    real = pipeline.thread_names

    def thread_names(documents, *args, **kwargs):
        documents = list(documents)
        read_names.extend(d.id for d in documents)
        return real(documents, *args, **kwargs)

    monkeypatch.setattr(pipeline, "thread_names", thread_names)

    def mail(i: int, thread: int, sender: Mailbox, text: str) -> Document:
        return Document(
            id=f"d_{thread}_{i}", source=SourceRef(source_kind="email", path=f"emails/{thread}_{i}.eml", locator=f"<{thread}.{i}@x>", sha256="0"),
            group_key=f"thread:{thread}", created_at=datetime(2025, 3, 3, i, tzinfo=timezone.utc),
            text=text, meta=EmailMeta(message_id=f"<{thread}.{i}@x>", sender=sender, subject="Pump"),
        )

    customer = Mailbox(name="Jane Roe", address="jane@example.org")
    others = [mail(0, t, Mailbox(name="Ola Nordmann", address=f"ola{t}@example.net"), f"Thread {t}: the pump hums at night.") for t in range(2, 6)]
    first = [mail(0, 1, customer, "Hello, my neighbour Bruno Ferreira says the pump hums. He will write too.")]
    reply = [mail(1, 1, Mailbox(name="Bruno Ferreira", address="bf@example.com"), "It hums at 3 am every night.")]

    def run(docs: list[Document]) -> tuple[dict, pl.DataFrame]:
        source = tmp_path / "documents.parquet"
        pl.DataFrame([document_row(d) for d in docs], schema=DOCUMENT_SCHEMA).write_parquet(source)
        summary = clean(source, tmp_path / "clean", CONFIG, shard_size=1)  # every document its own shard
        return summary.cache, pl.read_parquet(tmp_path / "clean" / "documents.parquet")

    cache, before = run(first + others)
    assert cache["computed"] == 5
    assert "Bruno Ferreira" in before.filter(pl.col("id") == "d_1_0")["text"].item(), "no header names him yet"
    read_names.clear()
    cache, after = run(first + reply + others)
    assert cache["computed"] == 2, "the new reply and the message of its thread, no other"
    assert sorted(read_names) == ["d_1_0", "d_1_0", "d_1_1", "d_1_1"], "each of the two shards reads its thread's names, no other thread's"
    assert "Bruno Ferreira" not in after.filter(pl.col("id") == "d_1_0")["text"].item()
    assert after.filter(pl.col("id") != "d_1_0").drop("pii_counts").equals(
        run(first + reply + others)[1].filter(pl.col("id") != "d_1_0").drop("pii_counts")), "a third run changes nothing"
