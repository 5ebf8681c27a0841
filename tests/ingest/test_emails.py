from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import pytest

import polars as pl

from curation.ingest import ingest
from curation.ingest.emails import parse_message, split_mbox
from tests.ingest.helpers import documents, quarantined, read_all


def _message(subject: str, body: str, *, msgid: str, sender="Jane Roe <jane@example.org>", reply_to=None, refs=None, html=None, charset=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Support <support@nordlicht.example>"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg["Date"] = "Mon, 03 Mar 2025 10:12:00 +0100"
    if reply_to:
        msg["In-Reply-To"] = reply_to
    if refs:
        msg["References"] = " ".join(refs)
    if charset:
        msg.set_content(body, charset=charset, cte="quoted-printable")
    else:
        msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    return bytes(msg)


def test_eml_with_alternative_parts_prefers_plain_text_and_keeps_metadata():
    raw = _message("Reset", "Plain body", msgid="<m1@example.org>", html="<p>HTML <b>body</b></p>")
    doc = parse_message(raw, "emails/a.eml", fallback_locator="file")
    assert doc.text.strip() == "Plain body"
    assert doc.source.locator == "<m1@example.org>"
    assert doc.meta.has_html and doc.meta.sender.address == "jane@example.org"
    assert doc.meta.sender.name == "Jane Roe"
    assert doc.created_at.isoformat() == "2025-03-03T09:12:00+00:00"


def test_html_only_message_is_converted_to_text():
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Message-ID"] = "<h@example.org>"
    msg.set_content("<html><body><p>Hello</p><ul><li>one</li><li>two</li></ul></body></html>", subtype="html")
    doc = parse_message(bytes(msg), "x.eml", fallback_locator="file")
    assert doc.text == "Hello\n\n- one\n- two"


def test_non_utf8_charset_is_decoded():
    raw = _message("Grüße", "Jürgen Müller schreibt: Grüße aus Köln", msgid="<l1@example.org>", charset="iso-8859-1")
    assert b"=FC" in raw  # really quoted-printable latin-1 on the wire
    doc = parse_message(raw, "x.eml", fallback_locator="file")
    assert "Jürgen Müller" in doc.text and doc.meta.charset == "iso-8859-1"
    assert doc.title == "Grüße"


def test_attachments_are_recorded_not_read_as_text():
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Message-ID"] = "<att@example.org>"
    msg.set_content("see attached")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    msg.add_attachment("a,b\n1,2\n", subtype="csv", filename="log.csv")
    doc = parse_message(bytes(msg), "x.eml", fallback_locator="file")
    assert doc.text.strip() == "see attached"
    assert [a.filename for a in doc.meta.attachments] == ["invoice.pdf", "log.csv"]


def test_mbox_split_unescapes_mboxrd_and_honours_content_length():
    body = b"line one\nFrom here on the body has a From line\n"
    raw = (
        b"From alice@example.org Mon Mar  3 10:00:00 2025\n"
        b"From: alice@example.org\nMessage-ID: <a@x>\nContent-Length: " + str(len(body)).encode() + b"\n\n" + body +
        b"From bob@example.org Mon Mar  3 11:00:00 2025\n"
        b"From: bob@example.org\nMessage-ID: <b@x>\n\n>From the escaped line\nbye\n"
    )
    messages = list(split_mbox(io.BytesIO(raw)))
    assert len(messages) == 2
    assert b"From here on the body" in messages[0]
    assert b"\nFrom the escaped line" in messages[1]


def test_mbox_content_length_protects_unescaped_from_lines_with_weekday():
    body = b"quoted:\nFrom bob Mon Mar  3 11:00:00 2025\nstill the same message\n"
    raw = (
        b"From alice Mon Mar  3 10:00:00 2025\nFrom: a@x\nMessage-ID: <a@x>\nContent-Length: " + str(len(body)).encode() + b"\n\n" + body
        + b"From carol Mon Mar  3 12:00:00 2025\nFrom: c@x\nMessage-ID: <c@x>\n\nthird\n"
    )
    assert len(list(split_mbox(io.BytesIO(raw)))) == 2


def test_threads_from_references_and_subject_fallback(tmp_path: Path):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "1.eml").write_bytes(_message("Reset A-45", "How do I reset it?", msgid="<r1@x>"))
    (folder / "2.eml").write_bytes(_message("Re: Reset A-45", "Hold the blue button", msgid="<r2@x>", reply_to="<r1@x>", refs=["<r1@x>"]))
    (folder / "3.eml").write_bytes(_message("Re: Reset A-45", "thanks", msgid="<r3@x>", reply_to="<r2@x>", refs=["<r1@x>", "<r2@x>"]))
    (folder / "4.eml").write_bytes(_message("RE: reset a-45", "no headers, same subject", msgid="<r4@x>"))
    (folder / "5.eml").write_bytes(_message("Pairing the B-12", "another thread", msgid="<p1@x>"))
    ingest([folder], tmp_path / "out", progress=False)
    docs = pl.read_parquet(tmp_path / "out" / "documents.parquet").sort("locator")
    keys = dict(zip(docs["locator"], docs["group_key"]))
    assert keys["<r1@x>"] == keys["<r2@x>"] == keys["<r3@x>"] == keys["<r4@x>"]
    assert keys["<p1@x>"] != keys["<r1@x>"]


def test_the_subject_fallback_joins_only_correspondents_within_a_month(tmp_path: Path):
    """Different customers asking "Problem with my PowerDock" are different threads (at 10k units the
    sample's subject fallback had glued 44 customers into one 163-message thread)."""
    folder = tmp_path / "emails"
    folder.mkdir()
    support = "Support <support@nordlicht.example>"

    def mail(name: str, subject: str, msgid: str, sender: str, to: str, date: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"], msg["Message-ID"], msg["Date"] = sender, to, subject, msgid, date
        msg.set_content(f"body of {msgid}")
        (folder / name).write_bytes(msg.as_bytes())

    mail("1.eml", "Problem with my PowerDock", "<a1@x>", "Ann <ann@example.org>", support, "Mon, 03 Mar 2025 10:00:00 +0000")
    mail("2.eml", "RE: Problem with my PowerDock", "<a2@x>", support, "Ann <ann@example.org>", "Mon, 03 Mar 2025 12:00:00 +0000")
    mail("3.eml", "Problem with my PowerDock", "<b1@x>", "Bob <bob@example.net>", support, "Tue, 04 Mar 2025 09:00:00 +0000")
    mail("4.eml", "RE: Problem with my PowerDock", "<a3@x>", "Ann <ann@example.org>", support, "Wed, 05 Mar 2025 08:00:00 +0000")
    mail("5.eml", "Problem with my PowerDock", "<a4@x>", "Ann <ann@example.org>", support, "Mon, 02 Jun 2025 08:00:00 +0000")
    ingest([folder], tmp_path / "out", progress=False)
    docs = pl.read_parquet(tmp_path / "out" / "documents.parquet")
    keys = dict(zip(docs["locator"], docs["group_key"]))
    assert keys["<a1@x>"] == keys["<a2@x>"] == keys["<a3@x>"], "a reply and a follow-up between the same people join"
    assert keys["<b1@x>"] != keys["<a1@x>"], "another customer with the same subject is another thread"
    assert keys["<a4@x>"] != keys["<a1@x>"], "three months later the same subject starts a new thread"


def test_bad_messages_are_quarantined_with_specific_reasons(tmp_path: Path):
    folder = tmp_path / "emails"
    folder.mkdir()
    (folder / "empty.eml").write_bytes(b"")
    (folder / "junk.eml").write_bytes(bytes(range(256)) * 64)
    (folder / "truncated.eml").write_bytes(
        b"From: a@x\nMessage-ID: <t@x>\nContent-Type: multipart/mixed; boundary=\"XYZ\"\n\n"
    )
    (folder / "ok.eml").write_bytes(_message("fine", "fine body", msgid="<ok@x>"))
    units = read_all(folder)
    reasons = {Path(q.source.path).name: q.reason for q in quarantined(units)}
    assert reasons == {"empty.eml": "empty_file", "junk.eml": "binary_content", "truncated.eml": "truncated_message"}
    assert [d.source.locator for d in documents(units)] == ["<ok@x>"]


def test_auto_replies_and_bounces_are_flagged():
    auto = _message("Out of Office: Reset", "I am away", msgid="<o@x>").replace(b"Subject:", b"Auto-Submitted: auto-replied\nSubject:", 1)
    assert parse_message(auto, "x.eml", fallback_locator="f").meta.auto_submitted == "auto-replied"
    bounce = (
        b"From: MAILER-DAEMON@mx.example.org\nMessage-ID: <b@x>\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
        b"--B\nContent-Type: text/plain\n\nDelivery failed\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; x@y\nAction: failed\nStatus: 5.1.1\n--B--\n"
    )
    doc = parse_message(bounce, "x.eml", fallback_locator="f")
    assert doc.meta.is_delivery_report and doc.text.strip() == "Delivery failed"


def test_duplicate_message_ids_in_one_mbox_get_unique_units(tmp_path: Path):
    one = b"From a Mon Mar  3 10:00:00 2025\nFrom: a@x\nMessage-ID: <same@x>\n\nbody one\n"
    two = b"From a Mon Mar  3 10:00:00 2025\nFrom: a@x\nMessage-ID: <same@x>\n\nbody two\n"
    (tmp_path / "box.mbox").write_bytes(one + two)
    units = read_all(tmp_path / "box.mbox")
    assert [u.source.locator for u in units] == ["<same@x>", "<same@x>#2"]
    assert len({u.id for u in units}) == 2


@pytest.mark.parametrize("declared, text, encoding", [
    ("gb2312", "你好，我的设备坏了。镕", "gb18030"),  # 镕 is GBK, not GB2312: the label under-declares
    ("ks_c_5601-1987", "안녕하세요, 도움이 필요합니다", "cp949"),
    ("shift_jis", "お世話になります。①の手順で", "cp932"),  # ① is a Microsoft extension of Shift_JIS
    ("iso-8859-1", "Thanks \u2013 it works \u201cnow\u201d", "cp1252"),  # Windows quotes in "Latin-1" mail
])
def test_declared_charsets_are_read_as_their_supersets(tmp_path: Path, declared: str, text: str, encoding: str):
    from curation.ingest.emails import parse_message

    raw = (f"From: a@example.org\nTo: support@nordlicht.example\nSubject: help\nMessage-ID: <c1@x>\n"
           f"MIME-Version: 1.0\nContent-Type: text/plain; charset={declared}\nContent-Transfer-Encoding: 8bit\n\n").encode() + text.encode(encoding)
    doc = parse_message(raw, "mail/c.eml", fallback_locator="file")
    assert getattr(doc, "reason", None) is None, doc
    assert doc.text.strip() == text


def test_list_mail_is_marked_not_taken_for_an_auto_reply(tmp_path: Path):
    from curation.clean.config import CleanConfig
    from curation.clean.pipeline import clean_document
    from curation.ingest.emails import parse_message

    raw = (b"From: Ann <ann@example.org>\nTo: help@lists.example.org\nSubject: A-45 keeps rebooting\nMessage-ID: <l1@x>\n"
           b"Precedence: bulk\nList-Id: <help.lists.example.org>\n\nMy A-45 reboots every hour since the update, what can I do?\n")
    doc = parse_message(raw, "mail/l.eml", fallback_locator="file")
    assert doc.meta.auto_submitted is None and doc.meta.list_mail == "list-id: <help.lists.example.org>"
    assert clean_document(doc, CleanConfig()).kept, "kept by default"
    dropped = clean_document(doc, CleanConfig(drop_mailing_lists=True))
    assert (dropped.reason, dropped.detail) == ("mailing_list", "list-id: <help.lists.example.org>")
    vacation = raw.replace(b"Precedence: bulk\n", b"Auto-Submitted: auto-replied\n")
    assert clean_document(parse_message(vacation, "mail/v.eml", fallback_locator="file"), CleanConfig()).reason == "auto_reply"


def test_a_multipart_whose_boundary_is_wrong_is_read_from_the_body_and_flagged():
    from curation.ingest.emails import parse_message

    raw = (b"From: a@example.org\r\nTo: support@nordlicht.example\r\nSubject: help\r\nMessage-ID: <b1@x>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/alternative;\r\n\tboundary="--=_Declared"\r\n\r\n'
           b"----=_Actual\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMy A-45 froze after the update, what now?\r\n"
           b"----=_Actual\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>My A-45 froze after the update, what now?</p>\r\n")
    doc = parse_message(raw, "mail/b.eml", fallback_locator="file")
    assert getattr(doc, "reason", None) is None, doc
    assert doc.text.strip() == "My A-45 froze after the update, what now?"
    assert doc.meta.mime_repair.startswith("multipart boundary recovered from the body")


def test_a_multipart_header_over_no_body_says_so():
    from curation.ingest.emails import parse_message

    raw = (b"From: a@example.org\r\nSubject: hi\r\nMessage-ID: <e1@x>\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="----=_Part"\r\n\r\n')
    result = parse_message(raw, "mail/e.eml", fallback_locator="file")
    assert result.reason == "truncated_message" and result.detail.endswith("; the message ends after its headers")
