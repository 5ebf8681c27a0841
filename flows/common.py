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


@task(name="shard", cache_policy=NO_CACHE)
def run_shard(fn, shard):
    return fn(shard)


def runner_map(fn, shards):
    """A map_fn for sharded steps: each shard is a task on the flow's task runner (threads, or Dask)."""
    futures = run_shard.map(unmapped(fn), list(shards))
    return [future.result() for future in futures]


@task(name="build-dashboard", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def build_dashboard_task(config: PipelineConfig) -> str:
    from curation.erasure import flags
    from curation.report.build import build_dashboard

    erasure = flags(config.erasure_register, config.train.adapters_dir)
    return str(build_dashboard(Path(config.versions_dir), Path(config.reports_dir), erasure=erasure).resolve())
