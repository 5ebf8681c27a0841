"""Clean: documents.parquet -> cleaned documents.parquet + ledger rows (stage "clean").

Per document: drop auto-replies and bounces; repair unicode; strip quoted replies, signatures and
disclaimers from emails; keep only public ticket comments; replace PII with surrogates (or typed
placeholders); apply the quality filters. Each drop carries its reason code; PII counts per type are stats.

The people a thread's headers name (From, To, Cc, Reply-To display names; a ticket's requester and
comment authors) are redacted in every document of that thread, so a name stays hidden in a reply
that quotes it and in every copy of a message alike.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from curation.clean.email_body import strip_reply
from curation.clean.normalize import markdown_to_text, normalise_whitespace, repair_unicode
from curation.clean.config import CleanConfig
from curation.clean.pii import PiiConfig, names_from_meta, names_in_text, redact
from curation.clean.quality import detect_language, quality_verdict
from curation.clean.surrogates import Surrogates
from schemas import Document, TicketComment
from schemas.frames import DOCUMENT_SCHEMA, LEDGER_SCHEMA, document_row, read_documents

STAGE = "clean"
CLEAN_SCHEMA = pl.Schema({**DOCUMENT_SCHEMA, "pii_counts": pl.String})

DROP_REASONS = {
    "auto_reply": "an auto-reply / out-of-office message",
    "navigation": "a manual's table of contents, index or navigation page (where to look, not what it says)",
    "mailing_list": "list mail (List-Id, Precedence: bulk/list/junk), dropped because clean.drop_mailing_lists is on",
    "bounce": "a delivery-status notification (bounce)",
    "empty_after_cleaning": "nothing left after quotes, signatures and boilerplate were removed",
    "too_short": "fewer words than quality.min_words",
    "too_long": "more characters than quality.max_chars",
    "wrong_language": "a language outside quality.allowed_languages",
    "boilerplate": "repetition heuristics above their thresholds",
}


@dataclass
class CleanResult:
    document: Document
    reason: str = ""
    detail: str = ""
    pii_counts: Counter = field(default_factory=Counter)
    internal_notes_removed: int = 0

    @property
    def kept(self) -> bool:
        return not self.reason


@dataclass
class CleanSummary:
    inputs: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    dropped: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    pii: Counter = field(default_factory=Counter)
    internal_notes_removed: int = 0

    def as_dict(self) -> dict:
        return {
            "inputs": dict(self.inputs),
            "kept": dict(self.kept),
            "dropped": {kind: dict(sorted(c.items())) for kind, c in self.dropped.items()},
            "pii_redactions": dict(sorted(self.pii.items())),
            "internal_notes_removed": self.internal_notes_removed,
        }


def clean_text(text: str) -> str:
    return normalise_whitespace(repair_unicode(text))


def clean_document(doc: Document, config: CleanConfig, pii: PiiConfig | None = None, *, staff_domains: tuple[str, ...] = (),
                   thread_names: Iterable[str] = ()) -> CleanResult:
    """One document in, the cleaned document (or a drop reason) out. ``thread_names``: the names the
    headers of the document's whole thread carry (see :func:`thread_names`); its own are always added."""
    pii = pii or config.pii
    meta = doc.meta
    known_names = _names([*names_from_meta(meta, include_staff=config.redact_staff_names, staff_domains=staff_domains), *thread_names])
    replace = _replacement(doc, pii, known_names)
    if meta.kind == "email":
        subject = meta.subject.lower()
        if meta.is_delivery_report:  # bounces are usually auto-submitted too: check them first
            return CleanResult(doc, "bounce", f"from {meta.sender.address or 'unknown'}")
        if meta.auto_submitted or any(p in subject for p in config.auto_reply_subjects):
            return CleanResult(doc, "auto_reply", meta.auto_submitted or f"subject: {meta.subject}")
        if config.drop_mailing_lists and meta.list_mail:
            return CleanResult(doc, "mailing_list", meta.list_mail)
        text = repair_unicode(doc.text)
        if config.strip_quotes:
            text = strip_reply(text, sender_name=meta.sender.name or None).text
        redaction = redact(normalise_whitespace(text), pii, known_names=known_names, replace=replace)
        counts = Counter(redaction.counts)
        new_doc = doc.model_copy(update={"text": redaction.text, "title": clean_text(doc.title)})
        internal = 0
    elif meta.kind == "ticket":
        # a name one reply addresses ("Hi Miriam,") is redacted in every comment of the ticket
        names = _names([*known_names, *(name for c in meta.comments if c.public for name in names_in_text(c.body))])
        counts = Counter()

        def scrub(value: str, *, strip: bool = False) -> str:
            value = repair_unicode(value)
            if strip and config.strip_quotes:
                value = strip_reply(value).text
            result = redact(normalise_whitespace(value), pii, known_names=names, replace=replace)
            counts.update(result.counts)
            return result.text

        public = [c for c in meta.comments if c.public]
        internal = len(meta.comments) - len(public)
        comments = [TicketComment(**{**c.model_dump(), "body": scrub(c.body, strip=True)}) for c in public]
        new_meta = meta.model_copy(update={"comments": comments, "resolution": scrub(meta.resolution), "subject": scrub(meta.subject)})
        # The description is the customer's first message (Zendesk repeats it as the first comment):
        # cleaned like a comment, so the two stay comparable and the examples step can drop the copy.
        new_doc = doc.model_copy(update={"text": scrub(doc.text, strip=True), "title": new_meta.subject, "meta": new_meta})
    else:
        text = doc.text if meta.format != "markdown" else markdown_to_text(doc.text)
        redaction = redact(clean_text(text), pii, replace=replace, infer_names=False)
        counts = Counter(redaction.counts)
        new_doc = doc.model_copy(update={"text": redaction.text})
        internal = 0
    body = new_doc.text
    if meta.kind == "ticket" and not body.strip():
        body = "\n".join(c.body for c in new_doc.meta.comments if c.author_role != "agent")
    verdict = quality_verdict(body, config.quality, doc.source.source_kind)
    if verdict:
        return CleanResult(new_doc, *verdict, pii_counts=counts, internal_notes_removed=internal)
    return CleanResult(new_doc, pii_counts=counts, internal_notes_removed=internal)


def _replacement(doc: Document, pii: PiiConfig, known_names: list[str]) -> Callable[[str, str], str] | None:
    """Surrogates drawn in the document's language and seeded by its thread (group key); None: tags."""
    if pii.replacement == "tag":
        return None
    language, _ = detect_language(doc.text[:2000]) if doc.text.strip() else ("en", 0.0)
    return Surrogates(doc.group_key, language, pii.surrogate_salt, known_names=known_names)


def thread_names(documents: Iterable[Document], config: CleanConfig, staff_domains: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Group key (thread, ticket) -> every name any of its documents' headers carry."""
    names: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        if doc.meta.kind != "manual":
            names[doc.group_key].update(names_from_meta(doc.meta, include_staff=config.redact_staff_names, staff_domains=staff_domains))
    return {key: sorted(values) for key, values in names.items()}


_SPACE = re.compile(r"\s+")


def _names(values) -> list[str]:
    return sorted({_SPACE.sub(" ", v).strip() for v in values if v and "@" not in v and len(v.strip()) >= 3})


def clean(documents_path: Path, out_dir: Path, config: CleanConfig | None = None, *, keep_addresses: list[str] = (),
          keep_terms: list[str] = (), staff_domains: list[str] = ()) -> CleanSummary:
    """Clean every document of documents_path into out_dir/documents.parquet and out_dir/ledger.parquet."""
    config = config or CleanConfig()
    pii = config.pii.model_copy(update={
        "keep_addresses": sorted({*config.pii.keep_addresses, *keep_addresses}),
        "keep_terms": sorted({*config.pii.keep_terms, *keep_terms}),
    })
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = CleanSummary()
    rows: list[dict] = []
    ledger: list[dict] = []
    documents = list(read_documents(documents_path))
    names = thread_names(documents, config, tuple(staff_domains))
    for doc in documents:
        kind = doc.source.source_kind
        summary.inputs[kind] += 1
        result = clean_document(doc, config, pii, staff_domains=tuple(staff_domains), thread_names=names.get(doc.group_key, ()))
        summary.pii.update(result.pii_counts)
        summary.internal_notes_removed += result.internal_notes_removed
        ledger.append({
            "unit_id": doc.id, "stage": STAGE, "outcome": "kept" if result.kept else "dropped",
            "reason": result.reason, "detail": result.detail, "source_kind": kind,
            "path": doc.source.path, "locator": doc.source.locator, "record_id": doc.id if result.kept else "",
        })
        if result.kept:
            summary.kept[kind] += 1
            row = document_row(result.document)
            row["pii_counts"] = json.dumps(dict(sorted(result.pii_counts.items())))
            rows.append(row)
        else:
            summary.dropped[kind][result.reason] += 1
    pl.DataFrame(rows, schema=CLEAN_SCHEMA).write_parquet(out_dir / "documents.parquet")
    pl.DataFrame(ledger, schema=LEDGER_SCHEMA).write_parquet(out_dir / "ledger.parquet")
    (out_dir / "clean_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


__all__ = ["CLEAN_SCHEMA", "DROP_REASONS", "CleanConfig", "CleanResult", "CleanSummary", "clean", "clean_document"]
