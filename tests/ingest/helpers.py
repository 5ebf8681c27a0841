from __future__ import annotations

from pathlib import Path

from curation.ingest.config import IngestConfig
from curation.ingest import Quarantined, read_file
from curation.ingest.files import discover
from schemas import Document


def read_all(root: Path, config: IngestConfig | None = None) -> list[Document | Quarantined]:
    config = config or IngestConfig()
    mappings = config.mappings()
    return [unit for file in discover([root], config.email_dirs) for unit in read_file(file, config, mappings)]


def documents(units) -> list[Document]:
    return [u for u in units if isinstance(u, Document)]


def quarantined(units) -> list[Quarantined]:
    return [u for u in units if isinstance(u, Quarantined)]
