"""Helpers shared by the flows: the config file, the runner-backed map for sharded steps, the dashboard."""

from __future__ import annotations

from pathlib import Path

from prefect import task, unmapped
from prefect.cache_policies import NO_CACHE

from curation.config import PipelineConfig, discover_config


def config_from(path: str | None, logger=None) -> PipelineConfig:
    """The pipeline config: the parameter, else $CURATE_CONFIG, else ./pipeline.yaml, else the sample
    defaults (logged as such). A named path that does not exist raises ConfigError: a mistyped
    CURATE_CONFIG fails the run instead of curating and publishing the sample."""
    config, notice = discover_config(path)
    if notice and logger is not None:
        logger.warning(notice)
    return config


@task(name="shard", cache_policy=NO_CACHE, log_prints=False)
def run_shard(fn, shard):
    return fn(shard)


# the shards of a step that reads the exports (ingest) are retried on I/O errors, like the step was
run_io_shard = run_shard.with_options(name="shard-io", retries=2, retry_delay_seconds=5)


def runner_map(fn, shards, *, shard_task=run_shard):
    """A map_fn for sharded steps: each shard is a task on the flow's task runner (threads, or Dask). The
    results come back in shard order, each as soon as it and the ones before it are done (so a step's
    progress moves shard by shard)."""
    futures = shard_task.map(unmapped(fn), list(shards))
    for future in futures:
        yield future.result()


def io_runner_map(fn, shards):
    """runner_map with the retried shard task (for steps that touch the outside world)."""
    return runner_map(fn, shards, shard_task=run_io_shard)


@task(name="build-dashboard", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def build_dashboard_task(config: PipelineConfig) -> str:
    from curation.erasure import flags
    from curation.report.build import build_dashboard

    erasure = flags(config.erasure_register, config.train.adapters_dir)
    return str(build_dashboard(Path(config.versions_dir), Path(config.reports_dir), erasure=erasure).resolve())
