"""Per-record validation, sharded and cached: what validate checks of each example on its own.

Per example (a row of the split step's examples.parquet): the Pydantic record check and the PII
re-check (:mod:`curation.validate.records`, :func:`~curation.validate.suite.pii_leftovers`), its token
count with the chat template (what the export check counts for its JSONL line) and its example-quality
defects (:func:`~curation.validate.quality_report.example_defects`). Contiguous shards of the input are
mapped with ``map_fn`` (curation/shards.py); each example's results are cached under the hash of its
row, so a refresh re-checks only new or changed examples and loads the tokenizer only when it has
something to count. The dataset-wide checks (Great Expectations, leakage, the export files) stay in
the validate step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import orjson
import polars as pl

from curation.shards import DEFAULT_SHARD_SIZE, MapFn, PackStore, ProgressFn, code_fingerprint, cut, digest, in_key_order, map_shards, scan_packs
from curation.validate.tokens import LazyTokenCounter
from schemas.frames import LEDGER_SCHEMA, read_rows

RECORD_SCHEMA = pl.Schema({
    "key": pl.String,
    "id": pl.String,
    "source_kind": pl.String,
    "kind": pl.String,
    "outcome": pl.String,
    "reason": pl.String,
    "detail": pl.String,
    "messages_digest": pl.String,  # what the export check's JSONL line is looked up by
    "tokens": pl.Int64,  # null: an invalid record, or a line the export check would not count (format errors)
    "defects": pl.List(pl.String),
    "pii_leftover": pl.String,  # the PII type whose pattern still matches (suite.pii_leftovers), else null: what GX asserts over
})
LEDGER_PACK_SCHEMA = pl.Schema({"key": pl.String, **LEDGER_SCHEMA})


@dataclass
class RecordChecks:
    """Row for row with the input: the per-record results (RECORD_SCHEMA less key) and the validate ledger."""
    records: pl.DataFrame
    ledger: pl.DataFrame
    cache: dict

    def valid_mask(self) -> pl.Series:
        return self.records.get_column("outcome") == "kept"

    def known_tokens(self) -> dict[str, int]:
        """messages digest -> tokens, for the export check of the same examples."""
        counted = self.records.filter(pl.col("tokens").is_not_null())
        return dict(zip(counted.get_column("messages_digest").to_list(), counted.get_column("tokens").to_list()))

    def pii_found(self) -> dict[str, str]:
        """Record id -> the PII type still matching its text (suite.pii_leftovers), for the GX tables."""
        found = self.records.filter(pl.col("pii_leftover").is_not_null())
        return dict(zip(found.get_column("id").to_list(), found.get_column("pii_leftover").to_list()))

    def flags(self) -> pl.DataFrame:
        """The example-quality flags of the valid records (id, source_kind, kind, defects), in input order."""
        return self.records.filter(pl.col("outcome") == "kept").select("id", "source_kind", "kind", "defects")


def messages_digest(messages: list[dict]) -> str:
    return hashlib.sha1(orjson.dumps(messages)).hexdigest()


def check_records(examples_path: Path, out_dir: Path, *, keep_terms: list[str], phone_regions: tuple[str, ...], token_counter: str | None,
                  tokenizer: str, max_seq_length: int, map_fn: MapFn = map, cache_dir: Path | None = None,
                  shard_size: int = DEFAULT_SHARD_SIZE, progress: ProgressFn | None = None, token_cache: str | None = None) -> RecordChecks:
    """Every record of examples_path checked (see the module doc); results in input order."""
    settings = {"keep": sorted(keep_terms), "regions": list(phone_regions), "counter": token_counter, "tokenizer": tokenizer,
                "max_seq_length": max_seq_length}
    store = PackStore(Path(cache_dir or Path(out_dir) / "cache") / digest(settings, code_fingerprint("curation.validate.per_record")),
                      tables=("records", "ledger"))
    ids = pl.read_parquet(examples_path, columns=["id"]).get_column("id").to_list()
    shards = [(str(examples_path), a, b - a) for a, b in cut(ids, [1] * len(ids), shard_size)]
    results = map_shards(map_fn, partial(_records_shard, keep_terms=tuple(sorted(keep_terms)), phone_regions=tuple(phone_regions),
                                         counter=LazyTokenCounter(token_counter, tokenizer, token_cache), max_seq_length=max_seq_length,
                                         store_root=str(store.root)), shards, what="validate: records", progress=progress)
    packs = [r["pack"] for r in results]
    if packs:
        records = scan_packs(store, packs, "records").select(list(RECORD_SCHEMA)[1:]).collect()
        ledger = scan_packs(store, packs, "ledger").select(list(LEDGER_SCHEMA)).collect()
    else:
        records = pl.DataFrame(schema={k: v for k, v in RECORD_SCHEMA.items() if k != "key"})
        ledger = pl.DataFrame(schema=LEDGER_SCHEMA)
    store.prune(packs)
    cache = {"records": len(ids), "computed": sum(r["computed"] for r in results), "shards": len(results),
             "shards_reused": sum(1 for r in results if r["reused_pack"])}
    return RecordChecks(records, ledger, cache)


def _records_shard(shard: tuple[str, int, int], *, keep_terms: tuple[str, ...], phone_regions: tuple[str, ...], counter: LazyTokenCounter,
                   max_seq_length: int, store_root: str) -> dict:
    from curation.clean.quality import detect_language
    from curation.validate.export import format_errors
    from curation.validate.quality_report import example_defects
    from curation.validate.records import STAGE, record_verdict
    from curation.validate.suite import pii_leftovers

    path, offset, length = shard
    store = PackStore(Path(store_root), tables=("records", "ledger"))
    frame = read_rows(Path(path), offset=offset, length=length)
    keys = [digest(row) for row in frame.iter_rows(named=True)]
    pack = digest(keys)
    if store.has(pack):
        return {"pack": pack, "computed": 0, "reused_pack": True}
    found = store.lookup(keys, "records", RECORD_SCHEMA)
    found_ledger = store.lookup(keys, "ledger", LEDGER_PACK_SCHEMA)
    known = set(found.get_column("key").to_list())
    todo = frame.filter(pl.Series([key not in known for key in keys], dtype=pl.Boolean))
    leftovers = pii_leftovers(todo, list(keep_terms), phone_regions) if todo.height else {}

    def language(text: str) -> str:
        return detect_language(text)[0]

    records, ledger = [], []
    done: set[str] = set()
    for key, row in zip((k for k in keys if k not in known), todo.iter_rows(named=True), strict=True):
        if key in done:  # the same row twice: one result serves both
            continue
        done.add(key)
        outcome, reason, detail = record_verdict(row, leftovers)
        messages = row.get("messages") or []
        tokens, defects = None, []
        if outcome == "kept":
            if not format_errors({"messages": messages}):
                tokens = counter(messages)
            defects = example_defects(messages, tokens, max_seq_length, language, row.get("kind") or "conversation")
        records.append({"key": key, "id": row.get("id"), "source_kind": row.get("source_kind"), "kind": row.get("kind"), "outcome": outcome,
                        "reason": reason, "detail": detail, "messages_digest": messages_digest(messages), "tokens": tokens, "defects": defects,
                        "pii_leftover": leftovers.get(row.get("id"))})
        for doc_id in row.get("source_document_ids") or [f"record:{row.get('id')}"]:
            ledger.append({"key": key, "unit_id": doc_id, "stage": STAGE, "outcome": outcome, "reason": reason, "detail": detail,
                           "source_kind": row.get("source_kind") or "", "path": "", "locator": "", "record_id": row.get("id") or ""})
    store.write(pack, {"records": in_key_order(pl.DataFrame(records, schema=RECORD_SCHEMA), found, keys, RECORD_SCHEMA),
                       "ledger": in_key_order(pl.DataFrame(ledger, schema=LEDGER_PACK_SCHEMA), found_ledger, keys, LEDGER_PACK_SCHEMA)}, {})
    return {"pack": pack, "computed": len(records), "reused_pack": False}
