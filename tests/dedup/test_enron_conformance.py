"""The same Enron mail filed in several folders (under different Message-IDs) is found as duplicates."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from curation.clean.pipeline import clean
from curation.dedup.pipeline import dedup
from curation.examples.build import example_id
from curation.ingest import ingest
from schemas.frames import EXAMPLE_SCHEMA, read_documents
from schemas import Message


def test_enron_mail_filed_in_several_folders_is_deduplicated(shared_corpora: Path, tmp_path: Path):
    ingest([shared_corpora / "emails" / "enron-allen-p"], tmp_path / "ingest", progress=False)
    clean(tmp_path / "ingest" / "documents.parquet", tmp_path / "clean")
    rows = []
    for doc in read_documents(tmp_path / "clean" / "documents.parquet"):
        messages = [Message(role="assistant", content=doc.text)]
        rows.append({"id": example_id(messages, "passage"), "messages": [m.model_dump() for m in messages], "kind": "passage",
                     "source_kind": "email", "source_document_ids": [doc.id], "group_key": doc.group_key,
                     "created_at": doc.created_at, "n_chars": len(doc.text)})
    pl.DataFrame(rows, schema=EXAMPLE_SCHEMA).write_parquet(tmp_path / "examples.parquet")
    summary = dedup(tmp_path / "examples.parquet", tmp_path / "dedup", source_ledger=tmp_path / "clean" / "ledger.parquet").as_dict()
    dropped = summary["dropped"]
    assert dropped.get("exact_duplicate", 0) > 300, summary
    clusters = pl.read_parquet(tmp_path / "dedup" / "clusters.parquet")
    docs = pl.read_parquet(tmp_path / "ingest" / "documents.parquet").select("id", "path")
    members = clusters.explode("source_document_ids").join(docs, left_on="source_document_ids", right_on="id")
    folders = members.group_by("cluster_id").agg(pl.col("path").n_unique().alias("folders"))
    assert folders.filter(pl.col("folders") > 1).height > 100, "duplicates span different mbox folders"
