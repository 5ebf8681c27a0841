"""`refresh_dataset`: every step of curation.steps.STEPS, each a task (sharded steps: each shard a task).

Progress: the `refresh-progress` artifact moves with every shard that comes back (a step's share of
the bar is split among its shards) and says which step and shard it is at.

Emits `dataset.version.created` (resource `dataset.<name>`, payload `version_id`) when, and only
when, a new version passed validation. Run it without a server (`python -m flows.refresh`,
ephemeral mode), or as the `nightly-refresh` deployment of prefect.yaml. With `--dask-address`
the sharded steps run on an existing Dask cluster.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from curation import run
from curation.config import ConfigError, PipelineConfig
from curation.lock import working_folder_lock
from curation.steps import STEPS, RunContext
from flows.common import build_dashboard_task, config_from, io_runner_map, runner_map

EVENT = "dataset.version.created"


# One task per step of curation.steps.STEPS, retried only where it touches the outside world (reading
# the exports, writing the version). log_prints off: `datasets` fingerprints functions with dill, which
# reads the globals a function uses from `dis` output captured on stdout; Prefect's print-to-log patch
# would divert that output into the run's logs and leave dill's capture empty.
STEP_TASKS = {
    step.name: task(step.run, name=step.name, cache_policy=NO_CACHE, log_prints=False,
                    retries=2 if step.touches_outside else 0, retry_delay_seconds=5)
    for step in STEPS if not step.sharded
}


@flow(name="refresh_dataset", log_prints=False)
def refresh_dataset(config_path: str | None = None, shard_size: int | None = None) -> dict:
    """Curate the configured sources into a new dataset version (or find it unchanged). `shard_size`: documents
    per shard of the sharded steps (default: curation.shards.DEFAULT_SHARD_SIZE); it never changes the output."""
    logger = get_run_logger()
    config = config_from(config_path, logger)
    out = Path(config.output_dir)
    logger.info("refreshing %s from %s", config.name, ", ".join(config.sources))
    progress = create_progress_artifact(progress=0.0, key="refresh-progress", description=f"{config.name}: starting")
    tracker = _StepProgress(progress, config.name)
    ctx = RunContext(map_fn=runner_map, progress=False, on_progress=tracker, **({"shard_size": shard_size} if shard_size else {}))
    with working_folder_lock(out, "refresh"):  # never beside another refresh or a forget of the same folder
        for done, step in enumerate(STEPS, start=1):
            tracker.step = (done - 1, step.name)
            if step.sharded:  # run here: its shards are tasks on the flow's task runner (threads, or Dask)
                ctx.map_fn = io_runner_map if step.touches_outside else runner_map
                ctx.results[step.name] = step.run(config, out, ctx)
            else:
                ctx.results[step.name] = STEP_TASKS[step.name](config, out, ctx)
            tracker.shown = 100.0 * done / len(STEPS)
            update_progress_artifact(progress, tracker.shown, description=f"{config.name}: {step.name} done ({done}/{len(STEPS)} steps)")
    result, validation = ctx.results["publish"], ctx.results["validate"]
    dashboard = build_dashboard_task(config)

    funnel = run.funnel(out)
    create_table_artifact(
        key="refresh-funnel",
        table=[{"stage": f["stage"], "in": f["in"], "kept": f["kept"], "removed": ", ".join(f"{k}={v}" for k, v in f["removed"].items()) or "-"} for f in funnel],
        description=f"Per-stage counts of {config.name} ({result['status']} {result['version_id']})",
    )
    create_markdown_artifact(key="refresh-summary", markdown=_summary(config, result, validation), description="refresh summary")
    create_link_artifact(key="dashboard", link=Path(dashboard).as_uri(), link_text="data-quality dashboard")
    if result["status"] == "published":
        emit_event(event=EVENT, resource={"prefect.resource.id": f"dataset.{config.name}", "prefect.resource.name": config.name},
                   payload={"version_id": result["version_id"], "parent": result["parent"], "path": result["path"]})
        logger.info("published %s and emitted %s", result["version_id"], EVENT)
    else:
        logger.info("%s: %s (no event)", result["status"], result["version_id"])
    return {"version_id": result["version_id"], "status": result["status"], "dashboard": dashboard}


class _StepProgress:
    """The flow's ProgressFn: each shard that comes back moves the `refresh-progress` artifact within its step's share."""

    def __init__(self, artifact_id, name: str):
        self.artifact_id, self.name = artifact_id, name
        self.step = (0, "")  # (index, name) of the step running
        self.shown = 0.0  # never backwards: a step's shards may come in phases (clean: names, then documents)

    def __call__(self, what: str, done: int, total: int) -> None:
        if not total:
            return
        index, step = self.step
        self.shown = max(self.shown, min(100.0 * (index + done / total) / len(STEPS), 100.0))
        update_progress_artifact(self.artifact_id, self.shown,
                                 description=f"{self.name}: {what} {done}/{total} shards (step {index + 1}/{len(STEPS)}: {step})")


def _summary(config: PipelineConfig, result: dict, validation: dict) -> str:
    lines = [f"# {config.name}: {result['status']} `{result['version_id']}`", "",
             f"- parent: `{result['parent']}`", f"- validation: {'passed' if validation.get('passed') else 'FAILED'}",
             f"- records quarantined: {validation['records']['quarantined']}; leaks: {validation['leakage']['count']}"]
    lines += [f"- critical: {failure}" for failure in validation.get("critical_failures", [])]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the refresh flow once, without a server (ephemeral Prefect).")
    parser.add_argument("--config", default=None)
    parser.add_argument("--dask-address", default=None, help="run the sharded steps on an existing Dask cluster (tcp://host:8786)")
    args = parser.parse_args()
    try:
        config = config_from(args.config)  # fail before starting Prefect when the config cannot run
    except ConfigError as err:
        raise SystemExit(f"config error: {err}") from err
    flow_ = refresh_dataset
    if args.dask_address:
        from prefect_dask import DaskTaskRunner

        flow_ = refresh_dataset.with_options(task_runner=DaskTaskRunner(address=args.dask_address))
    result = flow_(config_path=args.config)
    print(f"\n{'stage':<10} {'in':>7} {'kept':>7}  removed (outcome:reason=count)")
    for row in run.funnel(Path(config.output_dir)):
        removed = ", ".join(f"{k}={v}" for k, v in row["removed"].items()) or "-"
        print(f"{row['stage']:<10} {row['in']:>7} {row['kept']:>7}  {removed}")
    print(f"\n{result['status']}: {result['version_id']}\ndashboard: {result['dashboard']}")


if __name__ == "__main__":
    main()
