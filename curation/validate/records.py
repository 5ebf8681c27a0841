"""Pydantic validation of every record: an invalid one is quarantined with its field and error."""

from __future__ import annotations

import polars as pl
from pydantic import ValidationError

from schemas.frames import LEDGER_SCHEMA
from schemas import Example

STAGE = "validate"


def example_from_row(row: dict) -> Example:
    return Example.model_validate({k: row.get(k) for k in ("id", "messages", "kind", "source_kind", "source_document_ids", "group_key", "split")})


def validate_records(examples: pl.DataFrame, pii_leftovers: dict[str, str] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(valid rows, ledger rows for every input row): kept; quarantined `invalid_record` with the field
    and the error; or quarantined `pii_leftover` naming the PII type whose pattern still matches
    (its id and rule, never its text)."""
    pii_leftovers = pii_leftovers or {}
    valid_ids: list[int] = []
    ledger: list[dict] = []
    for index, row in enumerate(examples.iter_rows(named=True)):
        outcome, reason, detail = _verdict(row, pii_leftovers)
        if outcome == "kept":
            valid_ids.append(index)
        for doc_id in row.get("source_document_ids") or [f"record:{row.get('id')}"]:
            ledger.append({"unit_id": doc_id, "stage": STAGE, "outcome": outcome, "reason": reason, "detail": detail,
                           "source_kind": row.get("source_kind") or "", "path": "", "locator": "",
                           "record_id": row.get("id") or ""})
    valid = examples[valid_ids] if valid_ids else examples.clear()
    return valid, pl.DataFrame(ledger, schema=LEDGER_SCHEMA)


def _verdict(row: dict, pii_leftovers: dict[str, str]) -> tuple[str, str, str]:
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
