"""The inspection pages: a version's examples and dropped units, paged within bounds, escaped, with
their lineage, duplicates beside survivors, eval answers side by side, and a browser that clicks through."""

from __future__ import annotations

import functools
import http.server
import json
import math
import re
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import polars as pl
import pytest
from typer.testing import CliRunner

from curation import run
from curation.cli import app
from curation.report.browse import PAGE_SIZE, write_browsers
from curation.report.build import build_dashboard
from curation.versions import SPLITS
from tests.refresh_helpers import sample_config
from tests.report.test_dashboard import CHROMIUM_FLAGS, _chromium

INJECTED_ANSWER = "<img src=x onerror=alert(1)>"


def _fake_eval(version_dir: Path, tmp: Path) -> None:
    """An eval report as train/evaluate.py writes it (full report beside the adapter, summary under evals/)."""
    variants = ("base", "tuned", "base_retrieval", "tuned_retrieval")
    sample = {"id": "a45-reset", "split": "test", "product": "A-45 SuperWidget", "topic": "reset", "question": "How do I reset the A-45?",
              "reference": "Hold the blue button for 10 seconds.", "key_facts": ["blue button"]}
    for v in variants:
        sample |= {f"{v}_answer": f"{v} says: hold the blue button", f"{v}_key_fact_recall": 1.0, f"{v}_rouge_l": 0.5, f"{v}_citations": [],
                   f"{v}_citation_correct": None, f"{v}_leaks": [], f"{v}_wrong_product": False}
    sample["base_answer"] = INJECTED_ANSWER
    scores = {"loss": 2.0, "perplexity": 7.4, "key_fact_recall": 0.5, "rouge_l": 0.3, "per_source": {}}
    report = {
        "dataset_version": version_dir.name, "adapter_id": "ad_test", "base_model": {"spec": "tiny"}, "created_at": "2025-01-01T00:00:00Z",
        "base": scores, "tuned": scores, "forgetting": {"base_perplexity": 10.0, "tuned_perplexity": 11.0, "flagged": False},
        "questions": 1, "question_set": {"split": "test"}, "best_variant": {"label": "tuned", "key_fact_recall": 1.0},
        "answers": {v: {"key_fact_recall": 1.0, "rouge_l": 0.5, "citations": {"accuracy": None, "correct": 0, "judged": 0},
                        "wrong_product": {"share": 0.0}, "leaks": {"share": 0.0}} for v in variants},
        "samples": [sample],
        "general_samples": [{"id": "arith", "category": "arithmetic", "prompt": "What is 12 times 7?", "checks": ["84"],
                             "base_answer": "84", "base_pass": True, "tuned_answer": "Hi, thanks for reaching out", "tuned_pass": False}],
        "out_of_scope_samples": [{"id": "oos", "kind": "unknown_product", "product": "Z-99", "question": "How do I reset my Z-99?",
                                  "base_answer": "Unplug it.", "base_declined": False, "tuned_answer": "We do not make the Z-99.", "tuned_declined": True}],
        "training": {"steps": 1, "wall_time_s": 1.0, "device": "cpu"},
    }
    full = tmp / "adapters" / "ad_test" / "eval_report.json"
    full.parent.mkdir(parents=True)
    full.write_text(json.dumps(report))
    (version_dir / "evals").mkdir()
    summary = {k: v for k, v in report.items() if k not in ("samples", "general_samples", "out_of_scope_samples")}
    (version_dir / "evals" / "ad_test.json").write_text(json.dumps(summary | {"report": str(full), "samples": report["samples"][:5]}))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(the version folder, its folder of inspection pages) after a real sample refresh."""
    tmp = tmp_path_factory.mktemp("inspection")
    config = sample_config(tmp)
    result = run.refresh(config, progress=False, gx_project_root=tmp)
    _fake_eval(result.path, tmp)
    index = build_dashboard(Path(config.versions_dir), Path(config.reports_dir))
    return result.path, index.parent / "versions" / result.version_id


def _index(folder: Path) -> dict:
    text = (folder / "index.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.__browseIndex = ").rstrip().removesuffix(";"))


def _page(path: Path) -> list[dict]:
    match = re.fullmatch(r'__browsePage\("(\d{4}-\d{5})",(.*)\);\n', path.read_text(encoding="utf-8"), re.DOTALL)
    assert match and match.group(1) == path.stem, path
    return json.loads(match.group(2))


def _items(folder: Path, groups: list[dict]) -> list[dict]:
    """The items of these groups in browsing order (what browse.js shows page after page)."""
    return [item for g in groups for p in range(g["pages"]) for item in _page(folder / f"{g['id']}-{p + 1:05d}.js")]


def _examples(version_dir: Path) -> pl.DataFrame:
    return pl.concat([pl.read_parquet(version_dir / f"{s}.parquet") for s in SPLITS], how="diagonal_relaxed")


def _not_kept(version_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(version_dir / "ledger.parquet").filter(pl.col("outcome") != "kept")


@pytest.mark.parametrize("page_size", [PAGE_SIZE, 25])
def test_pages_are_bounded_and_hold_every_item_once(built, tmp_path, page_size):
    version_dir, pages = built
    if page_size != PAGE_SIZE:
        pages = tmp_path / version_dir.name
        assert write_browsers(version_dir, pages, page_size) == {"examples": _examples(version_dir).height, "dropped": _not_kept(version_dir).height}
    manifest = json.loads((version_dir / "manifest.json").read_text())
    expected = {"examples": manifest["counts"]["examples"], "dropped": _not_kept(version_dir).height}
    assert expected["examples"] == _examples(version_dir).height and expected["dropped"] > 0
    for name, facets in (("examples", ("source", "kind", "split", "flag")), ("dropped", ("outcome", "reason", "stage", "source"))):
        index = _index(pages / name)
        files = sorted(p for p in (pages / name).glob("*.js") if p.name != "index.js")
        assert len(files) == sum(g["pages"] for g in index["groups"]) == sum(math.ceil(g["count"] / page_size) for g in index["groups"])
        assert len(files) < expected[name], "not a file per item"
        sizes = [len(_page(f)) for f in files]
        assert max(sizes) <= page_size and sum(sizes) == index["total"] == expected[name]
        assert index["facets"] == list(facets) and index["page_size"] == page_size
        for group in index["groups"]:  # every item sits in the run of pages of its own facet values
            for item in _items(pages / name, [group]):
                assert group["values"]["source"] == [item["source"]]
                if name == "examples":
                    assert group["values"]["kind"] == [item["kind"]] and group["values"]["split"] == [item["split"]]
                    assert group["values"]["flag"] == (item["flags"] or ["none"])
                else:
                    assert group["values"]["reason"] == [item["reason"]] and group["values"]["outcome"] == [item["outcome"]]
    ids = [item["id"] for item in _items(pages / "examples", _index(pages / "examples")["groups"])]
    assert sorted(ids) == sorted(_examples(version_dir)["id"].to_list())


def test_items_carry_their_text_and_the_curate_explain_lineage(built):
    version_dir, pages = built
    examples = _items(pages / "examples", _index(pages / "examples")["groups"])
    dropped = _items(pages / "dropped", _index(pages / "dropped")["groups"])
    messages = dict(zip(*_examples(version_dir).select("id", "messages").to_dict(as_series=False).values(), strict=True))
    for item in examples[:: max(1, len(examples) // 15)] + dropped[:: max(1, len(dropped) // 15)]:
        key = item.get("id") or item["unit_id"]
        shown = CliRunner().invoke(app, ["explain", key, "--out", str(version_dir)])
        assert shown.exit_code == 0, shown.output
        assert [key, f"  source: {item['lineage_source']}", *item["lineage"]] == shown.output.splitlines()
        if "id" in item:
            assert item["messages"] == messages[item["id"]]
    assert all(any(f"{item['outcome']}:{item['reason']}" in line for line in item["lineage"]) for item in dropped)


def test_a_near_duplicate_sits_beside_its_survivor(built):
    version_dir, pages = built
    index = _index(pages / "dropped")
    near = _items(pages / "dropped", [g for g in index["groups"] if g["values"]["reason"] == ["near_duplicate"]])
    assert near, "the sample has near-duplicates"
    clusters = pl.read_parquet(version_dir / "clusters.parquet")
    for item in near:
        assert item["survivor"] and item["dropped_example"] and item["survivor"] != item["dropped_example"]
        assert item["dropped_text"] and item["survivor_text"] and item["dropped_text"] != item["survivor_text"]
        row = clusters.filter(pl.col("example_id") == item["dropped_example"]).row(0, named=True)
        assert row["survivor_id"] == item["survivor"] and item["unit_id"] in row["source_document_ids"]
        assert item["similarity"] == pytest.approx(row["similarity"], abs=1e-3)


def test_the_browser_shows_the_flags_validation_recorded(built, tmp_path):
    """The flags come from the version's example_flags.parquet (validation's per-record checks), not a second run of them."""
    version_dir, pages = built
    recorded = pl.read_parquet(version_dir / "example_flags.parquet")
    shown = {item["id"]: item["flags"] for item in _items(pages / "examples", _index(pages / "examples")["groups"])}
    assert shown == {i: list(d) for i, d in recorded.select("id", "defects").iter_rows()}
    # what validation recorded is what the facet shows: an example marked in the file (and nowhere else) is listed under it
    copy = tmp_path / version_dir.name
    shutil.copytree(version_dir, copy, ignore=shutil.ignore_patterns("signatures.parquet", "hf", "*.jsonl"))
    marked = recorded["id"][0]
    recorded.with_columns(defects=pl.when(pl.col("id") == marked).then(pl.lit(["redaction_tag"])).otherwise(pl.col("defects"))).write_parquet(
        copy / "example_flags.parquet")
    write_browsers(copy, tmp_path / "pages", 50)
    index = _index(tmp_path / "pages" / "examples")
    flagged = _items(tmp_path / "pages" / "examples", [g for g in index["groups"] if "redaction_tag" in g["values"]["flag"]])
    assert [item["id"] for item in flagged] == [marked]


def test_quality_flags_are_a_facet(built, tmp_path):
    """Validated against a shorter training window, examples are flagged cut_by_window: the facet splits them.
    (A version published before validation kept its flags: the browser computes them, from validation.json's window.)"""
    version_dir, _ = built
    copy = tmp_path / version_dir.name
    shutil.copytree(version_dir, copy, ignore=shutil.ignore_patterns("signatures.parquet", "hf", "*.jsonl", "example_flags.parquet"))
    validation = json.loads((copy / "validation.json").read_text())
    for check in validation["export"].values():
        check["train_max_seq_length"] = 128
    (copy / "validation.json").write_text(json.dumps(validation))
    write_browsers(copy, tmp_path / "pages", 50)
    index = _index(tmp_path / "pages" / "examples")
    assert {"cut_by_window", "none"} <= set(index["values"]["flag"])
    tokens = dict(pl.read_parquet(copy / "token_counts.parquet").select("id", "tokens").iter_rows())
    flagged = _items(tmp_path / "pages" / "examples", [g for g in index["groups"] if "cut_by_window" in g["values"]["flag"]])
    assert flagged and {i["id"] for i in flagged} == {i for i, n in tokens.items() if n > 128}


def test_new_pages_escape_untrusted_text(built):
    version_dir, pages = built
    for name in ("examples", "dropped"):
        html = (pages / f"{name}.html").read_text()
        scripts = re.findall(r"<script[^>]*>", html)
        assert all(s == "<script>" or s in (f'<script src="{name}/index.js">', '<script src="../../static/browse.js">') for s in scripts), scripts
    # the sample's injected <script> is a JSON string in a data file, never markup of a page
    injected = "<script>alert('xss')</script>"
    assert any(injected in m["content"] for item in _items(pages / "examples", _index(pages / "examples")["groups"]) for m in item["messages"])
    browse_js = (pages.parents[1] / "static" / "browse.js").read_text()
    assert "innerHTML" not in browse_js and "insertAdjacentHTML" not in browse_js and "document.write" not in browse_js
    evals = (pages / "evals.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in evals and "<img" not in evals


def test_eval_answers_side_by_side(built):
    _, pages = built
    html = (pages / "evals.html").read_text()
    row = re.search(r'<tr data-question="a45-reset">(.*?)</tr>', html, re.DOTALL).group(1)
    cells = re.findall(r'<td class="answer ([a-z_]+)">(.*?)<br>', row, re.DOTALL)
    assert [v for v, _ in cells] == ["base", "tuned", "base_retrieval", "tuned_retrieval"]
    assert cells[1][1] == "tuned says: hold the blue button"
    assert "What is 12 times 7?" in html and "We do not make the Z-99." in html
    version_page = (pages.parent / f"{pages.name}.html").read_text()
    for target in ("examples.html", "dropped.html", "evals.html"):
        assert f'href="{pages.name}/{target}"' in version_page


def test_curate_dashboard_serves_the_pages(built):
    _, pages = built
    reports = pages.parents[1]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(reports))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/versions/{pages.name}/"
        try:
            for path in ("examples.html", "examples/index.js", "examples/0000-00001.js", "dropped.html", "evals.html", "../../static/browse.js"):
                with urllib.request.urlopen(urljoin(base, path), timeout=10) as response:
                    assert response.status == 200, path
        finally:
            server.shutdown()


def _dom(chromium: str, profile: Path, url: str) -> str:
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'data-state="ready"' in done.stdout or "<article" not in done.stdout, "the browser finished loading"
    return done.stdout


def _href(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, pattern
    return match.group(1).replace("&amp;", "&")


def _shown(html: str) -> list[dict]:
    return [dict(re.findall(r'data-([a-z]+)="([^"]*)"', tag)) for tag in re.findall(r"<article [^>]*>", html)]


def test_browser_clicks_through_filters_and_pages(built, tmp_path):
    chromium = _chromium()
    _, pages = built
    profile = tmp_path / "profile"
    version_url = (pages.parent / f"{pages.name}.html").as_uri()
    # the version page links to the examples browser
    examples_url = urljoin(version_url, _href(_dom(chromium, profile, version_url), r'<a id="browse-examples" href="([^"]+)"'))
    first = _dom(chromium, profile, examples_url)
    assert 'data-state="ready"' in first and len(_shown(first)) == PAGE_SIZE
    # filter kind=conversation: the facet link, then the next page
    index = _index(pages / "examples")
    expected = [i["id"] for i in _items(pages / "examples", [g for g in index["groups"] if g["values"]["kind"] == ["conversation"]])]
    assert len(expected) > PAGE_SIZE, "the sample has more than a page of conversations"
    filtered_url = urljoin(examples_url, _href(first, r'data-facet="kind">.*?<a href="([^"]+)" data-value="conversation"'))
    filtered = _dom(chromium, profile, filtered_url)
    shown = _shown(filtered)
    assert [s["id"] for s in shown] == expected[:PAGE_SIZE] and {s["kind"] for s in shown} == {"conversation"}
    assert f"{len(expected)} item(s) matching the filters; showing 1–{PAGE_SIZE}" in filtered
    second_url = urljoin(filtered_url, _href(filtered, r'<a class="next" href="([^"]+)"'))
    second = _dom(chromium, profile, second_url)
    assert [s["id"] for s in _shown(second)] == expected[PAGE_SIZE:2 * PAGE_SIZE]
    assert 'class="next"' not in second and 'class="prev"' in second
    # search finds the injected script, shown as text
    found = _dom(chromium, profile, examples_url + "#q=" + "alert('xss'")
    assert len(_shown(found)) == 1 and "&lt;script&gt;alert('xss')&lt;/script&gt;" in found
    assert not re.search(r"<script>\s*alert\(", found)
    # dropped units: near-duplicates beside their survivors
    dropped_url = urljoin(version_url, _href(_dom(chromium, profile, version_url), r'<a id="browse-dropped" href="([^"]+)"'))
    near = _dom(chromium, profile, dropped_url + "#reason=near_duplicate")
    shown = _shown(near)
    assert shown and {s["reason"] for s in shown} == {"near_duplicate"}
    assert near.count('class="content dropped-text"') == near.count('class="content survivor-text"') == len(shown)
    assert near.count("lineage: curate explain ") == len(shown)


def test_a_version_page_is_written_again_only_when_its_eval_reports_change(built, tmp_path, monkeypatch):
    """A version is immutable: a nightly refresh writes the page of its new version, not every page again."""
    from curation.report import build

    version_dir, _ = built
    versions = tmp_path / "versions"
    shutil.copytree(version_dir, versions / version_dir.name)
    made: list[str] = []
    real = build.version_page_data
    monkeypatch.setattr(build, "version_page_data", lambda folder, *a, **k: made.append(folder.name) or real(folder, *a, **k))
    page = tmp_path / "reports" / "versions" / f"{version_dir.name}.html"

    build_dashboard(versions, tmp_path / "reports")
    first = page.read_text()
    assert made == [version_dir.name]
    build_dashboard(versions, tmp_path / "reports")
    assert made == [version_dir.name], "nothing changed: the page stays as written"

    summary = json.loads((versions / version_dir.name / "evals" / "ad_test.json").read_text())
    full = tmp_path / "ad_second" / "eval_report.json"
    full.parent.mkdir()
    full.write_text(json.dumps(json.loads(Path(summary["report"]).read_text()) | {"adapter_id": "ad_second"}))
    (versions / version_dir.name / "evals" / "ad_second.json").write_text(json.dumps(summary | {"adapter_id": "ad_second", "report": str(full)}))
    build_dashboard(versions, tmp_path / "reports")
    assert made == [version_dir.name] * 2 and "ad_second" in page.read_text() and "ad_second" not in first
