"""The config a user edits is the one that runs: discovery, unknown keys, relative paths, missing files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from curation.config import CONFIG_ENV, PROJECT_ROOT, ConfigError, discover_config, load_config
from tests.conftest import SAMPLE_ROOT

CURATE = [sys.executable, "-m", "curation.cli"]


def _write(folder: Path, values: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    return {**env, **extra}


def test_a_pipeline_yaml_in_the_working_folder_is_the_one_that_runs(tmp_path):
    _write(tmp_path, {"name": "acme-support", "versions_dir": "my-versions"})
    config, notice = discover_config(cwd=tmp_path)
    assert notice is None
    assert config.name == "acme-support"
    assert config.versions_dir == str(tmp_path / "my-versions")


def test_without_any_config_the_sample_runs_with_a_notice(tmp_path, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    config, notice = discover_config(cwd=tmp_path)
    assert "bundled sample defaults" in notice and str(tmp_path) in notice
    assert config.sources[0] == str(PROJECT_ROOT / "data" / "sample" / "raw" / "emails")


def test_relative_paths_resolve_against_the_config_files_folder(tmp_path, monkeypatch):
    eval_file = tmp_path / "project" / "eval" / "questions.jsonl"
    eval_file.parent.mkdir(parents=True)
    eval_file.write_text('{"question": "How do I reset it?"}\n')
    path = _write(tmp_path / "project", {"sources": ["raw/mail"], "output_dir": "out", "versions_dir": "versions",
                                         "split": {"decontaminate_against": ["eval/questions.jsonl"]}})
    monkeypatch.chdir(tmp_path)  # somewhere else
    config = load_config(path)
    base = (tmp_path / "project").resolve()
    assert config.sources == [str(base / "raw" / "mail")]
    assert (config.output_dir, config.versions_dir) == (str(base / "out"), str(base / "versions"))
    assert config.split.decontaminate_against == [str(eval_file.resolve())]


def test_the_config_hash_follows_decontamination_content_not_its_path(tmp_path):
    a, b = tmp_path / "a" / "q.jsonl", tmp_path / "b" / "q.jsonl"
    for file in (a, b):
        file.parent.mkdir(parents=True)
        file.write_text('{"question": "How do I reset it?"}\n')
    first = load_config(_write(a.parent, {"split": {"decontaminate_against": ["q.jsonl"]}}))
    second = load_config(_write(b.parent, {"split": {"decontaminate_against": ["q.jsonl"]}}))
    assert first.config_hash() == second.config_hash()
    b.write_text('{"question": "How do I pair it?"}\n')
    assert load_config(b.parent / "pipeline.yaml").config_hash() != first.config_hash()


def test_an_unknown_key_is_an_error_naming_its_path(tmp_path):
    path = _write(tmp_path, {"clean": {"quality": {"min_wordz": 3}}})
    with pytest.raises(ConfigError, match=r"clean\.quality\.min_wordz"):
        load_config(path)
    done = subprocess.run([*CURATE, "versions"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "clean.quality.min_wordz" in done.stderr


def test_a_missing_decontamination_file_is_an_error(tmp_path):
    path = _write(tmp_path, {"split": {"decontaminate_against": ["eval/nowhere.jsonl"]}})
    with pytest.raises(ConfigError, match=r"split\.decontaminate_against: .*nowhere\.jsonl"):
        load_config(path)


@pytest.mark.parametrize("how", ["--config", "CURATE_CONFIG"])
def test_a_missing_config_path_fails_the_cli_and_never_runs_the_sample(tmp_path, how):
    missing = tmp_path / "pipline.yaml"
    args, env = ([*CURATE, "refresh", "--config", str(missing)], _env()) if how == "--config" else ([*CURATE, "refresh"], _env(CURATE_CONFIG=str(missing)))
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{missing}: no such config file" in done.stderr
    assert "published" not in done.stdout


def test_a_missing_config_path_fails_the_refresh_flow_with_no_version(tmp_path):
    missing = tmp_path / "pipline.yaml"
    done = subprocess.run([sys.executable, "-m", "flows.refresh"], cwd=PROJECT_ROOT, env=_env(CURATE_CONFIG=str(missing)),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert f"{missing}: no such config file" in done.stderr
    assert "published" not in done.stdout


def test_the_flow_itself_refuses_a_missing_config_parameter(tmp_path):
    """A deployment run (the flow called with a parameter) fails instead of curating the sample."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.refresh import refresh_dataset

    with prefect_test_harness(server_startup_timeout=120):  # 30 s by default: too short on a busy 2-core box
        state = refresh_dataset(config_path=str(tmp_path / "nowhere.yaml"), return_state=True)
    assert state.is_failed()
    with pytest.raises(ConfigError, match="no such config file"):
        state.result()


def test_the_bundled_pipeline_yaml_runs_the_sample():
    config = load_config(PROJECT_ROOT / "pipeline.yaml")
    assert config.sources == [str(SAMPLE_ROOT / "raw" / k) for k in ("emails", "manuals", "tickets")]


def test_a_company_block_inherits_nothing_of_the_samples_company(tmp_path):
    """A user's `company:` with a name and domains alone: no Nordlicht products, hotline or persona in their data."""
    from curation.examples.config import PERSONA

    config = load_config(_write(tmp_path, {"company": {"name": "Support Desk", "domains": ["enron.com"]}}))
    assert (config.company.products, config.company.support_addresses, config.company.keep_terms) == ([], [], [])
    assert config.examples.for_company(config.company.name).system_prompt == PERSONA.format(company="Support Desk")
    assert load_config(None).company.products, "without a company block the sample's company runs"
    with pytest.raises(ConfigError, match=r"company\.name"):
        load_config(_write(tmp_path / "nameless", {"company": {"domains": ["enron.com"]}}))
