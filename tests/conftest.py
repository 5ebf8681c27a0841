from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (CI must not flake on a newly drawn case); set
# HYPOTHESIS_PROFILE=explore to let them search fresh random examples while developing.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# the ephemeral API server's 20 s start-up limit is too short on a busy 2-core box (it timed out beside a training run)
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CORPORA = REPO_ROOT.parent / "shared" / "corpora"
SAMPLE_ROOT = REPO_ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"the shared third-party corpora are not here ({SHARED_CORPORA}); conformance tests need them")
    return SHARED_CORPORA


@pytest.fixture(scope="session")
def sample_root() -> Path:
    if not (SAMPLE_ROOT / "raw").is_dir():
        pytest.fail(f"the bundled sample corpus is missing: regenerate it with `curate sample --out {SAMPLE_ROOT}`")
    return SAMPLE_ROOT
