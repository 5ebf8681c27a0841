"""The ledger: one row per input unit per stage, so every unit's fate can be explained.

``inputs == kept + dropped + quarantined`` holds over the final outcome of each unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from schemas import LedgerRow

LEDGER_SCHEMA = pl.Schema(
    {
        "unit_id": pl.String,
        "stage": pl.String,
        "outcome": pl.String,
        "reason": pl.String,
        "detail": pl.String,
        "source_kind": pl.String,
        "path": pl.String,
        "locator": pl.String,
        "record_id": pl.String,
    }
)


def ledger_frame(rows: Iterable[LedgerRow]) -> pl.DataFrame:
    return pl.DataFrame([row.model_dump() for row in rows], schema=LEDGER_SCHEMA)


def read_ledger(path: str | Path) -> pl.LazyFrame:
    return pl.scan_parquet(path, schema=LEDGER_SCHEMA) if Path(path).exists() else LEDGER_SCHEMA.to_frame().lazy()


def final_outcomes(ledger: pl.LazyFrame, stage_order: list[str]) -> pl.LazyFrame:
    """The last outcome of each unit, following the pipeline's stage order."""
    rank = pl.col("stage").replace_strict({s: i for i, s in enumerate(stage_order)}, default=len(stage_order))
    return ledger.with_columns(_rank=rank).sort("unit_id", "_rank").group_by("unit_id", maintain_order=True).last().drop("_rank")


def outcome_counts(ledger: pl.LazyFrame) -> dict[str, int]:
    counts = ledger.group_by("outcome").len().collect()
    return {row["outcome"]: row["len"] for row in counts.iter_rows(named=True)}
