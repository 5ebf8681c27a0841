"""Data contracts (see ARCHITECTURE.md): every stage reads and writes these."""

from schemas.records import (
    SCHEMA_VERSION,
    Attachment,
    Document,
    EmailMeta,
    Example,
    LedgerRow,
    Mailbox,
    ManualMeta,
    Message,
    SourceKind,
    SourceRef,
    TicketComment,
    TicketMeta,
    sha256_hex,
    stable_id,
)

__all__ = [
    "SCHEMA_VERSION",
    "Attachment",
    "Document",
    "EmailMeta",
    "Example",
    "LedgerRow",
    "Mailbox",
    "ManualMeta",
    "Message",
    "SourceKind",
    "SourceRef",
    "TicketComment",
    "TicketMeta",
    "sha256_hex",
    "stable_id",
]
