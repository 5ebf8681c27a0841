"""Final outcome per input unit, across all stages' ledgers, and the conservation check.

A unit's final outcome is read at the last stage it reached: kept if any of its records survived
there, else the first drop / quarantine reason recorded at that stage.
"""

from __future__ import annotations

import polars as pl


def final_outcomes(ledger: pl.DataFrame, stages: tuple[str, ...] | list[str]) -> pl.DataFrame:
    """One row per unit: its outcome at the last of `stages` (in order; curation.steps.STAGES) it reached."""
    ranked = ledger.with_columns(_rank=pl.col("stage").replace_strict({s: i for i, s in enumerate(stages)}, default=len(stages), return_dtype=pl.Int32))
    last = ranked.group_by("unit_id").agg(pl.col("_rank").max().alias("_last"))
    at_last = ranked.join(last, on="unit_id").filter(pl.col("_rank") == pl.col("_last"))
    return (
        at_last.with_columns(_kept=(pl.col("outcome") == "kept"))
        .sort("unit_id", "_kept", descending=[False, True])
        .group_by("unit_id", maintain_order=True)
        .agg(
            pl.col("stage").first(),
            outcome=pl.when(pl.col("_kept").any()).then(pl.lit("kept")).otherwise(pl.col("outcome").filter(~pl.col("_kept")).first()),
            reason=pl.when(pl.col("_kept").any()).then(pl.lit("")).otherwise(pl.col("reason").filter(~pl.col("_kept")).first()),
            detail=pl.when(pl.col("_kept").any()).then(pl.lit("")).otherwise(pl.col("detail").filter(~pl.col("_kept")).first()),
            record_ids=pl.col("record_id").filter(pl.col("_kept") & (pl.col("record_id") != "")).unique().sort(),
            source_kind=pl.col("source_kind").first(),
        )
    )


def conservation_problems(ledger: pl.DataFrame, stages: tuple[str, ...] | list[str]) -> list[str]:
    """Units that were kept at one stage but never appear at the next: silent losses."""
    problems = []
    present = [s for s in stages if ledger.filter(pl.col("stage") == s).height]
    for before, after in zip(present, present[1:]):
        kept = set(ledger.filter((pl.col("stage") == before) & (pl.col("outcome") == "kept"))["unit_id"].to_list())
        seen = set(ledger.filter(pl.col("stage") == after)["unit_id"].to_list())
        lost = kept - seen
        if lost:
            problems.append(f"{len(lost)} unit(s) kept at {before} have no row at {after}: {sorted(lost)[:3]}")
    first = ledger.filter(pl.col("stage") == present[0]) if present else ledger.clear()
    inputs = first.height  # rows, not unique ids: two units sharing an id must not vanish from the count
    repeated = first.group_by("unit_id").len().filter(pl.col("len") > 1)
    if repeated.height:
        problems.append(f"{repeated.height} unit id(s) given to more than one {present[0]} unit: {sorted(repeated['unit_id'].to_list())[:3]}")
    finals = final_outcomes(ledger, stages)
    counts = dict(finals.group_by("outcome").len().iter_rows())
    if inputs != sum(counts.values()):
        problems.append(f"inputs {inputs} != kept + dropped + quarantined {counts}")
    return problems
