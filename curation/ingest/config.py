"""Configuration of the ingest step: size limits, e-mail folder names and ticket export layouts."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import Field

from curation.base import StepConfig

MAPPINGS_DIR = Path(__file__).resolve().parents[1] / "mappings"


class CommentMapping(StepConfig):
    """Where a ticket's comments are, and how to read one (JSON layouts only)."""

    path: str = "comments"
    body: str = "body"
    public: str | None = "public"
    author_name: str | None = "author.name"
    author_email: str | None = "author.email"
    author_role: str | None = "author.role"
    agent_roles: list[str] = ["agent", "admin"]
    created_at: str | None = "created_at"


class TicketMapping(StepConfig):
    """Column (CSV) or dotted field (JSON) names of one ticket export layout."""

    name: str
    records_path: str | None = Field(default=None, description="JSON: key holding the list of tickets")
    ticket_id: str | None = Field(default=None, description="null: the export has no id column; a ticket's id is its row number")
    description: str
    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    channel: str | None = None
    product: str | None = None
    created_at: str | None = None
    requester_name: str | None = None
    requester_email: str | None = None
    agent_name: str | None = None
    agent_email: str | None = None
    resolution: str | None = None
    tags: str | None = None
    comments: CommentMapping | None = None
    parent_id: str | None = Field(default=None, description="rows that are messages of a conversation tree")
    author_is_customer: str | None = Field(default=None, description="boolean column: the row's author is the customer")

    def required_fields(self) -> list[str]:
        return [f for f in (self.ticket_id, self.description) if f]

    @classmethod
    def load(cls, name_or_path: str) -> "TicketMapping":
        path = Path(name_or_path)
        if not path.suffix:
            path = MAPPINGS_DIR / f"{name_or_path}.yaml"
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


class IngestConfig(StepConfig):
    max_file_mb: float = Field(default=64.0, gt=0, description="larger files are quarantined as file_too_large")
    ticket_mappings: list[str] = Field(
        default=["kaggle", "zendesk", "twcs"],
        description="mapping names shipped in curation/mappings, or YAML paths; the first that fits a file wins",
    )
    email_dirs: list[str] = Field(
        default=["emails", "email", "mail", "maildir", "mbox", "inbox"],
        description="folder names whose extension-less files are read as email messages",
    )

    repository_files: list[str] = Field(
        default=["README*", "CONTRIBUTING*", "CHANGELOG*", "CHANGES*", "CODE_OF_CONDUCT*", "LICENSE*", "LICENCE*", "SECURITY*"],
        description="file-name globs (any case) of a documentation repository's own files among the manuals (a README that says "
                    "'This repository contains the source of the manual', how to send a pull request): dropped as repository_file, "
                    "since they describe the repository, not the product; [] reads them as manuals")

    ticket_layouts: dict[str, str] = Field(
        default={},
        description="glob on the file's path as the ledger shows it (source folder first: 'tickets/twitter/*.csv') -> mapping "
                    "name or YAML path: matching files are read "
                    "with that mapping only; other files take the first of ticket_mappings whose fields they have")

    def repository_file(self, name: str) -> str | None:
        """The repository_files glob a manual's file name matches (any case), else None."""
        from fnmatch import fnmatch

        return next((glob for glob in self.repository_files if fnmatch(name.lower(), glob.lower())), None)

    def mappings(self) -> list[TicketMapping]:
        return [TicketMapping.load(name) for name in self.ticket_mappings]

    def bound_mapping(self, relpath: str) -> TicketMapping | None:
        """The mapping ticket_layouts binds to this file, if any (the first glob that matches)."""
        from fnmatch import fnmatch

        name = next((mapping for glob, mapping in self.ticket_layouts.items() if fnmatch(relpath, glob)), None)
        return TicketMapping.load(name) if name else None
