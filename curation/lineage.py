"""Lineage: a unit's, document's or example's path through the stages, read from the ledger.

One function serves `curate explain` (one id) and the dashboard (every id of a version at once):
the rows whose `unit_id` or `record_id` is the id, in stage order, as the lines the CLI prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from curation.steps import STAGES


def scan_ledgers(out: Path) -> pl.LazyFrame | None:
    """A run's (or a version's) combined ledger, which holds every stage's rows once; without it, the
    stages' own ledgers under `out`; None when there is none."""
    combined = out / "ledger.parquet"
    ledgers = [combined] if combined.exists() else sorted(out.rglob("ledger.parquet"))
    return pl.concat([pl.scan_parquet(p) for p in ledgers], how="diagonal_relaxed") if ledgers else None


def _given(name: str) -> pl.Expr:
    return pl.col(name).is_not_null() & (pl.col(name) != "")


def explain(ledger: pl.LazyFrame, ids: Iterable[str]) -> pl.DataFrame:
    """One row per id found: `id`, `source` ("kind path [locator]" of its ingest row, else of its first
    row) and `lines`, the stage lines of `curate explain` ("  stage     [via unit] outcome[:reason] [-> record]  (detail)")."""
    wanted = pl.Series(list(ids), dtype=pl.String).implode()
    order = {stage: i for i, stage in enumerate(STAGES)}
    rows = (
        pl.concat([ledger.filter(pl.col("unit_id").is_in(wanted)).with_columns(id=pl.col("unit_id")),
                   ledger.filter(pl.col("record_id").is_in(wanted)).with_columns(id=pl.col("record_id"))])
        .unique(maintain_order=True)
        .with_columns(_order=pl.col("stage").replace_strict(order, default=99, return_dtype=pl.Int32))
        .sort("id", "_order", "unit_id", maintain_order=True)
    )
    line = pl.concat_str(
        pl.lit("  "), pl.col("stage").str.pad_end(9),
        pl.when(pl.col("unit_id") != pl.col("id")).then(pl.lit(" ") + pl.col("unit_id")).otherwise(pl.lit("")),
        pl.lit(" "), pl.col("outcome"),
        pl.when(_given("reason")).then(pl.lit(":") + pl.col("reason")).otherwise(pl.lit("")),
        pl.when(_given("record_id") & (pl.col("record_id") != pl.col("id")) & (pl.col("record_id") != pl.col("unit_id")))
        .then(pl.lit(" -> ") + pl.col("record_id")).otherwise(pl.lit("")),
        pl.when(_given("detail")).then(pl.lit("  (") + pl.col("detail") + pl.lit(")")).otherwise(pl.lit("")),
    )
    source = pl.format("{} {} [{}]", *(pl.col(c).fill_null("") for c in ("source_kind", "path", "locator")))
    return (
        rows.with_columns(_line=line, _source=source)
        .group_by("id", maintain_order=True)
        .agg(source=pl.col("_source").filter(pl.col("stage") == "ingest").first().fill_null(pl.col("_source").first()), lines=pl.col("_line"))
        .collect()
    )
