"""`refresh`: every curation step in the order of curation.steps.STEPS, sharded steps on a process pool.

The CLI and the Prefect flow iterate the same list; this is the plain-Python loop over it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from curation import publish
from curation.config import PipelineConfig
from curation.lock import working_folder_lock
from curation.shards import DEFAULT_SHARD_SIZE, PoolMap, ProgressFn
from curation.steps import STAGES, STEPS, RunContext
from curation.validate.gx_process import SuiteProcess


def funnel(out: Path) -> list[dict]:
    """Per stage: units in, kept, and removed by outcome:reason (read from the ledgers)."""
    return publish.funnel(out, STAGES)


def combined_ledger(out: Path):
    return publish.combined_ledger(out, STAGES)


@dataclass
class RefreshResult:
    version_id: str
    status: str
    path: Path
    parent: str | None
    stages: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)  # wall seconds per step
    skipped: list = field(default_factory=list)  # steps that found their inputs, config and code unchanged

    def as_dict(self) -> dict:
        return {"version_id": self.version_id, "status": self.status, "path": str(self.path), "parent": self.parent,
                "validation_passed": self.validation.get("passed"), "critical_failures": self.validation.get("critical_failures", [])}


def refresh(config: PipelineConfig, *, out: Path | None = None, progress: bool = True, map_fn: Callable | None = None,
            workers: int | None = None, gx_project_root: Path | None = None, shard_size: int | None = None,
            on_progress: ProgressFn | None = None) -> RefreshResult:
    """The whole curation, ingest to publish. The sharded steps map their shards with `map_fn`; without one,
    with a process pool of `workers` (else config.workers, else one per CPU core) processes, started
    only when a step has two or more shards of work (`workers=1`: builtin map, in this process). With more than
    one worker, Great Expectations is imported in a process of its own from the start
    (curation/validate/gx_process.py) unless this process has imported it already."""
    out = out or Path(config.output_dir)
    workers = workers or config.workers or os.cpu_count() or 1
    suites = SuiteProcess() if workers > 1 and SuiteProcess.wanted() else nullcontext()
    with suites as run_suites, working_folder_lock(out, "refresh"), (nullcontext(map_fn) if map_fn is not None else PoolMap(workers)) as mapper:
        ctx = RunContext(map_fn=mapper, progress=progress, gx_project_root=gx_project_root, shard_size=shard_size or DEFAULT_SHARD_SIZE,
                         on_progress=on_progress, run_suites=run_suites)
        seconds: dict[str, float] = {}
        for step in STEPS:
            start = time.perf_counter()
            ctx.results[step.name] = step.run(config, out, ctx)
            seconds[step.name] = round(time.perf_counter() - start, 3)
    published = ctx.results["publish"]
    stats = {name: ctx.results[name] for name in STAGES if name != "validate"}
    return RefreshResult(published["version_id"], published["status"], Path(published["path"]), published["parent"],
                         stats, ctx.results["validate"], seconds, sorted(ctx.skipped))
