"""Pydantic validation of one record: an invalid one is quarantined with its field and error (per record,
sharded and cached, in curation/validate/per_record.py)."""

from __future__ import annotations

from pydantic import ValidationError

from schemas import Example

STAGE = "validate"


def example_from_row(row: dict) -> Example:
    return Example.model_validate({k: row.get(k) for k in ("id", "messages", "kind", "source_kind", "source_document_ids", "group_key", "split")})


def record_verdict(row: dict, pii_leftovers: dict[str, str]) -> tuple[str, str, str]:
    """(outcome, reason, detail) of one record."""
    try:
        example_from_row(row)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "record"
        more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
        return "quarantined", "invalid_record", f"{row.get('id')}: {field}: {first['msg']}{more}"
    leftover = pii_leftovers.get(row.get("id"))
    if leftover:
        return "quarantined", "pii_leftover", f"{row.get('id')}: a {leftover} pattern still matches after redaction (rule: no PII in training text)"
    return "kept", "", row.get("split") or ""
