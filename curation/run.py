"""Run the curation stages in order over one output folder; each stage writes its own ledger.

This is the plain-Python call order the CLI and the Prefect flows share:
ingest -> clean -> examples (later: dedup -> split -> validate -> publish).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from curation.config import PipelineConfig
from curation.ledger import read_ledger

STAGES = ["ingest", "clean", "examples"]


def stage_dir(out: Path, stage: str) -> Path:
    return out / stage


def run_ingest(config: PipelineConfig, out: Path, *, progress: bool = True) -> dict:
    from curation.ingest import ingest

    return ingest([Path(s) for s in config.sources], stage_dir(out, "ingest"), config.ingest, progress=progress).as_dict()


def run_clean(config: PipelineConfig, out: Path) -> dict:
    from curation.clean.pipeline import clean

    company = config.company
    return clean(
        stage_dir(out, "ingest") / "documents.parquet", stage_dir(out, "clean"), config.clean,
        keep_addresses=company.support_addresses, keep_terms=[company.name, *company.products, *company.keep_terms],
    ).as_dict()


def run_examples(config: PipelineConfig, out: Path) -> dict:
    from curation.examples.build import build_examples

    return build_examples(stage_dir(out, "clean") / "documents.parquet", stage_dir(out, "examples"), config.company, config.examples).as_dict()


def ledger(out: Path) -> pl.LazyFrame:
    """All stages' ledger rows under out."""
    frames = [read_ledger(stage_dir(out, s) / "ledger.parquet") for s in STAGES if (stage_dir(out, s) / "ledger.parquet").exists()]
    return pl.concat(frames, how="vertical")


def funnel(out: Path) -> list[dict]:
    """Per stage: units in, kept, dropped and quarantined by reason (read from the ledgers)."""
    rows = []
    for stage in STAGES:
        path = stage_dir(out, stage) / "ledger.parquet"
        if not path.exists():
            continue
        frame = pl.read_parquet(path)
        units = frame.group_by("unit_id").agg(pl.col("outcome").first(), pl.col("reason").first())
        by_reason = units.filter(pl.col("outcome") != "kept").group_by("outcome", "reason").len().sort("len", descending=True)
        rows.append({
            "stage": stage,
            "in": units.height,
            "kept": units.filter(pl.col("outcome") == "kept").height,
            "removed": {f"{r['outcome']}:{r['reason']}": r["len"] for r in by_reason.iter_rows(named=True)},
        })
    if (stage_dir(out, "examples") / "examples.parquet").exists():
        examples = pl.read_parquet(stage_dir(out, "examples") / "examples.parquet")
        rows.append({"stage": "examples (records)", "in": examples.height, "kept": examples.height,
                     "removed": {}, "by_kind": dict(examples.group_by("kind").len().iter_rows())})
    (out / "funnel.json").write_text(json.dumps(rows, indent=2) + "\n")
    return rows
