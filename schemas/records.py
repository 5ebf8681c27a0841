"""Data contracts shared by every stage: SourceRef, Document, Example and the ledger row.

The models are frozen and reject unknown fields, so a typo in a producer fails loudly at the
stage boundary instead of travelling silently into a training file.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1"

SourceKind = Literal["email", "manual", "ticket"]
Outcome = Literal["kept", "dropped", "quarantined"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def stable_id(prefix: str, *parts: str) -> str:
    """A short, stable id: the same parts always give the same id, on any machine."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}_{digest[:16]}"


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class SourceRef(_Record):
    """Where a unit came from: enough to find it again in the user's export."""

    source_kind: SourceKind
    path: str = Field(description="path relative to the source root it was ingested from")
    locator: str = Field(description="Message-ID, 'page:N' / 'section:<anchor>', or ticket id / row number")
    sha256: str = Field(description="sha256 of the unit's raw content")


class Mailbox(_Record):
    name: str = ""
    address: str = ""


class Attachment(_Record):
    filename: str
    content_type: str
    size_bytes: int


class EmailMeta(_Record):
    kind: Literal["email"] = "email"
    message_id: str
    in_reply_to: str | None = None
    references: list[str] = []
    subject: str = ""
    sender: Mailbox = Mailbox()
    recipients: list[Mailbox] = []
    charset: str | None = None
    has_html: bool = False
    attachments: list[Attachment] = []
    auto_submitted: str | None = Field(default=None, description="Auto-Submitted / X-Autoreply / Precedence: auto_reply value")
    list_mail: str | None = Field(default=None, description="List-Id or Precedence: bulk/list/junk: it came through a list or relay")
    is_delivery_report: bool = False
    mime_repair: str | None = Field(default=None, description="how a broken MIME structure was read (a flag, the text is whole)")
    mailbox_folder: str | None = Field(default=None, description="mbox file or Maildir folder it was filed in")
    body_digest: str | None = Field(default=None, description="sha256 of the body as written, before redaction (set by clean): "
                                    "copies of one message share it although their surrogates differ per thread")


class ManualMeta(_Record):
    kind: Literal["manual"] = "manual"
    manual: str = Field(description="the manual's title (or file name when it has none)")
    heading_path: list[str] = []
    page: int | None = None
    format: Literal["markdown", "html", "pdf", "text"]


class TicketComment(_Record):
    author_name: str = ""
    author_email: str = ""
    author_role: Literal["customer", "agent", "unknown"] = "unknown"
    public: bool = True
    body: str
    created_at: datetime | None = None


class TicketMeta(_Record):
    kind: Literal["ticket"] = "ticket"
    ticket_id: str
    subject: str = ""
    status: str = ""
    priority: str = ""
    channel: str = ""
    product: str = ""
    requester: Mailbox = Mailbox()
    agents: list[Mailbox] = []
    resolution: str = ""
    comments: list[TicketComment] = []
    tags: list[str] = []


DocumentMeta = Annotated[EmailMeta | ManualMeta | TicketMeta, Field(discriminator="kind")]


class Document(_Record):
    """One message, manual section or ticket, as read; nothing cleaned yet."""

    id: str
    source: SourceRef
    group_key: str = Field(description="thread, ticket or manual this unit belongs to")
    created_at: datetime | None = None
    title: str = ""
    text: str
    meta: DocumentMeta


MAX_MESSAGE_CHARS = 100_000


class Message(_Record):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=MAX_MESSAGE_CHARS)


class Example(_Record):
    """A training record in the canonical chat format (model transforms live in train/)."""

    id: str = Field(pattern=r"^ex_[0-9a-f]{16}$")
    messages: list[Message] = Field(min_length=1)
    kind: Literal["conversation", "instruction", "passage"]
    source_kind: SourceKind
    source_document_ids: list[str] = Field(min_length=1)
    group_key: str
    language: str = Field(default="", description="ISO 639-1 code of the example's text (py3langid); part of the dedup key")
    template: str = Field(default="", description="how a knowledge question was made (howto, symptom, spec, meaning, about, more)")
    split: Literal["train", "validation", "test"] | None = None
    context_turns: int = Field(default=0, ge=0, description="leading non-system turns that are history from an earlier window of the "
                                                             "same conversation: shown to the model, not trained on (0: none)")

    @model_validator(mode="after")
    def _chat_rules(self) -> "Example":
        """Non-empty turns; system only first; user and assistant alternate; an assistant turn ends it."""
        roles = [m.role for m in self.messages]
        if any(not m.content.strip() for m in self.messages):
            raise ValueError("messages: every message needs non-empty content")
        if "system" in roles[1:]:
            raise ValueError("messages: a system message may only come first")
        turns = roles[1:] if roles[0] == "system" else roles
        if not turns or turns[-1] != "assistant":
            raise ValueError("messages: the last turn must be the assistant's")
        if any(a == b for a, b in zip(turns, turns[1:])):
            raise ValueError("messages: user and assistant turns must alternate")
        if self.kind != "passage" and turns[0] != "user":
            raise ValueError(f"messages: a {self.kind} starts with a user turn")
        if self.context_turns and (self.context_turns % 2 or self.context_turns >= len(turns)):
            raise ValueError(f"context_turns: {self.context_turns} must be whole exchanges before the last one ({len(turns)} turns)")
        return self


class LedgerRow(_Record):
    """One terminal (or intermediate) outcome of one input unit at one stage."""

    unit_id: str
    stage: str
    outcome: Outcome
    reason: str = Field(default="", description="reason code for dropped / quarantined, e.g. 'malformed_mime'")
    detail: str = ""
    source_kind: SourceKind
    path: str
    locator: str
    record_id: str = Field(default="", description="the Document / Example id a kept unit became")
