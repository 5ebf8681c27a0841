"""The pipeline's one configuration file, validated once.

Flat, typed sections per step; unknown keys are an error; the defaults run the bundled sample
(``pipeline.yaml`` at the repository root spells them out).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError

from curation.base import StepConfig
from curation.clean.config import CleanConfig
from curation.dedup.config import DedupConfig
from curation.examples.config import ExamplesConfig
from curation.split import SplitConfig
from curation.validate.suite import ValidateConfig
from train.config import TrainConfig

MAPPINGS_DIR = Path(__file__).parent / "mappings"


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
    ticket_id: str
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
        return [self.ticket_id, self.description]

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

    def mappings(self) -> list[TicketMapping]:
        return [TicketMapping.load(name) for name in self.ticket_mappings]


class CompanyConfig(StepConfig):
    name: str = "Nordlicht Gadgets"
    domains: list[str] = ["nordlicht.example"]
    support_addresses: list[str] = ["support@nordlicht.example"]
    products: list[str] = ["A-45 SuperWidget", "B-12 MiniWidget", "C-7 HubStation", "D-90 PowerDock", "E-3 SmartTag"]
    keep_terms: list[str] = Field(
        default=["+49 30 555 0100", "Musterstraße 1, 10115 Berlin"],
        description="the company's own hotline, postal address...: never redacted as PII",
    )


class PipelineConfig(StepConfig):
    name: str = Field(default="nordlicht-support", pattern=r"^[a-z0-9][a-z0-9._-]*$", description="dataset name")
    sources: list[str] = ["data/sample/raw/emails", "data/sample/raw/manuals", "data/sample/raw/tickets"]
    output_dir: str = Field(default="data/out", description="working folder of the stages (one subfolder each)")
    versions_dir: str = Field(default="data/versions", description="published, content-addressed dataset versions")
    reports_dir: str = Field(default="data/reports", description="the static dashboard")
    company: CompanyConfig = CompanyConfig()
    ingest: IngestConfig = IngestConfig()
    clean: CleanConfig = CleanConfig()
    examples: ExamplesConfig = ExamplesConfig()
    dedup: DedupConfig = DedupConfig()
    split: SplitConfig = SplitConfig()
    validation: ValidateConfig = ValidateConfig()
    train: TrainConfig = TrainConfig()

    def config_hash(self) -> str:
        """Hash of what shapes the data; where inputs and outputs live is not part of it."""
        semantic = self.model_dump(mode="json", exclude={"sources", "output_dir", "versions_dir", "reports_dir", "train"})
        canonical = json.dumps(semantic, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class ConfigError(ValueError):
    """A configuration file that does not validate; the message names every bad key."""


def load_config(path: str | Path | None = None) -> PipelineConfig:
    if path is None:
        return PipelineConfig()
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    try:
        return PipelineConfig.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise ConfigError(f"{path}: {problems}") from err
