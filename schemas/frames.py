"""The frame shape of every stage's output and the one I/O layer that reads and writes them.

A step writes its output through these schemas and reads an earlier stage's output only through
the readers here, never by importing the step that wrote it. The record models they validate
against are in schemas/records.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from schemas.records import Document, Example, LedgerRow

READ_BATCH = 5000
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|sv|vs|tr|ref|antw)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_SPACES = re.compile(r"\s+")

# --- ledger: one row per input unit per stage (LedgerRow) -------------------------------------------------
LEDGER_SCHEMA = pl.Schema({name: pl.String for name in LedgerRow.model_fields})

# --- ingest: documents.parquet, sources.parquet ------------------------------------------------------------
DOCUMENT_SCHEMA = pl.Schema(
    {
        "id": pl.String,
        "source_kind": pl.String,
        "path": pl.String,
        "locator": pl.String,
        "sha256": pl.String,
        "group_key": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "title": pl.String,
        "text": pl.String,
        "meta": pl.String,
        # threading helpers (emails only): recomputed over all messages after every ingest
        "message_id": pl.String,
        "parent_ids": pl.List(pl.String),
        "subject_key": pl.String,
        "participants": pl.List(pl.String),  # sender first, then To and Cc addresses, lower-cased
    }
)
SOURCES_SCHEMA = pl.Schema({"path": pl.String, "sha256": pl.String, "reader": pl.String, "units": pl.Int64,
                           "size": pl.Int64, "mtime_ns": pl.Int64})  # the stamp under which the file was last hashed

# --- examples: examples.parquet ------------------------------------------------------------------------------
EXAMPLE_SCHEMA = pl.Schema(
    {
        "id": pl.String,
        "messages": pl.List(pl.Struct({"role": pl.String, "content": pl.String})),
        "kind": pl.String,
        "source_kind": pl.String,
        "source_document_ids": pl.List(pl.String),
        "group_key": pl.String,
        "created_at": pl.Datetime("us", "UTC"),
        "n_chars": pl.Int64,
        "language": pl.String,  # near-duplicates are looked for only within one kind and language
        "template": pl.String,
        "context_turns": pl.Int64,  # leading non-system turns repeated from an earlier window as context, not trained on
    }
)

# --- dedup: survivors.parquet (a row selection of examples.parquet), clusters.parquet ------------------------
SURVIVORS_SCHEMA = pl.Schema({"row": pl.UInt32, "id": pl.String})
CLUSTER_SCHEMA = pl.Schema({
    "example_id": pl.String,
    "row": pl.UInt32,
    "source_document_ids": pl.List(pl.String),
    "kind": pl.String,
    "language": pl.String,  # near-duplicates share kind and language; a translation is never a member
    "cluster_id": pl.UInt32,
    "survivor_id": pl.String,
    "similarity": pl.Float64,
    "duplicate": pl.String,  # "survivor" | "near" | "exact"
})


def document_row(doc: Document) -> dict:
    """A Document as a row of DOCUMENT_SCHEMA (its typed metadata as JSON, the threading helpers filled in)."""
    meta = doc.meta
    parent_ids: list[str] | None = None
    if meta.kind == "email":
        parent_ids = list(meta.references)
        if meta.in_reply_to and meta.in_reply_to not in parent_ids:
            parent_ids.append(meta.in_reply_to)
    return {
        "id": doc.id,
        "source_kind": doc.source.source_kind,
        "path": doc.source.path,
        "locator": doc.source.locator,
        "sha256": doc.source.sha256,
        "group_key": doc.group_key,
        "created_at": doc.created_at,
        "title": doc.title,
        "text": doc.text,
        "meta": meta.model_dump_json(),
        "message_id": meta.message_id if meta.kind == "email" else None,
        "parent_ids": parent_ids,
        "subject_key": subject_key(meta.subject) if meta.kind == "email" else None,
        "participants": [a.address.lower() for a in (meta.sender, *meta.recipients)] if meta.kind == "email" else None,
    }


def subject_key(subject: str) -> str:
    """The subject_key column: 'RE: Fwd:  Reset  A-45' and 'reset a-45' give the same key."""
    return _SPACES.sub(" ", _REPLY_PREFIX.sub("", subject or "")).strip().lower()


def stage_dir(out: Path, stage: str) -> Path:
    """Where a stage writes its output and ledger inside a run's working folder."""
    return out / stage


def read_documents(path: Path) -> Iterator[Document]:
    """Documents back from documents.parquet, validated against the record model, in batches."""
    for batch in pl.read_parquet(path).iter_slices(READ_BATCH):
        yield from documents_from_frame(batch)


def documents_from_frame(frame: pl.DataFrame) -> Iterator[Document]:
    """The Documents of some rows of a documents-shaped frame (a shard of documents.parquet)."""
    for row in frame.iter_rows(named=True):
        yield document_from_row(row)


def document_from_row(row: dict) -> Document:
    return Document.model_validate({
        "id": row["id"],
        "source": {"source_kind": row["source_kind"], "path": row["path"], "locator": row["locator"], "sha256": row["sha256"]},
        "group_key": row["group_key"],
        "created_at": row["created_at"],
        "title": row["title"],
        "text": row["text"],
        "meta": json.loads(row["meta"]),
    })


def read_rows(path: Path, rows: list[int] | None = None, offset: int = 0, length: int | None = None) -> pl.DataFrame:
    """Rows of a parquet file: the slice [offset, offset + length), or, with `rows` (sorted row numbers), those
    rows, read from the slice that spans them (a shard of a file sorted by its units reads about its own rows)."""
    if rows is not None:
        if not rows:
            return pl.DataFrame(schema=pl.read_parquet_schema(path))
        runs, start = [], 0
        for i in range(1, len(rows) + 1):  # runs of rows at most READ_GAP apart are read as one slice
            if i == len(rows) or rows[i] - rows[i - 1] > READ_GAP:
                runs.append(rows[start:i])
                start = i
        frames = []
        for run in runs:
            frame = pl.scan_parquet(path).slice(run[0], run[-1] - run[0] + 1).collect()
            frames.append(frame[[r - run[0] for r in run]])
        return pl.concat(frames) if len(frames) > 1 else frames[0]
    return pl.scan_parquet(path).slice(offset, length).collect()


READ_GAP = 2_000  # rows: a gap wider than this between wanted rows is skipped rather than read


def read_examples(path: Path) -> Iterator[Example]:
    """Examples back from an examples-shaped parquet file, validated against the record model."""
    for row in pl.read_parquet(path).iter_rows(named=True):
        yield Example.model_validate({k: row[k] for k in ("id", "messages", "kind", "source_kind", "source_document_ids", "group_key")}
                                     | {"context_turns": row.get("context_turns") or 0})


def scan_survivors(examples_path: Path, survivors_path: Path) -> pl.LazyFrame:
    """The surviving rows of examples_path (EXAMPLE_SCHEMA, input order): the input filtered by the
    row numbers that dedup kept. Dedup writes this selection instead of a copy of every surviving
    text, so a run's output stays proportional to its decisions, not to the corpus.
    """
    survivors = pl.scan_parquet(survivors_path)
    return (
        pl.scan_parquet(examples_path).with_row_index("row")
        .join(survivors, on="row", how="semi", maintain_order="left")
        .select([pl.col(name).cast(dtype) for name, dtype in EXAMPLE_SCHEMA.items()])
    )


def read_survivors(examples_path: Path, survivors_path: Path) -> pl.DataFrame:
    """:func:`scan_survivors` collected, checking that the examples file is the one dedup decided on."""
    kept = pl.read_parquet(survivors_path)
    examples = scan_survivors(examples_path, survivors_path).collect()
    if examples.height != kept.height or not examples.get_column("id").equals(kept.get_column("id"), check_names=False):
        raise ValueError(f"{examples_path} is not the file {survivors_path} was computed from (its surviving rows differ): run dedup again")
    return examples


def sink_atomic(frame: pl.LazyFrame, path: Path) -> None:
    """Write a frame to path through a temporary file renamed into place: readers never see half a file."""
    tmp = path.with_suffix(".parquet.tmp")
    frame.sink_parquet(tmp)
    tmp.replace(path)
