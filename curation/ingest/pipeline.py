"""Ingest: source folders -> documents.parquet + ledger.parquet, streamed in batches.

Every input unit (a message, a manual section or page, a ticket, an unreadable file) becomes one
Document or one quarantined ledger row. Files whose content hash was ingested before into the same
output folder are skipped (their documents stay), so a re-run only reads what changed. A file whose size
and modification time (in nanoseconds) are those recorded when it was read is not even hashed again,
the quick check rsync and make rely on; touching a file makes the next run hash it.

Erasure (`curate forget`, curation/erasure.py): a unit an erasure request matches is not kept but
`dropped` with reason `erased` and the request id as its detail, whether it is read now or was
ingested before the request (the requests already applied to the folder are in erasure_applied.json).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

import polars as pl

logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs are reported in the ledger, not on stderr

from curation.erasure import REASON as ERASED, Register, detail as erased_detail
from curation.ingest.config import IngestConfig
from curation.faults import fault_point
from curation.ingest import emails, manuals, tickets
from curation.ingest.files import InputFile, discover, guard
from curation.ingest.threading import thread_keys
from curation.ingest.units import Dropped, Quarantined, UnitResult
from schemas import Document, SourceRef
from schemas.frames import DOCUMENT_SCHEMA, LEDGER_SCHEMA, SOURCES_SCHEMA, document_row, sink_atomic
from curation.shards import MapFn, ProgressFn, TqdmProgress, map_shards

STAGE = "ingest"
DROP_REASONS = {
    ERASED: "an erasure request (`curate forget`) matches the unit; the detail names the request, never what it matched",
    "navigation_page": "an HTML manual page with headings and navigation (menus, link tables) only: nothing to learn from",
    "repository_file": "a documentation repository's own file among the manuals (README, CONTRIBUTING, ...: ingest.repository_files)",
}
BATCH_SIZE = 5000
SHARD_BYTES = 16 * 2**20  # input bytes per ingest shard (a bigger file is a shard alone)
# Bump when a reader changes what it makes of the same bytes: files ingested by an older reader
# (or with another ingest config) are then read again instead of being skipped as unchanged.
READER_VERSION = "7"  # 7: a docs repository's README is not a manual (6: an HTML manual's tables are Markdown tables)

@dataclass
class IngestSummary:
    out_dir: Path
    files: Counter = field(default_factory=Counter)
    skipped_files: Counter = field(default_factory=Counter)
    units: Counter = field(default_factory=Counter)
    documents: Counter = field(default_factory=Counter)
    quarantined: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    erased: Counter = field(default_factory=Counter)  # documents dropped for an erasure request, read now or before
    dropped: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # units a reader dropped, by reason

    def add(self, other: IngestSummary) -> None:
        """Count another shard's files and units in."""
        for name in ("files", "skipped_files", "units", "documents", "erased"):
            getattr(self, name).update(getattr(other, name))
        for kind, reasons in other.quarantined.items():
            self.quarantined[kind].update(reasons)
        for kind, reasons in other.dropped.items():
            self.dropped[kind].update(reasons)

    def as_dict(self) -> dict:
        kinds = sorted(set(self.files) | set(self.skipped_files) | set(self.units) | set(self.erased))
        return {
            kind: {
                "files": self.files[kind],
                "skipped_unchanged_files": self.skipped_files[kind],
                "units": self.units[kind],
                "documents": self.documents[kind],
                "quarantined": dict(sorted(self.quarantined[kind].items())),
                "dropped": dict(sorted(self.dropped[kind].items())),
                "erased": self.erased[kind],
            }
            for kind in kinds
        }


def read_file(file: InputFile, config: IngestConfig, mappings) -> Iterator[UnitResult]:
    """All units of one file; whole-file problems and reader crashes become quarantine rows. A ticket
    export bound to a mapping by ingest.ticket_layouts is read with that mapping only."""
    bound = config.bound_mapping(file.relpath) if file.reader in {"csv", "json", "jsonl"} else None
    mappings = [bound] if bound else mappings
    problem = guard(file, int(config.max_file_mb * 2**20))
    if problem:
        yield _file_quarantine(file, *problem)
        return
    if file.source_kind == "manual" and (glob := config.repository_file(file.path.name)):
        yield Dropped(SourceRef(source_kind="manual", path=file.relpath, locator="file", sha256=_file_sha256(file.path)), "repository_file",
                      f"{file.path.name} matches ingest.repository_files {glob!r}: the documentation repository's own file, not the product's")
        return
    readers: dict[str, Callable[[], Iterator[UnitResult]]] = {
        "eml": lambda: emails.read_eml(file),
        "mbox": lambda: emails.read_mbox(file),
        "markdown": lambda: manuals.read_markdown(file),
        "html": lambda: manuals.read_html(file),
        "pdf": lambda: manuals.read_pdf(file),
        "text": lambda: manuals.read_text(file),
        "csv": lambda: tickets.read_csv(file, mappings),
        "json": lambda: tickets.read_json(file, mappings),
        "jsonl": lambda: tickets.read_jsonl(file, mappings),
    }
    produced = 0
    try:
        for result in readers[file.reader]():
            produced += 1
            yield result
    except Exception as err:  # a reader bug must not end the run; it ends in the ledger instead
        yield _file_quarantine(file, "reader_error", f"{type(err).__name__}: {err} (after {produced} units)", locator=f"after:{produced}")
        return
    if produced == 0:
        yield _file_quarantine(file, "no_content", f"the {file.reader} reader found no unit in it")


def _file_quarantine(file: InputFile, reason: str, detail: str, locator: str = "file") -> Quarantined:
    source = SourceRef(source_kind=file.source_kind, path=file.relpath, locator=locator, sha256=_file_sha256(file.path))
    return Quarantined(source, reason, detail)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return digest.hexdigest()


def ledger_row(result: UnitResult, erased_by: str | None = None) -> dict:
    source = result.source
    kept = isinstance(result, Document)
    if erased_by:
        return {**ledger_row(result), "outcome": "dropped", "reason": ERASED, "detail": erased_detail(erased_by), "record_id": ""}
    return {
        "unit_id": result.id if kept else result.unit_id,
        "stage": STAGE,
        "outcome": "kept" if kept else "dropped" if isinstance(result, Dropped) else "quarantined",
        "reason": "" if kept else result.reason,
        "detail": "" if kept else result.detail,
        "source_kind": source.source_kind,
        "path": source.path,
        "locator": source.locator,
        "record_id": result.id if kept else "",
    }


def ingest(sources: list[Path], out_dir: Path, config: IngestConfig | None = None, *, progress: bool | ProgressFn = True,
           register: Register | None = None, map_fn: MapFn = map, shard_bytes: int = SHARD_BYTES) -> IngestSummary:
    """Read every unit under the source roots into out_dir/documents.parquet and out_dir/ledger.parquet.

    With an erasure `register`, the units its requests match are dropped (reason `erased`). The files to
    read (new or changed) are cut into shards of about `shard_bytes` (a bigger file is a shard of its
    own) and read with `map_fn` (:func:`_read_files`); a run that finds no file new, changed or gone
    leaves the outputs as they are. Files no longer under the roots leave the outputs."""
    config = config or IngestConfig()
    mappings = config.mappings()
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = out_dir / ".ingest-parts"
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir()
    summary = IngestSummary(out_dir=out_dir)
    matcher = register.matcher() if register is not None and register.requests else None
    if matcher:
        summary.erased.update(apply_register(out_dir, register))
    seen = _previous_sources(out_dir)
    fingerprint = hashlib.sha256(f"{READER_VERSION}|{config.model_dump_json()}".encode()).hexdigest()[:12]
    files = list(discover([Path(s) for s in sources], config.email_dirs))
    todo: list[tuple[InputFile, str, Stamp]] = []
    restamped: dict[str, Stamp] = {}  # files hashed again because their stamp changed, their content not
    for file in files:
        stamp = _stamp(file.path)
        before = seen.get(file.relpath)
        if before is not None and before.stamp == stamp and before.sha256.endswith(f":{fingerprint}"):
            summary.skipped_files[file.source_kind] += 1
            continue
        file_hash = f"{_file_sha256(file.path)}:{fingerprint}"
        if before is not None and before.sha256 == file_hash:
            summary.skipped_files[file.source_kind] += 1
            restamped[file.relpath] = stamp
        else:
            todo.append((file, file_hash, stamp))
    present = {file.relpath for file in files}
    outputs = [out_dir / f"{name}.parquet" for name in ("documents", "ledger", "sources")]
    if todo or set(seen) - present or not all(o.exists() for o in outputs):
        report = progress if callable(progress) else TqdmProgress(progress)
        results = map_shards(map_fn, partial(_read_files, config=config, mappings=mappings, parts=str(parts), matcher=matcher),
                             _file_shards(todo, shard_bytes), what="ingest", progress=report)
        source_rows = [row for shard in results for row in shard["sources"]]
        for shard in results:
            summary.add(shard["summary"])
        _merge(out_dir, parts, source_rows, present, restamped)
    elif restamped:
        _restamp(out_dir, restamped)
    if matcher:
        _mark_applied(out_dir, register)
    shutil.rmtree(parts, ignore_errors=True)
    (out_dir / "ingest_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


def _file_shards(todo: list[tuple[InputFile, str, Stamp]], shard_bytes: int) -> list[tuple[int, list[tuple[InputFile, str, Stamp]]]]:
    """Consecutive files (discovery order) in shards of about shard_bytes; a bigger file is a shard alone."""
    shards: list[list[tuple[InputFile, str, Stamp]]] = []
    held = shard_bytes
    for entry in todo:
        size = entry[2][0]
        if held + size > shard_bytes and (not shards or shards[-1]):
            shards.append([])
            held = 0
        shards[-1].append(entry)
        held += size
    return list(enumerate(shard for shard in shards if shard))


def _read_files(shard: tuple[int, list[tuple[InputFile, str, Stamp]]], *, config: IngestConfig, mappings, parts: str, matcher=None) -> dict:
    """Read one shard's files into parts/documents-SSSSS-NNNNN.parquet (+ ledger parts); returns the
    shard's summary and its sources rows. The per-file loop: every unit a Document or a ledger row."""
    number, files = shard
    parts_dir = Path(parts)
    summary = IngestSummary(out_dir=parts_dir)
    doc_batch: list[dict] = []
    ledger_batch: list[dict] = []
    source_rows: list[dict] = []
    part_no = 0

    def flush() -> None:
        nonlocal part_no
        if doc_batch or ledger_batch:
            part_no += 1
            pl.DataFrame(doc_batch, schema=DOCUMENT_SCHEMA).write_parquet(parts_dir / f"documents-{number:05d}-{part_no:05d}.parquet")
            pl.DataFrame(ledger_batch, schema=LEDGER_SCHEMA).write_parquet(parts_dir / f"ledger-{number:05d}-{part_no:05d}.parquet")
            doc_batch.clear()
            ledger_batch.clear()

    for file, file_hash, (size, mtime_ns) in files:
        summary.files[file.source_kind] += 1
        units = 0
        for result in read_file(file, config, mappings):
            units += 1
            kind = result.source.source_kind
            summary.units[kind] += 1
            if isinstance(result, Document):
                row = document_row(result)
                erased_by = matcher.match(row) if matcher else None
                ledger_batch.append(ledger_row(result, erased_by))
                if erased_by:
                    summary.erased[kind] += 1
                else:
                    summary.documents[kind] += 1
                    doc_batch.append(row)
            else:
                ledger_batch.append(ledger_row(result))
                (summary.dropped if isinstance(result, Dropped) else summary.quarantined)[kind][result.reason] += 1
            if len(ledger_batch) >= BATCH_SIZE:
                flush()
        source_rows.append({"path": file.relpath, "sha256": file_hash, "reader": file.reader, "units": units, "size": size, "mtime_ns": mtime_ns})
    flush()
    return {"summary": summary, "sources": source_rows}


APPLIED = "erasure_applied.json"  # the ids of the requests already applied to the folder's documents


def apply_register(out_dir: Path, register: Register) -> Counter:
    """Apply the register's requests not yet applied to out_dir's documents: drop the documents they match
    from documents.parquet (the only raw copy of their text the project keeps between runs) and turn
    their ingest ledger rows into `dropped: erased`. Returns the documents dropped, by source kind."""
    documents_path, ledger_path, applied_path = out_dir / "documents.parquet", out_dir / "ledger.parquet", out_dir / APPLIED
    if not documents_path.exists():
        return Counter()
    applied = set(json.loads(applied_path.read_text())["requests"]) if applied_path.exists() else set()
    pending = [r for r in register.requests if r.request_id not in applied]
    erased: dict[str, str] = {}
    kinds: Counter = Counter()
    if pending:
        matcher = register.matcher(pending)
        rows = pl.read_parquet(documents_path, columns=["id", "source_kind", "path", "title", "text", "meta"])
        for row in rows.iter_rows(named=True):
            if request_id := matcher.match(row):
                erased[row["id"]] = request_id
                kinds[row["source_kind"]] += 1
    if erased:  # the ledger first: a run killed in between finds the documents again, never a kept unit without its document
        requests = pl.DataFrame({"unit_id": list(erased), "_detail": [erased_detail(r) for r in erased.values()]})
        ledger = (
            pl.read_parquet(ledger_path).join(requests, on="unit_id", how="left", maintain_order="left")
            .with_columns(_erase=pl.col("_detail").is_not_null() & (pl.col("outcome") == "kept"))
            .with_columns(
                outcome=pl.when("_erase").then(pl.lit("dropped")).otherwise("outcome"),
                reason=pl.when("_erase").then(pl.lit(ERASED)).otherwise("reason"),
                detail=pl.when("_erase").then("_detail").otherwise("detail"),
                record_id=pl.when("_erase").then(pl.lit("")).otherwise("record_id"),
            )
            .select(list(LEDGER_SCHEMA)).cast(dict(LEDGER_SCHEMA))
        )
        sink_atomic(ledger.lazy(), ledger_path)
        ids = pl.Series(list(erased), dtype=pl.String).implode()
        sink_atomic(pl.scan_parquet(documents_path, schema=DOCUMENT_SCHEMA).filter(~pl.col("id").is_in(ids)), documents_path)
    _mark_applied(out_dir, register)
    return kinds


def _mark_applied(out_dir: Path, register: Register) -> None:
    tmp = out_dir / f"{APPLIED}.tmp"
    tmp.write_text(json.dumps({"requests": sorted(r.request_id for r in register.requests)}) + "\n")
    tmp.replace(out_dir / APPLIED)


Stamp = tuple[int, int]  # a file's size and modification time in nanoseconds


class Seen(NamedTuple):
    sha256: str  # content hash:reader fingerprint
    stamp: Stamp | None  # None: recorded before stamps were


def _stamp(path: Path) -> Stamp:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)  # gone or unreadable: read_file says why in the ledger
    return (stat.st_size, stat.st_mtime_ns)


def _previous_sources(out_dir: Path) -> dict[str, Seen]:
    path = out_dir / "sources.parquet"
    if not path.exists():
        return {}
    frame = _scan_sources(path).collect()
    return {p: Seen(h, None if size is None else (size, mtime)) for p, h, size, mtime in frame.select("path", "sha256", "size", "mtime_ns").iter_rows()}


def _scan_sources(path: Path) -> pl.LazyFrame:
    """sources.parquet; one written before files had stamps reads with empty ones (those files are hashed once more)."""
    return pl.scan_parquet(path, schema=SOURCES_SCHEMA, missing_columns="insert")


def _restamp(out_dir: Path, stamps: dict[str, Stamp]) -> None:
    """New stamps for files whose content is as recorded (touched, copied with a new time): the next run need not hash them."""
    update = pl.DataFrame({"path": list(stamps), "_size": [s[0] for s in stamps.values()], "_mtime": [s[1] for s in stamps.values()]},
                          schema={"path": pl.String, "_size": pl.Int64, "_mtime": pl.Int64})
    path = out_dir / "sources.parquet"
    sink_atomic(_scan_sources(path).collect().lazy().join(update.lazy(), on="path", how="left", maintain_order="left")
                .with_columns(size=pl.coalesce("_size", "size"), mtime_ns=pl.coalesce("_mtime", "mtime_ns")).drop("_size", "_mtime"), path)


def _merge(out_dir: Path, parts: Path, source_rows: list[dict], present: set[str] | None = None,
           restamped: dict[str, Stamp] | None = None) -> None:
    """Old outputs minus every file read in this run (and, with `present`, every file no longer there), plus
    the new parts; then thread keys over all emails. Documents are sorted by source kind and group (thread,
    ticket, manual), so the documents of a thread are neighbours and the later steps read a thread from one
    stretch of the file. Groups keep the order the previous documents.parquet gave them and new groups follow,
    by group key: new files land at the end of their kind's rows instead of among all of them, so the later
    steps' content-defined shards (curation/shards.py `cut`) stay as they were except at the end of each kind
    and where a thread gained a message. The order depends on the refresh history; no output does (a version
    id holds sorted ids; every "first" is chosen by path and id).

    Rows of a file read now replace its earlier rows in all three outputs, whether or not the earlier
    sources.parquet knew the file: a run killed between two renames may have left documents.parquet
    newer than sources.parquet, and the re-run must not keep two copies of its units.
    """
    read_now = [r["path"] for r in source_rows]
    previous_order = _group_order(out_dir / "documents.parquet")
    docs = [pl.scan_parquet(p, schema=DOCUMENT_SCHEMA) for p in sorted(parts.glob("documents-*.parquet"))]
    ledgers = [pl.scan_parquet(p, schema=LEDGER_SCHEMA) for p in sorted(parts.glob("ledger-*.parquet"))]
    sources = [pl.DataFrame(source_rows, schema=SOURCES_SCHEMA).lazy()]
    for name, frames, schema in (("documents", docs, DOCUMENT_SCHEMA), ("ledger", ledgers, LEDGER_SCHEMA), ("sources", sources, SOURCES_SCHEMA)):
        previous = out_dir / f"{name}.parquet"
        if previous.exists():
            kept = (_scan_sources(previous) if name == "sources" else pl.scan_parquet(previous, schema=schema)).filter(~pl.col("path").is_in(read_now))
            if present is not None:
                kept = kept.filter(pl.col("path").is_in(pl.Series(sorted(present), dtype=pl.String).implode()))
            frames.insert(0, kept.collect().lazy())  # materialise: the file is about to be replaced
    documents = pl.concat(docs, how="vertical") if docs else DOCUMENT_SCHEMA.to_frame().lazy()
    emails_frame = documents.filter(pl.col("source_kind") == "email").select("id", "message_id", "parent_ids", "subject_key", "participants", "created_at").collect()
    keys = thread_keys(emails_frame).lazy()
    documents = (
        documents.join(keys, on="id", how="left")
        .with_columns(group_key=pl.coalesce("thread_key", "group_key"))
        .drop("thread_key")
        .join(previous_order, on=["source_kind", "group_key"], how="left")
        .sort("source_kind", "group_rank", "group_key", "path", "id", nulls_last=True)
        .drop("group_rank")
    )
    sink_atomic(documents, out_dir / "documents.parquet")
    fault_point("ingest:rename")  # documents renamed into place, ledger and sources not yet
    sink_atomic(pl.concat(ledgers, how="vertical") if ledgers else LEDGER_SCHEMA.to_frame().lazy(), out_dir / "ledger.parquet")
    sink_atomic(pl.concat(sources, how="vertical").sort("path"), out_dir / "sources.parquet")
    if restamped:
        _restamp(out_dir, restamped)


def _group_order(documents_path: Path) -> pl.LazyFrame:
    """(source_kind, group_key, group_rank): each group's place in an earlier documents.parquet (none: empty)."""
    if not documents_path.exists():
        return pl.LazyFrame(schema={"source_kind": pl.String, "group_key": pl.String, "group_rank": pl.UInt32})
    return (pl.scan_parquet(documents_path).select("source_kind", "group_key").unique(maintain_order=True)
            .with_row_index("group_rank").collect().lazy())


__all__ = ["IngestSummary", "apply_register", "ingest", "read_file"]
