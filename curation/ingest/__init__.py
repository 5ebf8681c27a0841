"""Readers for emails, manuals and ticket exports -> Documents (see pipeline.ingest)."""

from curation.ingest.pipeline import DOCUMENT_SCHEMA, IngestSummary, ingest, load_documents, read_file
from curation.ingest.units import QUARANTINE_REASONS, Quarantined

__all__ = ["DOCUMENT_SCHEMA", "QUARANTINE_REASONS", "IngestSummary", "Quarantined", "ingest", "load_documents", "read_file"]
