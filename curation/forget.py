"""`curate forget`: a person's (or a file's, or a unit's) data leaves the dataset from the next version on.

1. Match the request (curation/erasure.py) against the latest run's ingested units
   (``<output_dir>/ingest/documents.parquet``, the only place that keeps their headers and raw text).
2. Find the published versions holding those units (an example of theirs in a split file, or in the
   dedup text store of an older version) and the adapters trained on those versions (their meta.json).
3. Unless it is a dry run: record the request in the register (salted hashes, the unit ids, versions and
   adapters), drop the units from ingest's documents (their ingest ledger rows become ``dropped: erased``
   naming the request), remove the later stages' working outputs under ``output_dir`` (they hold the
   units' text and are rebuilt by the next refresh), and remove their examples from the latest version's
   dedup store (signatures + texts), which the next refresh builds on and links into its version.

From then on every refresh drops the units the request matches, old or newly arrived, at ingest.
It never rewrites a published version (content-addressed and immutable: the ones holding erased data
are listed), never modifies an adapter (listed for retraining) and never touches the exports.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from curation.config import PipelineConfig
from curation.dedup.pipeline import forget_examples, read_signatures
from curation.erasure import By, Matcher, Request, load_register, normalise, trained_on
from curation.ingest.pipeline import apply_register
from curation.lock import working_folder_lock
from curation.steps import STAGES, leakage_cache
from curation.versions import SPLITS, latest_version, list_versions
from schemas.frames import stage_dir


@dataclass
class ForgetResult:
    request: Request
    units: pl.DataFrame  # unit_id, source_kind, path, locator: what matched in the latest run's ingested units
    searched: Path | None  # the documents.parquet matched against (None: there was none)
    example_ids: list[str]
    versions: list[str]  # published versions holding the units (immutable, not rewritten)
    adapters: dict[str, str]  # adapter id -> the version it was trained on
    recorded: bool = False
    purged: dict[str, int | list[str]] = field(default_factory=dict)


def source_relpath(value: str, sources: list[str]) -> str:
    """A path as the ledger shows it (relative to a source root's parent): a file or folder on disk under a
    configured source is converted, anything else is taken as written (e.g. "emails/eml/msg_000001.eml")."""
    path = Path(value).expanduser()
    if path.exists():
        resolved = path.resolve()
        for root in sources:
            base = Path(root).resolve().parent
            if resolved.is_relative_to(base):
                return resolved.relative_to(base).as_posix()
    return normalise("path", value)


def matching_units(documents: Path, matcher: Matcher) -> pl.DataFrame:
    """The ingested units a matcher matches: unit_id, source_kind, path, locator."""
    columns = ["id", "source_kind", "path", "locator", "title", "text", "meta"]
    hits = [row for row in pl.read_parquet(documents, columns=columns).iter_rows(named=True) if matcher.match(row)]
    frame = pl.DataFrame(hits, schema={c: pl.String for c in columns}, orient="row")
    return frame.select(pl.col("id").alias("unit_id"), "source_kind", "path", "locator").sort("source_kind", "path", "unit_id")


def examples_of(units: set[str], ledgers: list[Path]) -> set[str]:
    """Ids of the examples built from these units, read from the examples stage's rows of the given ledgers."""
    if not units:
        return set()
    wanted = pl.Series(sorted(units), dtype=pl.String).implode()
    found = set()
    for path in ledgers:
        rows = pl.scan_parquet(path).filter((pl.col("stage") == "examples") & pl.col("unit_id").is_in(wanted) & (pl.col("record_id") != ""))
        found |= set(rows.select("record_id").collect().to_series().to_list())
    return found


def holding_versions(root: Path, units: set[str], example_ids: set[str], *, store_purged: str | None) -> list[str]:
    """Published versions with an example of these units in a split file or in their dedup text store
    (not counting the store of `store_purged`, the version whose store forget purges)."""
    wanted_units = pl.Series(sorted(units), dtype=pl.String).implode()
    wanted_examples = pl.Series(sorted(example_ids), dtype=pl.String).implode()
    holding = []
    for manifest in list_versions(root):
        folder = root / manifest["version_id"]
        splits = [folder / f"{s}.parquet" for s in SPLITS if (folder / f"{s}.parquet").exists()]
        in_splits = any(
            pl.scan_parquet(p).filter(pl.col("id").is_in(wanted_examples) | pl.col("source_document_ids").list.eval(
                pl.element().is_in(wanted_units)).list.any()).select(pl.len()).collect().item()
            for p in splits)
        store = folder / "signatures.parquet"
        in_store = (manifest["version_id"] != store_purged and store.exists() and example_ids
                    and read_signatures(store, columns=["id"]).get_column("id").is_in(wanted_examples).any())
        if in_splits or in_store:
            holding.append(manifest["version_id"])
    return holding


def forget(config: PipelineConfig, by: By, value: str, *, dry_run: bool = False) -> ForgetResult:
    """Match, report and (unless dry_run) record and purge; see the module docstring. A forget that purges
    holds the working folder (curation/lock.py): it never runs beside a refresh that rewrites it."""
    if dry_run:
        return _forget(config, by, value, dry_run=True)
    with working_folder_lock(Path(config.output_dir), "forget"):
        return _forget(config, by, value, dry_run=False)


def _forget(config: PipelineConfig, by: By, value: str, *, dry_run: bool) -> ForgetResult:
    out, root = Path(config.output_dir), Path(config.versions_dir)
    ingest_dir = stage_dir(out, "ingest")
    register = load_register(config.erasure_register)
    request = register.request(by, source_relpath(value, config.sources) if by == "path" else value)
    documents = ingest_dir / "documents.parquet"
    searched = documents if documents.exists() else None
    units = matching_units(documents, register.matcher([request])) if searched else pl.DataFrame(
        schema={c: pl.String for c in ("unit_id", "source_kind", "path", "locator")})
    unit_ids = set(units["unit_id"].to_list())
    ledgers = [root / m["version_id"] / "ledger.parquet" for m in list_versions(root)] + [stage_dir(out, "examples") / "ledger.parquet"]
    example_ids = examples_of(unit_ids, [p for p in ledgers if p.exists()])
    latest = latest_version(root)
    versions = holding_versions(root, unit_ids, example_ids, store_purged=latest) if unit_ids else []
    adapters = trained_on(set(versions), config.train.adapters_dir)
    request.unit_ids = sorted(unit_ids | set(request.unit_ids))
    request.counts = dict(units.group_by("source_kind").len().sort("source_kind").iter_rows())
    request.versions, request.adapters = versions, sorted(adapters)
    result = ForgetResult(request, units, searched, sorted(example_ids), versions, adapters)
    if dry_run:
        return result
    register.append(request)
    result.recorded = True
    result.purged["ingested units"] = sum(apply_register(ingest_dir, register).values())
    if unit_ids:
        # the later stages' working outputs hold the units' (cleaned) text: the next refresh rebuilds them
        derived = [stage_dir(out, stage) for stage in STAGES[1:]] + [out / "ledger.parquet", out / "outcomes.parquet", leakage_cache(out)]
        result.purged["working outputs removed"] = [p.name for p in derived if p.exists()]
        for path in derived:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    if latest and example_ids:
        result.purged[f"dedup store rows of {latest}"] = forget_examples(root / latest / "signatures.parquet", example_ids)
    return result
