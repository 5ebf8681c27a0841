"""Configuration of the clean step."""

from __future__ import annotations

from pydantic import Field

from curation.base import StepConfig
from curation.clean.pii import PiiConfig
from curation.clean.quality import QualityConfig


class CleanConfig(StepConfig):
    quality: QualityConfig = QualityConfig()
    pii: PiiConfig = PiiConfig()
    strip_quotes: bool = True
    redact_staff_names: bool = Field(default=True, description="also redact the company's own agents' names (ticket agents, staff mailboxes)")
    auto_reply_subjects: list[str] = Field(
        default=["out of office", "automatic reply", "auto-reply", "autoreply", "auto reply", "abwesenheitsnotiz", "away from the office", "on vacation"],
        description="subject prefixes/phrases that mark an auto-reply when no header says so",
    )
    drop_mailing_lists: bool = Field(
        default=False,
        description="drop mail that came through a list or relay (List-Id, Precedence: bulk/list/junk) as mailing_list; "
                    "off by default: support mail often reaches the company through a group or helpdesk relay")
