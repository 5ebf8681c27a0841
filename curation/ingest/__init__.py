"""Readers for emails, manuals and ticket exports -> Documents (see pipeline.ingest)."""

from curation.ingest.pipeline import IngestSummary, ingest, read_file
from curation.ingest.units import QUARANTINE_REASONS, Quarantined

__all__ = ["QUARANTINE_REASONS", "IngestSummary", "Quarantined", "ingest", "read_file"]
