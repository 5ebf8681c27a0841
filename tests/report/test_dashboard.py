"""The dashboard: built from a real refresh, escaped, and rendered by a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from curation import run
from curation.report.build import build_dashboard
from tests.conftest import REPO_ROOT
from tests.refresh_helpers import sample_config

ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("dashboard")
    config = sample_config(tmp)
    result = run.refresh(config, progress=False, gx_project_root=tmp)
    index = build_dashboard(Path(config.versions_dir), Path(config.reports_dir))
    return index, result.version_id


def test_untrusted_text_is_escaped(dashboard):
    index, version = dashboard
    page = (index.parent / "versions" / f"{version}.html").read_text()
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page, "the sample's injected script is shown as text"
    assert "<script>alert(" not in page
    scripts = re.findall(r"<script[^>]*>", page)
    assert all(s == "<script>" or "vega-bundle.js" in s or 'type="application/json"' in s for s in scripts), scripts


def test_index_lists_versions_with_their_numbers(dashboard):
    index, version = dashboard
    html = index.read_text()
    assert f"versions/{version}.html" in html
    for chart in ("sizes", "drops", "pii", "recall", "loss"):
        assert f'data-chart="chart-{chart}"' in html


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not path:
        pytest.skip("no Chromium here: `make test` installs Debian's chromium when it runs as root with apt; elsewhere install it to run this test")
    return path


def test_browser_renders_charts_and_does_not_run_injected_script(dashboard):
    chromium = _chromium()
    index, version = dashboard
    page = index.parent / "versions" / f"{version}.html"
    profile = index.parent / ".chromium-profile"
    dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    charts = re.findall(r'<div class="chart[^"]*" id="chart-[a-z]+"[^>]*>', html)
    assert charts and all('data-rendered="true"' in c for c in charts), charts
    assert html.count('class="marks"') >= len(charts), "Vega drew an SVG for every chart"
    # the injected script is a text node inside a record, never a <script> element
    assert "&lt;script&gt;alert('xss')&lt;/script&gt;" in html
    assert not re.search(r"<script>\s*alert\(", html)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard-version.png"
    for target, uri in ((shot, page.as_uri()), (ARTIFACTS / "dashboard-index.png", index.as_uri())):
        done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--hide-scrollbars",
                               "--window-size=1400,1800", f"--screenshot={target}", uri], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and target.stat().st_size > 10_000, done.stderr[-2000:]
