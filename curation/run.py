"""The curation's call order, in plain Python: the CLI and the Prefect flows share it.

ingest -> clean -> examples -> dedup -> split -> validate -> publish. Each stage reads the
previous stage's files under one working folder and writes its own files and ledger there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polars as pl

from curation.config import PipelineConfig
from curation.outcomes import STAGES, conservation_problems, final_outcomes


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
        staff_domains=company.domains,
    ).as_dict()


def run_examples(config: PipelineConfig, out: Path) -> dict:
    from curation.examples.build import build_examples

    return build_examples(stage_dir(out, "clean") / "documents.parquet", stage_dir(out, "examples"), config.company, config.examples).as_dict()


def run_dedup(config: PipelineConfig, out: Path, *, map_fn: Callable = map) -> dict:
    from curation.dedup.pipeline import dedup
    from curation.versions import latest_version

    versions = Path(config.versions_dir)
    latest = latest_version(versions)
    previous = versions / latest / "signatures.parquet" if latest else None
    summary = dedup(stage_dir(out, "examples") / "examples.parquet", stage_dir(out, "dedup"), config.dedup,
                    previous_signatures=previous if previous and previous.exists() else None, map_fn=map_fn)
    return summary.as_dict()


def run_split(config: PipelineConfig, out: Path) -> dict:
    from curation.split import split_examples
    from curation.validate.leakage import leakage_pairs

    near_pairs = partial(leakage_pairs, config=config.dedup, threshold=config.validation.leakage_threshold)
    return split_examples(stage_dir(out, "examples") / "examples.parquet", stage_dir(out, "split"), config.split,
                          survivors=stage_dir(out, "dedup") / "survivors.parquet", near_pairs=near_pairs)


def run_validate(config: PipelineConfig, out: Path, *, gx_project_root: Path | None = None, map_fn: Callable = map) -> dict:
    """Pydantic per record, the leakage check, the GX suites and the export checks; writes validate/."""
    from curation.validate.leakage import leakage_pairs
    from curation.validate.records import validate_records
    from curation.validate.suite import dataset_tables, describe_failure, run_suites
    from curation.versions import write_version_files

    target = stage_dir(out, "validate")
    target.mkdir(parents=True, exist_ok=True)
    examples = pl.read_parquet(stage_dir(out, "split") / "examples.parquet")
    valid, ledger = validate_records(examples)
    ledger.write_parquet(target / "ledger.parquet")
    valid.write_parquet(target / "examples.parquet")
    leaks = leakage_pairs(valid, config.dedup, threshold=config.validation.leakage_threshold, map_fn=map_fn)
    company = config.company
    keep = [*company.keep_terms, *company.support_addresses]
    gx_report = run_suites(dataset_tables(valid, config.split.ratios, keep), config.validation, config.split.ratios,
                           project_root=gx_project_root or out, run_name=f"{config.name}-{_fingerprint(valid)}")
    export_dir = target / "export"
    export_dir.mkdir(exist_ok=True)
    write_version_files(export_dir, valid)
    export = export_checks(export_dir, config, token_counts=target / "token_counts.parquet")
    failures = [r for r in gx_report.results if r["critical"] and not r["success"]]
    if leaks:
        failures.append({"check": "leakage", "rule": f"held-out/train pairs with MinHash Jaccard >= {config.validation.leakage_threshold}",
                         "count": len(leaks), "examples": [f"{p['heldout']}~{p['train']}" for p in leaks[:5]], "critical": True})
    for split, check in export.items():
        if not check["ok"]:
            failures.append({"check": f"export.{check['file']}", "rule": "OpenAI chat JSONL: " + ", ".join(f"{k}={v}" for k, v in check["format_errors"].items()),
                             "count": sum(check["format_errors"].values()), "examples": [], "critical": True})
    critical = [describe_failure(f) for f in failures]
    quarantined = ledger.filter(pl.col("outcome") == "quarantined")["record_id"].n_unique()
    report = {
        "passed": not critical,
        "critical_failures": critical,
        "failures": failures,
        "warnings": gx_report.warnings,
        "records": {"in": examples.height, "valid": valid.height, "quarantined": quarantined},
        "leakage": {"threshold": config.validation.leakage_threshold, "pairs": leaks[:20], "count": len(leaks)},
        "gx": gx_report.as_dict(),
        "export": export,
    }
    (target / "validation.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    return report


def export_checks(export_dir: Path, config: PipelineConfig, *, token_counts: Path | None = None) -> dict:
    from curation.validate.export import chat_template_counter, check_jsonl

    counter, tokenizer_name = None, "estimate (chars/4)"
    try:
        from train.base_model import load_tokenizer

        counter, tokenizer_name = chat_template_counter(load_tokenizer(config.validation.tokenizer)), config.validation.tokenizer
    except Exception:  # no tokenizer here: counts are estimates, and the report says so
        counter = None
    results = {}
    rows = []
    for split in ("train", "validation", "test"):
        counts: list[int] = []
        result = check_jsonl(export_dir / f"{split}.jsonl", max_tokens=config.validation.max_tokens, count_tokens=counter, per_line=counts)
        results[split] = {**result, "tokenizer": tokenizer_name}
        ids = pl.read_parquet(export_dir / f"{split}.parquet", columns=["id"])["id"].to_list()
        rows += [{"id": i, "split": split, "tokens": n} for i, n in zip(ids, counts)] if len(ids) == len(counts) else []
    if token_counts is not None:
        pl.DataFrame(rows, schema={"id": pl.String, "split": pl.String, "tokens": pl.Int64}).write_parquet(token_counts)
    return results


def _fingerprint(frame: pl.DataFrame) -> str:
    return hashlib.sha256("\n".join(sorted(frame["id"].to_list())).encode()).hexdigest()[:8]


def input_fingerprint(out: Path) -> str:
    sources = pl.read_parquet(stage_dir(out, "ingest") / "sources.parquet").sort("path")
    payload = "\n".join(f"{p}\t{h.split(':')[0]}" for p, h in zip(sources["path"], sources["sha256"]))
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def combined_ledger(out: Path) -> pl.DataFrame:
    from curation.ledger import LEDGER_SCHEMA

    frames = [pl.read_parquet(stage_dir(out, s) / "ledger.parquet").cast(dict(LEDGER_SCHEMA)) for s in STAGES if (stage_dir(out, s) / "ledger.parquet").exists()]
    ledger = pl.concat(frames, how="vertical")
    # later stages know a unit by id only: give their rows the unit's path and locator from ingest
    origin = ledger.filter(pl.col("stage") == "ingest").select("unit_id", pl.col("path").alias("_p"), pl.col("locator").alias("_l")).unique("unit_id")
    return ledger.join(origin, on="unit_id", how="left").with_columns(
        path=pl.when(pl.col("path") == "").then(pl.col("_p")).otherwise(pl.col("path")),
        locator=pl.when(pl.col("locator") == "").then(pl.col("_l")).otherwise(pl.col("locator")),
    ).drop("_p", "_l")


def funnel(out: Path, ledger: pl.DataFrame | None = None) -> list[dict]:
    """Per stage: units in, kept, and removed by outcome:reason (read from the ledgers)."""
    rows = []
    ledger = combined_ledger(out) if ledger is None else ledger
    for stage in STAGES:
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


@dataclass
class RefreshResult:
    version_id: str
    status: str
    path: Path
    parent: str | None
    stages: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"version_id": self.version_id, "status": self.status, "path": str(self.path), "parent": self.parent,
                "validation_passed": self.validation.get("passed"), "critical_failures": self.validation.get("critical_failures", [])}


def publish_version(config: PipelineConfig, out: Path, stages: dict, validation: dict):
    """Write the validated dataset as a content-addressed version (or record it as failed)."""
    from curation.versions import publish

    examples = pl.read_parquet(stage_dir(out, "validate") / "examples.parquet")
    ledger = combined_ledger(out)
    ledger.write_parquet(out / "ledger.parquet")
    finals = final_outcomes(ledger)
    finals.write_parquet(out / "outcomes.parquet")
    problems = conservation_problems(ledger)
    manifest = {
        "name": config.name,
        "products": config.company.products,  # the catalog training uses to vary how questions name a product
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
        "funnel": funnel(out, ledger),
        "stages": stages,
        "pii_redactions": stages.get("clean", {}).get("pii_redactions", {}),
        "data_docs": validation.get("gx", {}).get("data_docs", ""),
    }
    artifacts = {
        "ledger.parquet": out / "ledger.parquet",
        "outcomes.parquet": out / "outcomes.parquet",
        "clusters.parquet": stage_dir(out, "dedup") / "clusters.parquet",
        "signatures.parquet": stage_dir(out, "dedup") / "signatures.parquet",
        "validation.json": stage_dir(out, "validate") / "validation.json",
        "token_counts.parquet": stage_dir(out, "validate") / "token_counts.parquet",
    }
    return publish(Path(config.versions_dir), examples, dataset_files=stage_dir(out, "validate") / "export",
                   config_hash=config.config_hash(), manifest=manifest, artifacts=artifacts,
                   validation_passed=bool(validation.get("passed")) and not problems, validation_report=validation)


def refresh(config: PipelineConfig, *, out: Path | None = None, progress: bool = True, map_fn: Callable = map,
            gx_project_root: Path | None = None) -> RefreshResult:
    """The whole curation, ingest to publish, in one process."""
    out = out or Path(config.output_dir)
    stages = {
        "ingest": run_ingest(config, out, progress=progress),
        "clean": run_clean(config, out),
        "examples": run_examples(config, out),
        "dedup": run_dedup(config, out, map_fn=map_fn),
        "split": run_split(config, out),
    }
    validation = run_validate(config, out, gx_project_root=gx_project_root, map_fn=map_fn)
    result = publish_version(config, out, stages, validation)
    return RefreshResult(result.version_id, result.status, result.path, result.parent, stages, validation)
