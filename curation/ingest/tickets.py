"""Ticket readers: CSV, JSON and JSON Lines exports, read through a configurable field mapping.

One Document per ticket (or per message, for layouts whose rows are messages of a reply tree,
like the Twitter support dump: those are grouped by the root of their tree).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from curation.ingest.config import TicketMapping
from curation.ingest.files import InputFile
from curation.ingest.text import UndecodableText, decode_bytes
from curation.ingest.units import Quarantined, UnitResult
from schemas import Document, Mailbox, SourceRef, TicketComment, TicketMeta, sha256_hex, stable_id

csv.field_size_limit(2**31 - 1)


def read_csv(file: InputFile, mappings: list[TicketMapping]) -> Iterator[UnitResult]:
    raw = file.path.read_bytes()
    try:
        text, _ = decode_bytes(raw)
    except UndecodableText as err:
        yield _quarantine(file, "file", raw, "undecodable_text", str(err))
        return
    del raw
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except (StopIteration, csv.Error) as err:
        yield _quarantine(file, "file", text.encode(), "csv_missing_columns", f"no header row ({err or 'empty'})")
        return
    mapping = _pick_mapping(mappings, lambda m: all(f in header for f in m.required_fields()))
    if mapping is None:
        wanted = "; ".join(f"{m.name}: {', '.join(f for f in m.required_fields() if f not in header)}" for m in mappings)
        yield _quarantine(
            file, "file", text.encode(), "csv_missing_columns",
            f"columns found: {', '.join(header[:20])}; missing per layout -> {wanted}",
        )
        return
    yield from _documents(file, mapping, _csv_rows(reader, header))


def _csv_rows(reader, header: list[str]) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    """(row number, record or None, error) per non-blank row, streamed."""
    row_number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            row_number += 1
            yield row_number, None, f"csv error: {err}"
            continue
        row_number += 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):  # a short row is not padded: its fields would land in the wrong columns
            yield row_number, None, f"{len(values)} fields for {len(header)} columns"
            continue
        yield row_number, dict(zip(header, values)), ""


def read_json(file: InputFile, mappings: list[TicketMapping]) -> Iterator[UnitResult]:
    raw = file.path.read_bytes()
    try:
        text, _ = decode_bytes(raw)
        data = json.loads(text)
    except (UndecodableText, json.JSONDecodeError) as err:
        yield _quarantine(file, "file", raw, "json_invalid", f"{type(err).__name__}: {err}")
        return
    for mapping in mappings:
        records = data if isinstance(data, list) else (_get(data, mapping.records_path) if mapping.records_path else None)
        if isinstance(records, list) and records and isinstance(records[0], dict) and _fits(mapping, records[0]):
            yield from _documents(file, mapping, ((i + 1, r if isinstance(r, dict) else None, "not an object") for i, r in enumerate(records)))
            return
    keys = list(data)[:10] if isinstance(data, dict) else f"list of {len(data)}" if isinstance(data, list) else type(data).__name__
    yield _quarantine(file, "file", raw, "unknown_ticket_layout", f"top level: {keys}; tried {[m.name for m in mappings]}")


def read_jsonl(file: InputFile, mappings: list[TicketMapping]) -> Iterator[UnitResult]:
    def records() -> Iterator[tuple[int, dict | None, str]]:
        with file.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as err:
                    yield number, None, f"json_invalid: {err}"
                    continue
                yield number, record if isinstance(record, dict) else None, "" if isinstance(record, dict) else "not an object"

    first = next((rec for _, rec, _ in records() if rec), None)
    mapping = _pick_mapping(mappings, lambda m: first is not None and _fits(m, first))
    if mapping is None:
        yield _quarantine(file, "file", file.path.read_bytes()[:4096], "unknown_ticket_layout",
                          f"first record keys: {list(first)[:10] if first else 'none'}; tried {[m.name for m in mappings]}")
        return
    yield from _documents(file, mapping, records())


def _pick_mapping(mappings: list[TicketMapping], fits) -> TicketMapping | None:
    return next((m for m in mappings if fits(m)), None)


def _fits(mapping: TicketMapping, record: dict) -> bool:
    return all(_get(record, f) is not None for f in mapping.required_fields())


def _get(record: Any, dotted: str | None) -> Any:
    if dotted is None:
        return None
    if isinstance(record, dict) and dotted in record:
        return record[dotted]
    value = record
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _documents(file: InputFile, mapping: TicketMapping, records) -> Iterator[UnitResult]:
    parents: dict[str, str] = {}
    pending: list[tuple[Document, str]] = []
    seen: dict[str, int] = {}
    for number, record, error in records:
        if record is None:
            reason = "json_invalid" if error.startswith("json_invalid") else "malformed_row"
            yield _quarantine(file, f"row:{number}", error.encode(), reason, error)
            continue
        ticket_id = normalise_id(_get(record, mapping.ticket_id)) if mapping.ticket_id else str(number)
        description = _str(_get(record, mapping.description))
        if not ticket_id or not description:  # null and empty alike
            missing = mapping.ticket_id if not ticket_id else mapping.description
            yield _quarantine(file, f"row:{number}", json.dumps(record, default=str).encode(), "missing_field", f"'{missing}' is empty")
            continue
        if ticket_id in seen:  # two tickets under one id would merge into one conversation
            yield _quarantine(file, f"row:{number}", json.dumps(record, default=str).encode(), "duplicate_ticket_id",
                              f"ticket id {ticket_id!r} on row {seen[ticket_id]} and again on row {number}; the first is kept")
            continue
        seen[ticket_id] = number
        locator = ticket_id
        document = _ticket_document(file, mapping, record, locator, ticket_id, _str(description), number)
        if mapping.parent_id:
            parents[ticket_id] = normalise_id(_str(_get(record, mapping.parent_id)).split(",")[0])
            pending.append((document, ticket_id))
        else:
            yield document
    for document, ticket_id in pending:
        root = _root(ticket_id, parents)
        yield document.model_copy(update={"group_key": f"ticket:{file.relpath}#{root}"})


_FLOAT_INTEGER = re.compile(r"^([+-]?\d+)\.0+$")


def normalise_id(value: Any) -> str:
    """An id as a comparable string: " 3 ", 3, 3.0 and "3.0" are one id (pandas writes integer ids
    with a missing value as floats, so a reply's "in_response_to" reads "3.0" while the id is "3")."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _str(value)
    match = _FLOAT_INTEGER.match(text)
    return match.group(1) if match else text


def _root(ticket_id: str, parents: dict[str, str]) -> str:
    seen = {ticket_id}
    while parents.get(ticket_id) and parents[ticket_id] in parents and parents[ticket_id] not in seen:
        ticket_id = parents[ticket_id]
        seen.add(ticket_id)
    return ticket_id


def _ticket_document(file: InputFile, mapping: TicketMapping, record: dict, locator: str, ticket_id: str, description: str, number: int) -> Document:
    requester = Mailbox(name=_str(_get(record, mapping.requester_name)), address=_str(_get(record, mapping.requester_email)).lower())
    agent = Mailbox(name=_str(_get(record, mapping.agent_name)), address=_str(_get(record, mapping.agent_email)).lower())
    comments = _comments(record, mapping, requester)
    if mapping.author_is_customer:
        is_customer = _str(_get(record, mapping.author_is_customer)).lower() in {"true", "1", "yes"}
        comments = [TicketComment(author_name=requester.name, author_role="customer" if is_customer else "agent", body=description)]
    tags = _get(record, mapping.tags)
    meta = TicketMeta(
        ticket_id=ticket_id,
        subject=_str(_get(record, mapping.subject)),
        status=_str(_get(record, mapping.status)),
        priority=_str(_get(record, mapping.priority)),
        channel=_str(_get(record, mapping.channel)),
        product=_str(_get(record, mapping.product)),
        requester=requester,
        agents=[agent] if agent.name or agent.address else [],
        resolution=_str(_get(record, mapping.resolution)),
        comments=comments,
        tags=[_str(t) for t in tags] if isinstance(tags, list) else ([t.strip() for t in tags.split(",") if t.strip()] if isinstance(tags, str) else []),
    )
    raw = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return Document(
        id=stable_id("d", "ticket", file.relpath, locator),
        source=SourceRef(source_kind="ticket", path=file.relpath, locator=locator, sha256=sha256_hex(raw)),
        group_key=f"ticket:{file.relpath}#{ticket_id}",
        created_at=_datetime(_get(record, mapping.created_at)),
        title=meta.subject,
        text=description,
        meta=meta,
    )


def _comments(record: dict, mapping: TicketMapping, requester: Mailbox) -> list[TicketComment]:
    spec = mapping.comments
    if spec is None:
        return []
    raw_comments = _get(record, spec.path)
    if not isinstance(raw_comments, list):
        return []
    comments = []
    for item in raw_comments:
        if not isinstance(item, dict):
            continue
        role = _str(_get(item, spec.author_role)).lower()
        email = _str(_get(item, spec.author_email)).lower()
        if role in spec.agent_roles:
            author_role = "agent"
        elif role or (email and email == requester.address):
            author_role = "customer"
        else:
            author_role = "unknown"
        public = _get(item, spec.public)
        comments.append(TicketComment(
            author_name=_str(_get(item, spec.author_name)),
            author_email=email,
            author_role=author_role,
            public=public if isinstance(public, bool) else _str(public).lower() not in {"false", "0", "no"},
            body=_str(_get(item, spec.body)),
            created_at=_datetime(_get(item, spec.created_at)),
        ))
    return comments


def _datetime(value: Any) -> datetime | None:
    text = _str(value)
    if not text:
        return None
    for parse in (datetime.fromisoformat, lambda s: datetime.strptime(s, "%a %b %d %H:%M:%S %z %Y")):
        try:
            parsed = parse(text.replace("Z", "+00:00"))
        except ValueError:
            continue
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return None


def _quarantine(file: InputFile, locator: str, raw: bytes, reason: str, detail: str) -> Quarantined:
    return Quarantined(SourceRef(source_kind="ticket", path=file.relpath, locator=locator, sha256=sha256_hex(raw)), reason, detail)
