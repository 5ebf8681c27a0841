"""`refresh`: every curation step in the order of curation.steps.STEPS, in one process.

The CLI and the Prefect flow iterate the same list; this is the plain-Python loop over it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from curation import publish
from curation.config import PipelineConfig
from curation.steps import STAGES, STEPS, RunContext


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

    def as_dict(self) -> dict:
        return {"version_id": self.version_id, "status": self.status, "path": str(self.path), "parent": self.parent,
                "validation_passed": self.validation.get("passed"), "critical_failures": self.validation.get("critical_failures", [])}


def refresh(config: PipelineConfig, *, out: Path | None = None, progress: bool = True, map_fn: Callable = map,
            gx_project_root: Path | None = None) -> RefreshResult:
    """The whole curation, ingest to publish, in one process."""
    out = out or Path(config.output_dir)
    ctx = RunContext(map_fn=map_fn, progress=progress, gx_project_root=gx_project_root)
    for step in STEPS:
        ctx.results[step.name] = step.run(config, out, ctx)
    published = ctx.results["publish"]
    stats = {name: ctx.results[name] for name in STAGES if name != "validate"}
    return RefreshResult(published["version_id"], published["status"], Path(published["path"]), published["parent"],
                         stats, ctx.results["validate"])
