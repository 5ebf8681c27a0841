"""An e-mail through the product's own path: the ingest reader (MIME, charset, HTML rendering), then
the clean step's per-document function (quotes, signatures, disclaimers stripped; PII left alone
so texts compare verbatim)."""

from __future__ import annotations

from email.message import EmailMessage

from curation.clean.config import CleanConfig
from curation.clean.pipeline import clean_document
from curation.ingest.emails import parse_message
from schemas import Document

CONFIG = CleanConfig(pii={"types": []})


def cleaned_body(raw: bytes, config: CleanConfig = CONFIG) -> str:
    """The text the clean step keeps of one raw message."""
    doc = parse_message(raw, "mail/m.eml", fallback_locator="file")
    assert isinstance(doc, Document), f"ingest quarantined the message: {doc}"
    return clean_document(doc, config).document.text


def html_message(html: str, *, sender: str = "Jane Roe <jane@example.org>", plain: str | None = None) -> bytes:
    """A message whose body is this HTML (with a text/plain alternative when `plain` is given)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, "support@nordlicht.example", "Re: help", "<m1@example.org>"
    if plain is None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(plain)
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def text_message(body: str, *, sender: str = "Jane Roe <jane@example.org>") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, "support@nordlicht.example", "Re: help", "<m2@example.org>"
    msg.set_content(body)
    return msg.as_bytes()
