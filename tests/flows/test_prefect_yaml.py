"""Everything declared is tested: prefect.yaml's deployments point at flows that load."""

from __future__ import annotations

import importlib

import yaml

from tests.conftest import REPO_ROOT


def test_every_deployment_entrypoint_loads_and_is_wired():
    spec = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == {"nightly-refresh", "retrain-on-new-version"}
    for deployment in deployments.values():
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        assert flow.name == name
    nightly = deployments["nightly-refresh"]["schedules"][0]
    assert nightly["cron"] == "0 2 * * *" and nightly["timezone"]
    trigger = deployments["retrain-on-new-version"]["triggers"][0]
    assert trigger["expect"] == ["dataset.version.created"]
    assert trigger["parameters"] == {"dataset_version": "{{ event.payload.version_id }}"}


def test_pipeline_yaml_is_the_default_config():
    from curation.config import load_config

    assert load_config(REPO_ROOT / "pipeline.yaml") == load_config(None)
