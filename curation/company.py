"""The company whose data this is: what marks its replies, its products, and what is never PII.

Several steps read it (clean keeps its terms, examples tells its replies from its customers'), so it
is its own section rather than one step's config.
"""

from __future__ import annotations

from pydantic import Field

from curation.base import StepConfig


class CompanyConfig(StepConfig):
    name: str = "Nordlicht Gadgets"
    domains: list[str] = ["nordlicht.example"]
    support_addresses: list[str] = ["support@nordlicht.example"]
    products: list[str] = ["A-45 SuperWidget", "B-12 MiniWidget", "C-7 HubStation", "D-90 PowerDock", "E-3 SmartTag"]
    keep_terms: list[str] = Field(
        default=["+49 30 555 0100", "Musterstraße 1, 10115 Berlin"],
        description="the company's own hotline, postal address...: never redacted as PII",
    )
