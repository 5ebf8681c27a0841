"""The company whose data this is: what marks its replies, its products, and what is never PII.

Several steps read it (clean keeps its terms, examples tells its replies from its customers'), so it
is its own section rather than one step's config.
"""

from __future__ import annotations

from pydantic import Field

from curation.base import StepConfig


class CompanyConfig(StepConfig):
    """A company block names the company; what it leaves out is empty, never the bundled sample's values
    (a `company:` with a name and domains alone must not inherit Nordlicht Gadgets' products and hotline)."""

    name: str = Field(min_length=1, description="the persona of the system prompt and of out-of-scope declines; never redacted")
    domains: list[str] = Field(default=[], description="e-mail domains of the company's staff: their messages are the company's replies")
    support_addresses: list[str] = Field(default=[], description="the company's support mailboxes: their messages are the company's replies")
    products: list[str] = Field(default=[], description="the catalog: never redacted, recorded in the manifest, the names training varies")
    keep_terms: list[str] = Field(default=[], description="the company's own hotline, postal address...: never redacted as PII")


# The company of the bundled sample corpus (curation/sample): the default when a config has no company block.
SAMPLE_COMPANY = CompanyConfig(
    name="Nordlicht Gadgets",
    domains=["nordlicht.example"],
    support_addresses=["support@nordlicht.example"],
    products=["A-45 SuperWidget", "B-12 MiniWidget", "C-7 HubStation", "D-90 PowerDock", "E-3 SmartTag"],
    keep_terms=["+49 30 555 0100", "Musterstraße 1, 10115 Berlin"],
)
