"""The one ordered list of curation steps. `curate refresh`, the CLI's partial commands (`curate
build`) and the Prefect flow all iterate STEPS; nothing else writes the call order down.

A step is ``run(config, out, ctx) -> dict``: it reads what earlier steps wrote under the working
folder ``out`` (through schemas/frames.py), writes its own output and ledger under ``out/<name>``,
and returns its stats. ``ctx`` carries how to run (the map for sharded work, the shard size, progress,
the GX folder) and the stats of the steps before it. Each step's logic and config live in its own
package; the functions here only wire a step's inputs and outputs.

Sharded steps (curation/shards.py) map their shards with ``ctx.map_fn``: ingest (files), clean
(documents), examples (threads, tickets, manual sections), dedup and split (signatures, leakage pairs)
and validate (per record). Clean, examples and validate's per-record checks cache their per-unit
results under ``out/<name>/cache/``; clean, examples, split and validate also skip themselves when
their inputs' bytes, the config and the code are what they last ran on (``out/<name>/step_memo.json``),
so a refresh over unchanged inputs only hashes them.
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
from curation.shards import DEFAULT_SHARD_SIZE, ProgressFn, TqdmProgress, code_fingerprint, file_digest, forget_memo, load_memo, memo_key, save_memo
from schemas.frames import stage_dir


@dataclass
class RunContext:
    map_fn: Callable = map  # sharded steps map their shards with it: builtin map, a process pool, Prefect tasks, Dask
    progress: bool = True
    gx_project_root: Path | None = None  # default: the working folder (out/gx)
    results: dict[str, dict] = field(default_factory=dict)  # stats of the steps run so far, by name
    shard_size: int = DEFAULT_SHARD_SIZE  # documents (records) per shard: what one worker holds at a time
    on_progress: ProgressFn | None = None  # (what, shards done, shards) after each shard; default: tqdm bars when progress
    memo: bool = True  # skip a step whose inputs, config and code are the ones it last ran on
    skipped: set[str] = field(default_factory=set)  # the steps that found nothing changed
    run_suites: Callable | None = None  # runs validate's GX suites (suite.run_suites's signature); None: suite.run_suites here

    def map_for(self, items: int) -> Callable:
        """The map for dedup's and the leakage check's signature shards (numpy over a few big slices of texts):
        builtin map up to 50 shards' worth of rows. Shipping the texts to a local process pool made dedup
        slower, not faster, at 20k and 100k units on 2 cores (benchmarks/refresh.py); a cluster can take them."""
        return self.map_fn if items > 50 * self.shard_size else map

    def report(self) -> ProgressFn:
        if self.on_progress is None:
            self.on_progress = TqdmProgress(self.progress)
        return self.on_progress


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[PipelineConfig, Path, RunContext], dict]
    touches_outside: bool = False  # reads the user's exports or writes the published version: retried on I/O errors
    sharded: bool = False  # maps shards with ctx.map_fn (in a flow: each shard a task on the flow's runner)
    ledger: bool = True  # writes out/<name>/ledger.parquet (every step but publish)


def _ingest(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.erasure import load_register
    from curation.ingest import ingest

    return ingest([Path(s) for s in config.sources], stage_dir(out, "ingest"), config.ingest, progress=ctx.report(),
                  register=load_register(config.erasure_register), map_fn=ctx.map_fn).as_dict()


# The modules whose code (with every project module they import) makes each memoised step's output.
MEMO_CODE = {
    "clean": ("curation.clean.pipeline",),
    "examples": ("curation.examples.build", "curation.validate.tokens"),
    "split": ("curation.split", "curation.validate.leakage"),
    "validate": ("curation.validate.per_record", "curation.validate.suite", "curation.validate.leakage", "curation.validate.export",
                 "curation.validate.quality_report", "curation.versions"),
}


def _memoised(name: str, config: PipelineConfig, out: Path, ctx: RunContext, inputs: list[Path], outputs: list[Path],
              run: Callable[[], dict]) -> dict:
    """run() unless the inputs' bytes, the config and the code are those the step last ran on and its outputs are
    still the files it wrote: then its recorded stats (a per-unit cache's counts say nothing was computed)."""
    folder = stage_dir(out, name)
    code = (code_fingerprint(*MEMO_CODE[name]), file_digest(Path(__file__)))
    key = memo_key(name, inputs, config.config_hash(), config.model_dump(mode="json", exclude={"workers"}), code)
    if ctx.memo and (stats := load_memo(folder, key, outputs)) is not None:
        ctx.skipped.add(name)
        return {**stats, "cache": {**stats["cache"], "computed": 0, "step_skipped": True}} if isinstance(stats.get("cache"), dict) else stats
    forget_memo(folder)
    stats = run()
    save_memo(folder, key, stats, outputs)
    return stats


def _clean(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.clean.pipeline import clean

    company = config.company
    source, target = stage_dir(out, "ingest") / "documents.parquet", stage_dir(out, "clean")
    return _memoised("clean", config, out, ctx, [source], [target / "documents.parquet", target / "ledger.parquet"], lambda: clean(
        source, target, config.clean,
        keep_addresses=company.support_addresses, keep_terms=[company.name, *company.products, *company.keep_terms],
        staff_domains=company.domains, map_fn=ctx.map_fn, shard_size=ctx.shard_size, progress=ctx.report(),
    ).as_dict())


def _examples(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.examples.build import build_examples, token_budget

    fits = (token_budget(config.validation.token_counter, config.validation.tokenizer, config.train.max_seq_length, _token_cache(out))
            if config.examples.fit_training_length else None)
    source, target = stage_dir(out, "clean") / "documents.parquet", stage_dir(out, "examples")
    return _memoised("examples", config, out, ctx, [source], [target / "examples.parquet", target / "ledger.parquet"], lambda: build_examples(
        source, target, config.company, config.examples, fits, map_fn=ctx.map_fn, shard_size=ctx.shard_size, progress=ctx.report(),
    ).as_dict())


def _dedup(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.dedup.pipeline import dedup
    from curation.versions import latest_version

    versions = Path(config.versions_dir)
    latest = latest_version(versions)
    previous = versions / latest / "signatures.parquet" if latest else None
    source = stage_dir(out, "examples") / "examples.parquet"
    rows = pl.scan_parquet(source).select(pl.len()).collect().item()
    summary = dedup(source, stage_dir(out, "dedup"), config.dedup,
                    previous_signatures=previous if previous and previous.exists() else None, map_fn=ctx.map_for(rows))
    return summary.as_dict()


def _split(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.split import split_examples
    from curation.validate.leakage import leakage_pairs

    source, survivors, target = stage_dir(out, "examples") / "examples.parquet", stage_dir(out, "dedup") / "survivors.parquet", stage_dir(out, "split")
    rows = pl.scan_parquet(survivors).select(pl.len()).collect().item() if survivors.exists() else 0
    near_pairs = partial(leakage_pairs, config=config.dedup, threshold=config.validation.leakage_threshold, map_fn=ctx.map_for(rows),
                         known_signatures=stage_dir(out, "dedup") / "signatures.parquet", pair_cache=leakage_cache(out))
    return _memoised("split", config, out, ctx, [source, survivors], [target / "examples.parquet", target / "ledger.parquet"],
                     lambda: split_examples(source, target, config.split, survivors=survivors, near_pairs=near_pairs))


def _validate(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    """Pydantic per record, the leakage check, the GX suites and the export checks; writes validate/."""
    source, target = stage_dir(out, "split") / "examples.parquet", stage_dir(out, "validate")
    outputs = [target / name for name in ("validation.json", "ledger.parquet", "examples.parquet", "token_counts.parquet", "example_flags.parquet", "export")]
    return _memoised("validate", config, out, ctx, [source], outputs, lambda: _validate_now(config, out, ctx))


def _validate_now(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.validate.gx_process import SuiteProcess
    from curation.validate.leakage import leakage_pairs
    from curation.validate.per_record import check_records
    from curation.validate.quality_report import summarise_flags
    from curation.validate.suite import dataset_tables, describe_failure, run_suites
    from curation.versions import write_version_files

    target = stage_dir(out, "validate")
    target.mkdir(parents=True, exist_ok=True)
    source = stage_dir(out, "split") / "examples.parquet"
    examples = pl.read_parquet(source)
    company = config.company
    keep = [*company.keep_terms, *company.support_addresses]
    regions = tuple(config.clean.pii.phone_regions)
    # per record, sharded and cached: Pydantic, the PII re-check, token counts, example-quality flags
    checks = check_records(source, target, keep_terms=keep, phone_regions=regions, token_counter=config.validation.token_counter,
                           tokenizer=config.validation.tokenizer, max_seq_length=config.train.max_seq_length, map_fn=ctx.map_fn,
                           shard_size=ctx.shard_size, progress=ctx.report(), token_cache=_token_cache(out))
    valid, ledger = examples.filter(checks.valid_mask()), checks.ledger
    ledger.write_parquet(target / "ledger.parquet")
    valid.write_parquet(target / "examples.parquet")
    tables = dataset_tables(valid, config.split.ratios, checks.pii_found())
    # in the Great Expectations process, the suites run while the leakage check and the export run here
    submit = ctx.run_suites.submit if isinstance(ctx.run_suites, SuiteProcess) else _at_once(ctx.run_suites or run_suites)
    gx_answer = submit(tables, config.validation, config.split.ratios, project_root=ctx.gx_project_root or out,
                       run_name=f"{config.name}-{_fingerprint(valid)}")
    del tables
    leaks = leakage_pairs(valid, config.dedup, threshold=config.validation.leakage_threshold, map_fn=ctx.map_for(valid.height),
                          known_signatures=stage_dir(out, "dedup") / "signatures.parquet", pair_cache=leakage_cache(out))
    export_dir = target / "export"
    export_dir.mkdir(exist_ok=True)
    write_version_files(export_dir, valid)
    export = export_checks(export_dir, config, token_counts=target / "token_counts.parquet", known_tokens=checks.known_tokens(),
                           token_cache=_token_cache(out))
    gx_report = gx_answer()
    flags = checks.flags()
    flags.write_parquet(target / "example_flags.parquet")  # the version's quality flags per example: the dashboard's browser reads them
    quality = summarise_flags(flags)
    failures = [r for r in gx_report.results if r["critical"] and not r["success"]]
    warnings = list(gx_report.warnings)
    if leaks:
        failures.append({"check": "leakage", "rule": f"held-out/train pairs with MinHash Jaccard >= {config.validation.leakage_threshold}",
                         "count": len(leaks), "examples": [f"{p['heldout']}~{p['train']}" for p in leaks[:5]], "critical": True})
    for split, check in export.items():
        if not check["ok"]:
            failures.append({"check": f"export.{check['file']}", "rule": "OpenAI chat JSONL: " + ", ".join(f"{k}={v}" for k, v in check["format_errors"].items()),
                             "count": sum(check["format_errors"].values()), "examples": [], "critical": True})
    quarantined_rows = ledger.filter(pl.col("outcome") == "quarantined").unique("record_id", keep="first", maintain_order=True)
    quarantined = quarantined_rows.height
    share = quarantined / examples.height if examples.height else 0.0
    if share > config.validation.max_quarantined_share:
        by_reason = ", ".join(f"{r}={n}" for r, n in quarantined_rows.group_by("reason").len().sort("reason").iter_rows())
        failures.insert(0, {"check": "quarantined records", "rule": f"at most {config.validation.max_quarantined_share:.0%} of the records ({by_reason})",
                            "count": quarantined, "examples": quarantined_rows["record_id"].head(5).to_list(), "critical": True})
    over = [example_id for check in export.values() for example_id in check["over_train_length_ids"]]
    if over:
        count = sum(check["over_train_length"] for check in export.values())
        warnings.append(f"{count} of {valid.height} example(s) exceed train.max_seq_length ({config.train.max_seq_length} tokens) "
                        f"and will be cut by train.overlong={config.train.overlong}, e.g. {', '.join(over[:5])}")
    for defect, limit in config.validation.critical_defect_shares.items():
        found = quality.get("all", {}).get("defects", {}).get(defect)
        if found and found["share"] > limit:
            failures.append({"check": f"example quality: {defect}", "rule": f"at most {limit:.1%} of the examples",
                             "count": found["count"], "examples": found["examples"], "critical": True})
    critical = [describe_failure(f) for f in failures]
    report = {
        "passed": not critical,
        "critical_failures": critical,
        "failures": failures,
        "warnings": warnings,
        "records": {"in": examples.height, "valid": valid.height, "quarantined": quarantined},
        "leakage": {"threshold": config.validation.leakage_threshold, "pairs": leaks[:20], "count": len(leaks)},
        "gx": gx_report.as_dict(),
        "export": export,
        "quality": quality,
        "per_record": checks.cache,
    }
    (target / "validation.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    return report


def _at_once(run_suites: Callable) -> Callable[..., Callable[[], object]]:
    """run_suites in place, now, in the shape of SuiteProcess.submit: the report is there when asked for."""
    def submit(*args, **kwargs) -> Callable[[], object]:
        report = run_suites(*args, **kwargs)
        return lambda: report
    return submit


def leakage_cache(out: Path) -> Path:
    """Held-out/train candidate pairs already measured (ids and Jaccard only), shared by split and validate."""
    return out / "cache" / "leakage-pairs.parquet"


def _token_cache(out: Path) -> str:
    """Where resolved token counters are kept between processes (see LazyTokenCounter)."""
    return str(out / "cache" / "token-counters")


def export_checks(export_dir: Path, config: PipelineConfig, *, token_counts: Path | None = None, known_tokens: dict[str, int] | None = None,
                  token_cache: str | None = None) -> dict:
    """The JSONL export's format and token checks. `known_tokens` (messages digest -> tokens, from the per-record
    checks) spares counting again; the tokenizer is loaded only for a line it does not know."""
    from curation.validate.export import check_jsonl
    from curation.validate.per_record import messages_digest
    from curation.validate.tokens import LazyTokenCounter

    lazy = LazyTokenCounter(config.validation.token_counter, config.validation.tokenizer, token_cache)
    tokenizer_name, known = lazy.label, known_tokens or {}

    def counter(messages: list[dict]) -> int:
        # a context turn's "weight": 0 (versions.openai_messages) is no token of the chat template: looked up without it
        count = known.get(messages_digest([{k: v for k, v in m.items() if k != "weight"} for m in messages])) if known else None
        return count if count is not None else lazy(messages)

    results = {}
    rows = []
    for split in ("train", "validation", "test"):
        counts: list[int] = []
        result = check_jsonl(export_dir / f"{split}.jsonl", max_tokens=config.validation.max_tokens, count_tokens=counter, per_line=counts)
        results[split] = {**result, "tokenizer": tokenizer_name}
        ids = pl.read_parquet(export_dir / f"{split}.parquet", columns=["id"])["id"].to_list()
        rows += [{"id": i, "split": split, "tokens": n} for i, n in zip(ids, counts)] if len(ids) == len(counts) else []
        # against the length it will be trained with: what is over it gets cut (train.overlong)
        over = [i for i, n in zip(ids, counts) if n > config.train.max_seq_length]
        results[split]["train_max_seq_length"] = config.train.max_seq_length
        results[split]["over_train_length"] = len(over)
        results[split]["over_train_length_ids"] = over[:20]
    if token_counts is not None:
        pl.DataFrame(rows, schema={"id": pl.String, "split": pl.String, "tokens": pl.Int64}).write_parquet(token_counts)
    return results


def _fingerprint(frame: pl.DataFrame) -> str:
    return hashlib.sha256("\n".join(sorted(frame["id"].to_list())).encode()).hexdigest()[:8]


def _publish(config: PipelineConfig, out: Path, ctx: RunContext) -> dict:
    from curation.publish import publish_version

    stats = {name: ctx.results[name] for name in STAGES if name in ctx.results and name != "validate"}
    result = publish_version(config, out, stats, ctx.results.get("validate", {}), stages=STAGES)
    return {"version_id": result.version_id, "status": result.status, "path": str(result.path), "parent": result.parent}


STEPS: tuple[Step, ...] = (
    Step("ingest", _ingest, touches_outside=True, sharded=True),
    Step("clean", _clean, sharded=True),
    Step("examples", _examples, sharded=True),
    Step("dedup", _dedup, sharded=True),
    Step("split", _split, sharded=True),
    Step("validate", _validate, sharded=True),
    Step("publish", _publish, touches_outside=True, ledger=False),
)
STAGES: tuple[str, ...] = tuple(step.name for step in STEPS if step.ledger)  # the ledger's stage order
STEP: dict[str, Step] = {step.name: step for step in STEPS}


def steps_through(last: str) -> tuple[Step, ...]:
    """The steps from the first up to and including `last` (`curate build` stops after examples)."""
    return STEPS[: [s.name for s in STEPS].index(last) + 1]


def run_step(name: str, config: PipelineConfig, out: Path, ctx: RunContext | None = None) -> dict:
    """Run one step alone (its inputs must be in `out` already); returns its stats."""
    return STEP[name].run(config, out, ctx or RunContext())
