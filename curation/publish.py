"""Publishing: the combined ledger, the funnel and the manifest of a run, and the version itself."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from curation.config import PipelineConfig
from curation.outcomes import conservation_problems, final_outcomes
from schemas.frames import LEDGER_SCHEMA, stage_dir


def input_fingerprint(out: Path) -> str:
    sources = pl.read_parquet(stage_dir(out, "ingest") / "sources.parquet").sort("path")
    payload = "\n".join(f"{p}\t{h.split(':')[0]}" for p, h in zip(sources["path"], sources["sha256"]))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def combined_ledger(out: Path, stages: tuple[str, ...]) -> pl.DataFrame:
    frames = [pl.read_parquet(stage_dir(out, s) / "ledger.parquet").cast(dict(LEDGER_SCHEMA)) for s in stages if (stage_dir(out, s) / "ledger.parquet").exists()]
    ledger = pl.concat(frames, how="vertical")
    # later stages know a unit by id only: give their rows the unit's path and locator from ingest
    origin = ledger.filter(pl.col("stage") == "ingest").select("unit_id", pl.col("path").alias("_p"), pl.col("locator").alias("_l")).unique("unit_id")
    return ledger.join(origin, on="unit_id", how="left").with_columns(
        path=pl.when(pl.col("path") == "").then(pl.col("_p")).otherwise(pl.col("path")),
        locator=pl.when(pl.col("locator") == "").then(pl.col("_l")).otherwise(pl.col("locator")),
    ).drop("_p", "_l")


def funnel(out: Path, stages: tuple[str, ...], ledger: pl.DataFrame | None = None) -> list[dict]:
    """Per stage: units in, kept, and removed by outcome:reason (read from the ledgers)."""
    rows = []
    ledger = combined_ledger(out, stages) if ledger is None else ledger
    for stage in stages:
        frame = ledger.filter(pl.col("stage") == stage)
        if frame.is_empty():
            continue
        per_unit = final_outcomes(frame, [stage])
        removed = per_unit.filter(pl.col("outcome") != "kept").group_by("outcome", "reason").len().sort("len", descending=True)
        rows.append({
            "stage": stage, "in": per_unit.height, "kept": per_unit.filter(pl.col("outcome") == "kept").height,
            "removed": {f"{r['outcome']}:{r['reason']}": r["len"] for r in removed.iter_rows(named=True)},
        })
    return rows


def publish_version(config: PipelineConfig, out: Path, stats: dict, validation: dict, *, stages: tuple[str, ...]):
    """Write the validated dataset as a content-addressed version (or record it as failed)."""
    from curation.versions import publish

    examples = pl.read_parquet(stage_dir(out, "validate") / "examples.parquet")
    ledger = combined_ledger(out, stages)
    ledger.write_parquet(out / "ledger.parquet")
    finals = final_outcomes(ledger, stages)
    finals.write_parquet(out / "outcomes.parquet")
    problems = conservation_problems(ledger, stages)
    manifest = {
        "name": config.name,
        "products": config.company.products,  # the catalog training uses to vary how questions name a product
        "company": config.company.name,  # the persona's company, named in training's out-of-scope declines
        "input_fingerprint": input_fingerprint(out),
        "counts": {
            "examples": examples.height,
            "by_split": dict(examples.group_by("split").len().sort("split").iter_rows()),
            "by_source": dict(examples.group_by("source_kind").len().sort("source_kind").iter_rows()),
            "by_kind": dict(examples.group_by("kind").len().sort("kind").iter_rows()),
            "units": dict(finals.group_by("outcome").len().sort("outcome").iter_rows()),
            "units_by_source": {f"{k}/{o}": n for k, o, n in finals.group_by("source_kind", "outcome").len().sort("source_kind", "outcome").iter_rows()},
            "reasons": {f"{o}:{r}": n for o, r, n in finals.filter(pl.col("outcome") != "kept").group_by("outcome", "reason").len().sort("len", descending=True).iter_rows()},
        },
        "conservation": {"ok": not problems, "problems": problems},
        "funnel": funnel(out, stages, ledger),
        "stages": stats,
        "pii_redactions": stats.get("clean", {}).get("pii_redactions", {}),
        "data_docs": validation.get("gx", {}).get("data_docs", ""),
    }
    artifacts = {
        "ledger.parquet": out / "ledger.parquet",
        "outcomes.parquet": out / "outcomes.parquet",
        "clusters.parquet": stage_dir(out, "dedup") / "clusters.parquet",
        "signatures.parquet": stage_dir(out, "dedup") / "signatures.parquet",
        "validation.json": stage_dir(out, "validate") / "validation.json",
        "token_counts.parquet": stage_dir(out, "validate") / "token_counts.parquet",
        "example_flags.parquet": stage_dir(out, "validate") / "example_flags.parquet",
    }
    return publish(Path(config.versions_dir), examples, dataset_files=stage_dir(out, "validate") / "export",
                   config_hash=config.config_hash(), manifest=manifest, artifacts=artifacts,
                   validation_passed=bool(validation.get("passed")) and not problems, validation_report=validation)


