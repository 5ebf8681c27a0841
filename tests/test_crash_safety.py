"""Crash safety: a refresh or a training killed with SIGKILL at the named points where files are
renamed into place leaves no partial output, and a re-run gives the same ids.

The kill is injected (curation/faults.py: ``CURATE_FAULT=<point>``), so it lands at that point on
every run: no polling for a temporary folder, no race with a quick machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from curation import run
from curation.faults import ENV, POINTS
from tests.refresh_helpers import sample_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The version id an uninterrupted refresh of the sample publishes."""
    tmp = tmp_path_factory.mktemp("reference")
    config = sample_config(tmp)
    result = run.refresh(config, progress=False, gx_project_root=tmp)
    assert result.status == "published", result.validation.get("critical_failures")
    return tmp, result.version_id


def _refresh(config_path: Path, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != ENV}
    if fault:
        env[ENV] = fault
    return subprocess.run([sys.executable, "-m", "curation.cli", "refresh", "--config", str(config_path), "--no-progress"],
                          env=env, capture_output=True, text=True, timeout=600)


def _fresh_config(reference_tmp: Path, tmp_path: Path) -> Path:
    values = yaml.safe_load((reference_tmp / "pipeline.yaml").read_text())
    values.update({"versions_dir": str(tmp_path / "versions"), "output_dir": str(tmp_path / "out"),
                   "reports_dir": str(tmp_path / "reports")})
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump(values))
    return path


@pytest.mark.parametrize("point", ["ingest:rename", "dedup:store", "publish:rename"])
def test_a_refresh_killed_at_a_rename_leaves_no_version_and_reruns_to_the_same_id(reference, tmp_path, point):
    reference_tmp, version_id = reference
    config_path = _fresh_config(reference_tmp, tmp_path)
    versions = tmp_path / "versions"

    killed = _refresh(config_path, fault=point)
    assert killed.returncode == -signal.SIGKILL, f"the refresh was not killed at {point}:\n{killed.stdout}\n{killed.stderr}"
    published = [p.name for p in versions.iterdir() if not p.name.startswith(".tmp-")] if versions.exists() else []
    assert published == [], f"killed at {point}, yet a version appeared: {published}"
    if point == "publish:rename":  # the temporary folder was complete and still is: only the rename was missing
        leftovers = [p for p in versions.iterdir()]
        assert len(leftovers) == 1 and leftovers[0].name.startswith(f".tmp-{version_id}-")
        assert (leftovers[0] / "manifest.json").exists() and (leftovers[0] / "train.parquet").exists()

    rerun = _refresh(config_path)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"published: {version_id}" in rerun.stdout
    assert [p.name for p in versions.iterdir()] == [version_id], "the re-run removes the dead run's temporary folder"


def test_a_training_killed_before_its_rename_leaves_no_adapter_and_retrains_to_the_same_id(tmp_path, tiny_model_dir, version_dir):
    adapters = tmp_path / "adapters"
    script = (
        "import sys; from pathlib import Path; from train.config import TrainConfig; from train.lora import train_adapter\n"
        f"config = TrainConfig(base_model={str(tiny_model_dir)!r}, adapters_dir={str(adapters)!r}, max_steps=2, batch_size=2, "
        f"target_modules=['q_proj', 'v_proj'], kinds=['conversation', 'instruction'], rehearsal_cache_dir={str(adapters.parent / 'rehearsal')!r})\n"
        f"result = train_adapter(Path({str(version_dir)!r}), config, progress=False)\n"
        "print('adapter', result.adapter_id, result.trained)\n"
    )
    env = {key: value for key, value in os.environ.items() if key != ENV}
    killed = subprocess.run([sys.executable, "-c", script], env={**env, ENV: "adapter:rename"}, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    leftovers = [p.name for p in adapters.iterdir()]
    assert leftovers and all(name.startswith(".tmp-") for name in leftovers), leftovers

    again = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    adapter_id, trained = again.stdout.split()[-2:]
    assert trained == "True"
    assert (adapters / adapter_id / "meta.json").exists()
    assert adapter_id in leftovers[0], "the killed run was training the same adapter id"


def test_every_fault_point_is_wired_into_the_code():
    """A point named in curation/faults.py but called nowhere would make a crash test pass vacuously."""
    root = Path(__file__).resolve().parents[1]
    sources = "\n".join(p.read_text() for folder in ("curation", "train") for p in (root / folder).rglob("*.py"))
    for point in POINTS:
        assert f'fault_point("{point}")' in sources, point


def test_an_unknown_fault_point_is_an_error():
    from curation.faults import fault_point

    with pytest.raises(ValueError, match="unknown fault point"):
        fault_point("publish:renmae")


@pytest.fixture()
def tiny_model_dir(tmp_path) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    from train.base_model import load_tokenizer

    tokenizer = load_tokenizer("smollm2")
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=True)
    folder = tmp_path / "tiny-model"
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture()
def version_dir(tmp_path) -> Path:
    import polars as pl

    from curation.versions import write_version_files

    system = {"role": "system", "content": "You are the support assistant of Nordlicht Gadgets."}
    rows = [{"id": f"ex_{i:016x}", "kind": "conversation", "source_kind": "ticket", "source_document_ids": [f"d_{i}"],
             "group_key": f"g{i}", "split": split,
             "messages": [system, {"role": "user", "content": f"How do I reset my A-{i} SuperWidget?"},
                          {"role": "assistant", "content": f"Hold the blue button of the A-{i} for 10 seconds."}]}
            for i, split in enumerate(["train"] * 6 + ["validation", "test"])]
    folder = tmp_path / "versions" / "v0000000000000001"
    folder.mkdir(parents=True)
    write_version_files(folder, pl.DataFrame(rows))
    return folder
