"""The refresh flow on the default runner and on a local Dask cluster gives the same version."""

from __future__ import annotations

import pytest

from tests.refresh_helpers import sample_config


@pytest.fixture(scope="module")
def prefect_test_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _config_file(tmp, name):
    config = sample_config(tmp / name)
    return str(tmp / name / "pipeline.yaml"), config


def test_refresh_flow_default_and_dask_give_the_same_version(prefect_test_harness, tmp_path, monkeypatch):
    from prefect_dask import DaskTaskRunner

    from flows.refresh import refresh_dataset

    from curation import run

    monkeypatch.setenv("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "false")
    default_path, default_config = _config_file(tmp_path, "default")
    first = refresh_dataset(config_path=default_path, shard_size=60)  # several shards per step: each a task
    assert first["status"] == "published"
    assert _latest_progress() == 100.0, "the flow's progress artifact reaches 100% step by step"
    dask_path, dask_config = _config_file(tmp_path, "dask")
    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 1, "threads_per_worker": 2, "processes": False, "dashboard_address": None})
    second = refresh_dataset.with_options(task_runner=runner)(config_path=dask_path, shard_size=60)
    assert second["status"] == "published"
    assert second["version_id"] == first["version_id"]
    _, plain_config = _config_file(tmp_path, "plain")
    plain = run.refresh(plain_config, progress=False, map_fn=map, gx_project_root=tmp_path / "plain")
    assert plain.version_id == first["version_id"], "Prefect tasks, Dask and builtin map give one version"
    index = tmp_path / "dask" / "reports" / "index.html"
    assert index.exists() and second["version_id"] in index.read_text()
    again = refresh_dataset(config_path=default_path)
    assert again["status"] == "unchanged"


def _latest_progress() -> float:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["refresh-progress"])),
                                          sort=ArtifactSort.UPDATED_DESC, limit=1)
    return float(artifacts[0].data)
