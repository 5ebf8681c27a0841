"""Clean: documents.parquet -> cleaned documents.parquet + ledger rows (stage "clean").

Per document: drop auto-replies and bounces; repair unicode; strip quoted replies, signatures and
disclaimers from emails; keep only public ticket comments; replace PII with surrogates (or typed
placeholders); apply the quality filters. Each drop carries its reason code; PII counts per type are stats.

The people a thread's headers name (From, To, Cc, Reply-To display names; a ticket's requester and
comment authors) are redacted in every document of that thread, so a name stays hidden in a reply
that quotes it and in every copy of a message alike.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

import polars as pl
from curation.clean.email_body import strip_reply
from curation.clean.normalize import markdown_to_text, normalise_whitespace, repair_unicode
from curation.clean.config import CleanConfig
from curation.clean.pii import PiiConfig, names_from_meta, names_in_text, redact
from curation.clean.quality import detect_language, quality_verdict
from curation.clean.surrogates import Surrogates
from curation.defects import normal
from curation.shards import DEFAULT_SHARD_SIZE, Laps, MapFn, PackStore, ProgressFn, code_fingerprint, cut, digest, in_key_order, map_shards, scan_packs
from schemas import Document, TicketComment
from schemas.frames import DOCUMENT_SCHEMA, LEDGER_SCHEMA, document_from_row, document_row, documents_from_frame, read_rows, sink_atomic

STAGE = "clean"
CLEAN_SCHEMA = pl.Schema({**DOCUMENT_SCHEMA, "pii_counts": pl.String})

DROP_REASONS = {
    "auto_reply": "an auto-reply / out-of-office message",
    "navigation": "a manual's table of contents, index or navigation page (where to look, not what it says)",
    "mailing_list": "list mail (List-Id, Precedence: bulk/list/junk), dropped because clean.drop_mailing_lists is on",
    "bounce": "a delivery-status notification (bounce)",
    "empty_after_cleaning": "nothing left after quotes, signatures and boilerplate were removed",
    "too_short": "fewer words than quality.min_words",
    "too_long": "more characters than quality.max_chars",
    "wrong_language": "a language outside quality.allowed_languages",
    "boilerplate": "repetition heuristics above their thresholds",
}


@dataclass
class CleanResult:
    document: Document
    reason: str = ""
    detail: str = ""
    pii_counts: Counter = field(default_factory=Counter)
    internal_notes_removed: int = 0

    @property
    def kept(self) -> bool:
        return not self.reason


@dataclass
class CleanSummary:
    inputs: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    dropped: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    pii: Counter = field(default_factory=Counter)
    internal_notes_removed: int = 0
    cache: dict = field(default_factory=dict)  # documents, computed (not found in the cache), shards, shards_reused

    def as_dict(self) -> dict:
        return {
            "inputs": dict(self.inputs),
            "kept": dict(self.kept),
            "dropped": {kind: dict(sorted(c.items())) for kind, c in self.dropped.items()},
            "pii_redactions": dict(sorted(self.pii.items())),
            "internal_notes_removed": self.internal_notes_removed,
            "cache": self.cache,
        }


def clean_text(text: str) -> str:
    return normalise_whitespace(repair_unicode(text))


def clean_document(doc: Document, config: CleanConfig, pii: PiiConfig | None = None, *, staff_domains: tuple[str, ...] = (),
                   thread_names: Iterable[str] = ()) -> CleanResult:
    """One document in, the cleaned document (or a drop reason) out. ``thread_names``: the names the
    headers of the document's whole thread carry (see :func:`thread_names`); its own are always added."""
    pii = pii or config.pii
    meta = doc.meta
    known_names = _names([*names_from_meta(meta, include_staff=config.redact_staff_names, staff_domains=staff_domains), *thread_names])
    replace = _replacement(doc, pii, known_names)
    if meta.kind == "email":
        subject = meta.subject.lower()
        if meta.is_delivery_report:  # bounces are usually auto-submitted too: check them first
            return CleanResult(doc, "bounce", f"from {meta.sender.address or 'unknown'}")
        if meta.auto_submitted or any(p in subject for p in config.auto_reply_subjects):
            return CleanResult(doc, "auto_reply", meta.auto_submitted or f"subject: {meta.subject}")
        if config.drop_mailing_lists and meta.list_mail:
            return CleanResult(doc, "mailing_list", meta.list_mail)
        text = repair_unicode(doc.text)
        if config.strip_quotes:
            text = strip_reply(text, sender_name=meta.sender.name or None).text
        text = normalise_whitespace(text)
        redaction = redact(text, pii, known_names=known_names, replace=replace)
        counts = Counter(redaction.counts)
        new_meta = meta.model_copy(update={"body_digest": body_digest(text)})
        new_doc = doc.model_copy(update={"text": redaction.text, "title": clean_text(doc.title), "meta": new_meta})
        internal = 0
    elif meta.kind == "ticket":
        # a name one reply addresses ("Hi Miriam,") is redacted in every comment of the ticket
        names = _names([*known_names, *(name for c in meta.comments if c.public for name in names_in_text(c.body))])
        counts = Counter()

        def scrub(value: str, *, strip: bool = False) -> str:
            value = repair_unicode(value)
            if strip and config.strip_quotes:
                value = strip_reply(value).text
            result = redact(normalise_whitespace(value), pii, known_names=names, replace=replace)
            counts.update(result.counts)
            return result.text

        public = [c for c in meta.comments if c.public]
        internal = len(meta.comments) - len(public)
        comments = [TicketComment(**{**c.model_dump(), "body": scrub(c.body, strip=True)}) for c in public]
        new_meta = meta.model_copy(update={"comments": comments, "resolution": scrub(meta.resolution), "subject": scrub(meta.subject)})
        # The description is the customer's first message (Zendesk repeats it as the first comment):
        # cleaned like a comment, so the two stay comparable and the examples step can drop the copy.
        new_doc = doc.model_copy(update={"text": scrub(doc.text, strip=True), "title": new_meta.subject, "meta": new_meta})
    else:
        text = doc.text if meta.format != "markdown" else markdown_to_text(doc.text)
        redaction = redact(clean_text(text), pii, replace=replace, infer_names=False)
        counts = Counter(redaction.counts)
        new_doc = doc.model_copy(update={"text": redaction.text})
        internal = 0
    body = new_doc.text
    if meta.kind == "ticket" and not body.strip():
        body = "\n".join(c.body for c in new_doc.meta.comments if c.author_role != "agent")
    verdict = quality_verdict(body, config.quality, doc.source.source_kind)
    if verdict:
        return CleanResult(new_doc, *verdict, pii_counts=counts, internal_notes_removed=internal)
    return CleanResult(new_doc, pii_counts=counts, internal_notes_removed=internal)


def body_digest(text: str) -> str:
    """The fingerprint under which copies of one message are recognised (examples.build.copy_keys): taken
    before redaction, because surrogates are drawn per thread and copies filed in two folders may sit in two
    threads; a one-way hash, so no personal data is kept."""
    return hashlib.sha256(normal(text).encode()).hexdigest()


def _replacement(doc: Document, pii: PiiConfig, known_names: list[str]) -> Callable[[str, str], str] | None:
    """Surrogates drawn in the document's language and seeded by its thread (group key); None: tags. The language
    is detected when the first surrogate is drawn: a document without personal data never pays for it."""
    if pii.replacement == "tag":
        return None

    def language() -> str:
        return detect_language(doc.text[:2000])[0] if doc.text.strip() else "en"

    return Surrogates(doc.group_key, language, pii.surrogate_salt, known_names=known_names)


def thread_names(documents: Iterable[Document], config: CleanConfig, staff_domains: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Group key (thread, ticket) -> every name any of its documents' headers carry."""
    names: dict[str, set[str]] = defaultdict(set)
    for doc in documents:
        if doc.meta.kind != "manual":
            names[doc.group_key].update(names_from_meta(doc.meta, include_staff=config.redact_staff_names, staff_domains=staff_domains))
    return {key: sorted(values) for key, values in names.items()}


_SPACE = re.compile(r"\s+")


def _names(values) -> list[str]:
    return sorted({_SPACE.sub(" ", v).strip() for v in values if v and "@" not in v and len(v.strip()) >= 3})


def clean(documents_path: Path, out_dir: Path, config: CleanConfig | None = None, *, keep_addresses: list[str] = (),
          keep_terms: list[str] = (), staff_domains: list[str] = (), map_fn: MapFn = map, cache_dir: Path | None = None,
          shard_size: int = DEFAULT_SHARD_SIZE, progress: ProgressFn | None = None) -> CleanSummary:
    """Clean every document of documents_path into out_dir/documents.parquet and out_dir/ledger.parquet.

    Sharded (see curation/shards.py): contiguous shards of about `shard_size` documents, mapped with
    `map_fn`. First, per shard, each thread's rows and a one-way hash of each of its documents' metadata
    (merged: a thread's messages may lie in several shards); then :func:`clean_document` per document. A
    document's result is cached in `cache_dir` (default out_dir/cache) under its key: the hash of its
    row (all but the file hash, which is copied from the input) and of its thread's metadata, from which
    the names its headers carry follow (:func:`thread_names`); a shard whose documents all have the same
    keys as before is not cleaned again, and the names are read only for the threads of the documents
    cleaned now. The output is in input order, whatever the shards or map.
    """
    config = config or CleanConfig()
    pii = config.pii.model_copy(update={
        "keep_addresses": sorted({*config.pii.keep_addresses, *keep_addresses}),
        "keep_terms": sorted({*config.pii.keep_terms, *keep_terms}),
    })
    staff = tuple(staff_domains)
    out_dir.mkdir(parents=True, exist_ok=True)
    code = code_fingerprint("curation.clean.pipeline")
    store = PackStore(Path(cache_dir or out_dir / "cache") / digest(config.model_dump(mode="json"), pii.model_dump(mode="json"), staff, code),
                      tables=("docs",))
    ids = pl.read_parquet(documents_path, columns=["id"]).get_column("id").to_list()
    bounds = cut(ids, [1] * len(ids), shard_size)
    slices = [(str(documents_path), a, b - a) for a, b in bounds]
    laps = Laps()
    parts = map_shards(map_fn, _threads_shard, slices, what="clean: threads", progress=progress)
    spans: dict[str, list] = {}  # group key -> [first row, last row, meta hashes]
    for part in parts:
        for key, (first, last, hashes) in part.items():
            if key in spans:
                span = spans[key]
                span[0], span[1] = min(span[0], first), max(span[1], last)
                span[2] += hashes
            else:
                spans[key] = [first, last, hashes]
    threads = {key: Thread(first, last, digest(sorted(hashes))) for key, (first, last, hashes) in spans.items()}
    shards = [(path, offset, length, {key: threads[key] for key in part}) for (path, offset, length), part in zip(slices, parts, strict=True)]
    del parts, spans, threads
    laps.lap("threads")
    results = map_shards(map_fn, partial(_clean_shard, config=config, pii=pii, staff_domains=staff, store_root=str(store.root)), shards,
                         what="clean", progress=progress)
    laps.lap("shards")
    packs = [r["pack"] for r in results]
    summary = CleanSummary()
    for result in results:
        stats = result["stats"]
        for kind, n in stats["inputs"].items():
            summary.inputs[kind] += n
        for kind, n in stats["kept"].items():
            summary.kept[kind] += n
        for kind, reasons in stats["dropped"].items():
            summary.dropped[kind].update(reasons)
        summary.pii.update(stats["pii"])
        summary.internal_notes_removed += stats["internal_notes_removed"]
    summary.cache = {"documents": len(ids), "computed": sum(r["computed"] for r in results), "shards": len(results),
                     "shards_reused": sum(1 for r in results if r["reused_pack"])}
    rows = scan_packs(store, packs, "docs")
    if rows is None:
        rows = pl.LazyFrame(schema=PACK_SCHEMA)
    sink_atomic(rows.filter(pl.col("outcome") == "kept").select(list(CLEAN_SCHEMA)), out_dir / "documents.parquet")
    sink_atomic(rows.select(
        unit_id=pl.col("id"), stage=pl.lit(STAGE), outcome="outcome", reason="reason", detail="detail", source_kind="source_kind",
        path="path", locator="locator", record_id=pl.when(pl.col("outcome") == "kept").then(pl.col("id")).otherwise(pl.lit("")),
    ).select(list(LEDGER_SCHEMA)), out_dir / "ledger.parquet")
    store.prune(packs)
    laps.lap("write")
    summary.cache["seconds"] = laps.seconds
    (out_dir / "clean_summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary


PACK_SCHEMA = pl.Schema({"key": pl.String, **CLEAN_SCHEMA, "outcome": pl.String, "reason": pl.String, "detail": pl.String,
                         "internal_notes_removed": pl.Int64})
_KEY_COLUMNS = ("id", "source_kind", "path", "locator", "group_key", "created_at", "title", "text", "meta")


class Thread(NamedTuple):
    """Where a thread's (or ticket's) documents lie in the input, and a one-way hash of their metadata: what the
    names its headers carry follow from (a cache key that holds no name)."""

    first: int
    last: int
    meta_digest: str


def _threads_shard(shard: tuple[str, int, int]) -> dict[str, tuple[int, int, list[str]]]:
    """Group key -> (first row, last row, sha1 of each document's metadata) of this shard's e-mails and tickets."""
    path, offset, length = shard
    frame = (pl.scan_parquet(path).select("source_kind", "group_key", "meta").slice(offset, length).with_row_index("row", offset=offset)
             .filter(pl.col("source_kind") != "manual")  # thread_names reads no manual
             .group_by("group_key", maintain_order=True).agg(pl.col("row").min().alias("first"), pl.col("row").max().alias("last"), "meta")
             .collect())
    return {key: (first, last, [hashlib.sha1(meta.encode()).hexdigest() for meta in metas])
            for key, first, last, metas in frame.iter_rows()}


def _thread_names(path: str, threads: dict[str, Thread], groups: set[str], *, config: CleanConfig,
                  staff_domains: tuple[str, ...]) -> dict[str, list[str]]:
    """The names the headers of these groups' documents carry, read from the rows the groups span (also
    in the shards before and after). Not cached: a names file would keep the originals that clean's
    outputs never hold."""
    if not groups:
        return {}
    first, last = min(threads[g].first for g in groups), max(threads[g].last for g in groups)
    rows = (pl.scan_parquet(path).select("id", "source_kind", "group_key", "meta").slice(first, last - first + 1)
            .filter((pl.col("source_kind") != "manual") & pl.col("group_key").is_in(pl.Series(sorted(groups), dtype=pl.String).implode()))
            .collect().to_dicts())
    documents = (document_from_row({**row, "path": "", "locator": "", "sha256": "", "created_at": None, "title": "", "text": ""}) for row in rows)
    return thread_names(documents, config, staff_domains)


def document_key(row: dict, thread: Thread | None) -> str:
    """What a document's cleaning depends on besides the config: its row (not the file hash) and its thread's metadata."""
    return digest(*(row[c] for c in _KEY_COLUMNS), thread.meta_digest if thread else "")


def _clean_shard(shard: tuple[str, int, int, dict[str, Thread]], *, config: CleanConfig, pii: PiiConfig,
                 staff_domains: tuple[str, ...], store_root: str) -> dict:
    """Clean one contiguous shard into its pack (or find the pack there); returns the pack's name and stats."""
    path, offset, length, threads = shard
    store = PackStore(Path(store_root), tables=("docs",))
    frame = read_rows(Path(path), offset=offset, length=length)
    keys = [document_key(row, threads.get(row["group_key"]) if row["source_kind"] != "manual" else None)
            for row in frame.select(_KEY_COLUMNS).iter_rows(named=True)]
    pack = digest(keys, frame.get_column("sha256").to_list())
    if store.has(pack):
        return {"pack": pack, "computed": 0, "reused_pack": True, "stats": store.stats(pack)}
    found = store.lookup(keys, "docs", PACK_SCHEMA)
    known = set(found.get_column("key").to_list())
    computed: list[dict] = []
    todo = frame.filter(pl.Series([key not in known for key in keys], dtype=pl.Boolean))
    names = _thread_names(path, threads, set(todo.filter(pl.col("source_kind") != "manual").get_column("group_key").to_list()),
                          config=config, staff_domains=staff_domains)
    for key, document in zip((k for k in keys if k not in known), documents_from_frame(todo), strict=True):
        thread = names.get(document.group_key, ()) if document.meta.kind != "manual" else ()
        result = clean_document(document, config, pii, staff_domains=staff_domains, thread_names=thread)
        source = document.source
        row = document_row(result.document) if result.kept else {
            "id": document.id, "source_kind": source.source_kind, "path": source.path, "locator": source.locator, "group_key": document.group_key}
        computed.append({**row, "key": key, "pii_counts": json.dumps(dict(sorted(result.pii_counts.items()))),
                         "outcome": "kept" if result.kept else "dropped", "reason": result.reason, "detail": result.detail,
                         "internal_notes_removed": result.internal_notes_removed})
    rows = in_key_order(pl.DataFrame(computed, schema=PACK_SCHEMA), found, keys, PACK_SCHEMA).with_columns(
        frame.get_column("sha256"))  # one row per document, in the shard's order; the file hash is lineage: the current one
    stats = _pack_stats(rows)
    store.write(pack, {"docs": rows}, stats)
    return {"pack": pack, "computed": len(computed), "reused_pack": False, "stats": stats}


def _pack_stats(rows: pl.DataFrame) -> dict:
    inputs = dict(rows.group_by("source_kind").len().sort("source_kind").iter_rows())
    kept = dict(rows.filter(pl.col("outcome") == "kept").group_by("source_kind").len().sort("source_kind").iter_rows())
    dropped: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, reason, n in rows.filter(pl.col("outcome") != "kept").group_by("source_kind", "reason").len().sort("source_kind", "reason").iter_rows():
        dropped[kind][reason] = n
    pii: Counter = Counter()
    for counts in rows.get_column("pii_counts").to_list():
        pii.update(json.loads(counts) if counts else {})
    return {"inputs": inputs, "kept": kept, "dropped": dict(dropped), "pii": dict(sorted(pii.items())),
            "internal_notes_removed": int(rows.get_column("internal_notes_removed").sum() or 0)}


__all__ = ["CLEAN_SCHEMA", "DROP_REASONS", "CleanConfig", "CleanResult", "CleanSummary", "clean", "clean_document"]
