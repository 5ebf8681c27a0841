"""What a reader yields per input unit: a Document, a Quarantined unit with its reason, or a Dropped one."""

from __future__ import annotations

from dataclasses import dataclass

from schemas import Document, SourceRef


@dataclass(frozen=True)
class Quarantined:
    """An input unit that could not be read; it ends in the ledger, never in silence."""

    source: SourceRef
    reason: str
    detail: str

    @property
    def unit_id(self) -> str:
        from schemas import stable_id

        return stable_id("d", self.source.source_kind, self.source.path, self.source.locator)


@dataclass(frozen=True)
class Dropped(Quarantined):
    """An input unit read without error that holds nothing to learn from (a manual's navigation page)."""


UnitResult = Document | Quarantined  # a Dropped unit is a Quarantined one with another outcome


# Reason codes a reader may quarantine with. Tests assert these exact codes.
QUARANTINE_REASONS = {
    "empty_file": "the file has no bytes",
    "file_too_large": "the file is larger than ingest.max_file_mb",
    "binary_content": "the bytes are not text (NUL bytes or mostly control characters)",
    "unsupported_format": "no reader for this file type",
    "undecodable_text": "the text cannot be decoded in its declared charset, UTF-8 or Windows-1252",
    "malformed_mime": "the message has neither readable headers nor a readable body",
    "truncated_message": "the MIME structure ends before its parts do, and no text survived (even with the boundary read from the body)",
    "pdf_unreadable": "the PDF cannot be opened",
    "pdf_encrypted": "the PDF is encrypted with a password",
    "pdf_page_unreadable": "text extraction failed on this page",
    "csv_missing_columns": "the CSV has none of the configured ticket layouts' required columns",
    "malformed_row": "the CSV row has more or fewer fields than the header, or cannot be parsed",
    "duplicate_ticket_id": "a second ticket under an id the export already used (both rows are named; the first is kept)",
    "json_invalid": "the JSON (or JSON Lines line) does not parse",
    "unknown_ticket_layout": "the JSON records match no configured ticket mapping",
    "missing_field": "a required field (ticket id or description) is absent from the record",
    "no_content": "the file parsed but holds no section, page, message or row",
    "reader_error": "the reader failed unexpectedly on this file (a bug to report; the run went on)",
}
