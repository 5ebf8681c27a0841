"""End to end with real components: a Prefect server (SQLite) on loopback, a process work pool,
`prefect deploy --all` from prefect.yaml, a process worker. The refresh deployment publishes a
version; its event triggers exactly one retrain run (tiny model) that completes; a second refresh
with unchanged data triggers none. Server and worker are stopped by their process ids.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tests.refresh_helpers import sample_config

pytestmark = pytest.mark.slow
PREFECT = str(Path(sys.executable).parent / "prefect")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 1.0):
    """Poll for a state with a generous deadline (a slow machine only waits longer; nothing asserts on time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _tiny_model(folder: Path) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    from train.base_model import load_tokenizer

    tokenizer = load_tokenizer("smollm2")
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024, tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _runs(api: str, flow_name: str) -> list[dict]:
    response = httpx.post(f"{api}/flow_runs/filter", json={"flows": {"name": {"any_": [flow_name]}}}, timeout=30)
    response.raise_for_status()
    return response.json()


def _events(api: str, name: str, resource: str | None = None) -> list[dict]:
    """Events of this name the server has stored (optionally about one resource), oldest first."""
    event_filter: dict = {"event": {"name": [name]}, "occurred": {"since": "2000-01-01T00:00:00Z"}, "order": "ASC"}
    if resource:
        event_filter["resource"] = {"id": [resource]}
    response = httpx.post(f"{api}/events/filter", json={"filter": event_filter, "limit": 50}, timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_nightly_refresh_event_triggers_exactly_one_retrain(tmp_path: Path):
    model_dir = _tiny_model(tmp_path / "tiny-model")
    config = sample_config(tmp_path, train={"base_model": str(model_dir), "max_steps": 2, "batch_size": 4, "eval_max_new_tokens": 4,
                                            "rehearsal_max_new_tokens": 8, "eval_general_max_new_tokens": 4,  # a random tiny model never stops: its tokens are the cost
                                            "adapters_dir": str(tmp_path / "adapters")})
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_API_URL": api,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
        "PREFECT_WORKER_PREFETCH_SECONDS": "2",
        "CURATE_CONFIG": str(tmp_path / "pipeline.yaml"),
        "PWD": str(REPO_ROOT),
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    server = subprocess.Popen([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=REPO_ROOT,
                              stdout=(logs / "server.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    worker = None
    try:
        _wait(lambda: _healthy(api), 120, "the Prefect server")

        def cli(*args: str, timeout: int = 300) -> str:
            done = subprocess.run([PREFECT, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
            worker_log = (logs / "worker.log").read_text()[-4000:] if (logs / "worker.log").exists() else ""
            assert done.returncode == 0, f"prefect {' '.join(args)}:\n{done.stdout}\n{done.stderr}\nworker log:\n{worker_log}"
            return done.stdout

        cli("work-pool", "create", "specialist-library", "--type", "process")
        cli("--no-prompt", "deploy", "--all")
        worker = subprocess.Popen([PREFECT, "worker", "start", "--pool", "specialist-library"], env=env, cwd=REPO_ROOT,
                                  stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True)

        cli("deployment", "run", "refresh_dataset/nightly-refresh", "--watch", timeout=600)
        refreshes = _runs(api, "refresh_dataset")
        assert [r["state_type"] for r in refreshes] == ["COMPLETED"]
        versions = [p for p in Path(config.versions_dir).iterdir() if not p.name.startswith((".", "_"))]
        assert len(versions) == 1

        trained = _wait(lambda: [r for r in _runs(api, "train_and_evaluate") if r["state_type"] == "COMPLETED"], 420,
                        "the triggered train_and_evaluate run to complete", interval=3)
        assert len(trained) == 1
        assert trained[0]["parameters"] == {"dataset_version": versions[0].name}
        assert (versions[0] / "evals").is_dir()
        page = (Path(config.reports_dir) / "versions" / f"{versions[0].name}.html").read_text()
        for section in ("eval-answers", "eval-retention", "eval-declines"):  # the eval report flows back into the dashboard
            assert f'id="{section}"' in page, section

        cli("deployment", "run", "refresh_dataset/nightly-refresh", "--watch", timeout=600)
        refreshes = _runs(api, "refresh_dataset")
        assert [r["state_type"] for r in refreshes] == ["COMPLETED", "COMPLETED"]
        # No sleep for a wrong trigger: a retrain can only be triggered by a dataset.version.created
        # event. The flow run's own Completed event is sent after anything the run emitted, so once the
        # server holds it, it holds every event of that run; there must still be exactly one.
        second = max(refreshes, key=lambda r: r["start_time"])["id"]
        _wait(lambda: _events(api, "prefect.flow-run.Completed", resource=f"prefect.flow-run.{second}"), 120,
              "the second refresh's Completed event on the server")
        created = _events(api, "dataset.version.created")
        assert [e["payload"]["version_id"] for e in created] == [versions[0].name], "an unchanged refresh must not announce a version"
        assert len(_runs(api, "train_and_evaluate")) == 1, "an unchanged refresh must not trigger a retrain"
    finally:
        if worker is not None:
            _stop(worker)
        _stop(server)
    assert server.poll() is not None and (worker is None or worker.poll() is not None)


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
