"""Build the static dashboard: an index across versions, one page per version, and per version its
inspection pages (versions/<id>/examples.html, dropped.html: curation/report/browse.py; evals.html).

Reads only what the stages recorded (manifests, ledgers, cluster tables, validation results, eval
reports); it never recomputes them, except the per-example quality flags of the examples browser
(validation records their counts only; browse.py runs the same example_defects again). All text is
HTML-escaped by Jinja2's autoescaping (the browsers show it through textContent): emails and
tickets are untrusted, so a `<script>` in a message body renders as text.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from curation.report import charts
from curation.report.browse import PAGE_SIZE, write_browsers
from curation.shards import code_fingerprint, digest
from curation.versions import FAILED_DIR, SPLITS, list_versions

TEMPLATES = Path(__file__).parent / "templates"
SAMPLE_RECORDS = 300


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["spec"] = lambda spec: Markup(json.dumps(spec).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    env.filters["pct"] = lambda v: "-" if v is None else f"{100 * v:.1f}%"
    env.filters["num"] = lambda v: "-" if v is None else (f"{v:,.3f}" if isinstance(v, float) else f"{v:,}")
    return env


def _evals(version_dir: Path) -> list[dict]:
    folder = version_dir / "evals"
    if not folder.exists():
        return []
    reports = []
    for path in sorted(folder.glob("*.json")):
        report = json.loads(path.read_text())
        if report.get("report") and Path(report["report"]).is_file():  # the full report beside the adapter, when it is still there
            report = json.loads(Path(report["report"]).read_text())
        reports.append(report)
    return sorted(reports, key=lambda r: r.get("created_at", ""))


def _failed(root: Path) -> list[dict]:
    folder = root / FAILED_DIR
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*/manifest.json"))] if folder.exists() else []


def version_summary(manifest: dict, evals: list[dict]) -> dict:
    counts = manifest.get("counts", {})
    stages = manifest.get("stages", {})
    dedup = stages.get("dedup", {})
    dedup_in = dedup.get("inputs") or 0
    dedup_dropped = sum((dedup.get("dropped") or {}).values())
    units = counts.get("units", {})
    total_units = sum(units.values()) or 1
    latest = evals[-1] if evals else None
    return {
        "version_id": manifest["version_id"],
        "created_at": manifest.get("created_at", ""),
        "status": manifest.get("status", "published"),
        "parent": manifest.get("parent"),
        "examples": counts.get("examples", 0),
        "by_source": counts.get("by_source", {}),
        "by_split": counts.get("by_split", {}),
        "units": units,
        "drop_rates": {reason: n / total_units for reason, n in counts.get("reasons", {}).items()},
        "dedup_rate": dedup_dropped / dedup_in if dedup_in else None,
        "pii": manifest.get("pii_redactions", {}),
        "validation_passed": bool(manifest.get("validation", {}).get("passed")),
        "critical_failures": manifest.get("validation", {}).get("critical_failures", []),
        "failures": manifest.get("validation", {}).get("failures", []),  # structured: check, rule, count, example ids
        "eval": latest,
        "added": manifest.get("diff", {}).get("counts", {}).get("added"),
        "removed": manifest.get("diff", {}).get("counts", {}).get("removed"),
    }


def index_charts(summaries: list[dict]) -> dict[str, dict]:
    published = [s for s in summaries if s["status"] == "published"]
    short = lambda s: s["version_id"][:8]  # noqa: E731
    sizes = [{"version": short(s), "examples": n, "source": k} for s in published for k, n in s["by_source"].items()]
    drops = [{"version": short(s), "share of units": round(rate, 4), "reason": r} for s in summaries for r, rate in s["drop_rates"].items()]
    pii = [{"version": short(s), "redactions": n, "type": t} for s in summaries for t, n in s["pii"].items()]
    evals = []
    for s in published:
        if s["eval"]:
            for model in ("base", "tuned"):
                evals.append({"version": short(s), "metric": "key-fact recall", "value": s["eval"][model]["key_fact_recall"] or 0, "model": model})
                evals.append({"version": short(s), "metric": "held-out loss", "value": s["eval"][model]["loss"], "model": model})
    recall = [r for r in evals if r["metric"] == "key-fact recall"]
    loss = [r for r in evals if r["metric"] == "held-out loss"]
    return {
        "sizes": charts.stacked_bars(sizes, "version", "examples", "source", "Examples per version by source"),
        "drops": charts.stacked_bars(drops, "version", "share of units", "reason", "Drop and quarantine rates by reason"),
        "pii": charts.stacked_bars(pii, "version", "redactions", "type", "PII redactions by type"),
        "recall": charts.grouped_bars(recall, "version", "value", "model", "Key-fact recall on held-out questions: base vs tuned"),
        "loss": charts.grouped_bars(loss, "version", "value", "model", "Held-out loss: base vs tuned"),
    }


def version_page_data(version_dir: Path, manifest: dict, evals: list[dict]) -> dict:
    examples = pl.concat([pl.read_parquet(version_dir / f"{s}.parquet") for s in SPLITS if (version_dir / f"{s}.parquet").exists()])
    examples = examples.with_columns(
        n_chars=pl.col("messages").list.eval(pl.element().struct.field("content").str.len_chars()).list.sum(),
        n_messages=pl.col("messages").list.len(),
    )
    tokens = pl.read_parquet(version_dir / "token_counts.parquet") if (version_dir / "token_counts.parquet").exists() else None
    funnel_rows = []
    for stage in manifest.get("funnel", []):
        funnel_rows.append({"stage": stage["stage"], "units": stage["kept"], "outcome": "kept"})
        funnel_rows += [{"stage": stage["stage"], "units": n, "outcome": reason} for reason, n in stage["removed"].items()]
    clusters = pl.read_parquet(version_dir / "clusters.parquet") if (version_dir / "clusters.parquet").exists() else None
    cluster_rows = []
    if clusters is not None and clusters.height:
        sizes = clusters.group_by("cluster_id").agg(size=pl.len(), kind=pl.col("duplicate").filter(pl.col("duplicate") != "survivor").first())
        cluster_rows = [{"cluster size": str(size), "clusters": n, "duplicate": kind or "?"}
                        for size, kind, n in sizes.group_by("size", "kind").len().sort("size").iter_rows()]
    mix = [{"source": s, "examples": n, "kind": k} for s, k, n in examples.group_by("source_kind", "kind").len().sort("source_kind", "kind").iter_rows()]
    page_charts = {
        "funnel": charts.funnel(funnel_rows),
        "lengths": charts.histogram(examples, "n_chars", "source_kind", "Example length (characters, without the system prompt)"),
        "mix": charts.stacked_bars(mix, "source", "examples", "kind", "Source mix"),
        "clusters": charts.stacked_bars(cluster_rows, "cluster size", "clusters", "duplicate", "Duplicate clusters by size (members incl. the survivor)"),
    }
    if tokens is not None and tokens.height:
        page_charts["tokens"] = charts.histogram(tokens, "tokens", "split", "Tokens per example (the model's chat template applied)")
    lineage = {}
    ledger_path = version_dir / "ledger.parquet"
    if ledger_path.exists():
        ingest = pl.read_parquet(ledger_path).filter(pl.col("stage") == "ingest").select("unit_id", "path", "locator")
        lineage = {r["unit_id"]: f"{r['path']} [{r['locator']}]" for r in ingest.iter_rows(named=True)}
    records = []
    for row in examples.sort("source_kind", "id").head(SAMPLE_RECORDS).iter_rows(named=True):
        turns = [m for m in row["messages"] if m["role"] != "system"]
        records.append({
            "id": row["id"], "split": row["split"], "kind": row["kind"], "source_kind": row["source_kind"], "group_key": row["group_key"],
            "turns": [(m["role"], m["content"][:600]) for m in turns[:4]],
            "lineage": [(d, lineage.get(d, "")) for d in row["source_document_ids"][:5]],
        })
    validation = json.loads((version_dir / "validation.json").read_text()) if (version_dir / "validation.json").exists() else manifest.get("validation", {})
    return {"charts": page_charts, "records": records, "validation": validation, "evals": evals,
            "dropped_by_cluster": (clusters.filter(pl.col("duplicate") != "survivor").head(50).to_dicts() if clusters is not None else [])}


def write_inspection_pages(env: Environment, target: Path, version_id: str, evals: list[dict]) -> None:
    """target/examples.html and dropped.html (the browsers of the data write_browsers wrote), and evals.html."""
    browsers = {
        "examples": ("Examples", "browse by source, kind, split and quality flag; each with its lineage"),
        "dropped": ("Dropped and quarantined units",
                    "one item per ledger row that is not kept, by outcome, reason, stage and source; a duplicate beside its survivor"),
    }
    for name, (title, about) in browsers.items():
        others = [(n, t.lower()) for n, (t, _) in browsers.items() if n != name] + [("evals", "eval answers")]
        html = env.get_template("browse.html").render(title=title, about=about, folder=name, version=version_id, others=others, root="../../")
        (target / f"{name}.html").write_text(html, encoding="utf-8")
    (target / "evals.html").write_text(env.get_template("evals.html").render(version=version_id, evals=evals, root="../../"), encoding="utf-8")


def _page_code() -> str:
    """What a version's page is made with besides its data: this package's code and the templates."""
    templates = sorted(TEMPLATES.iterdir())
    return digest(code_fingerprint("curation.report.build"), [(t.name, hashlib.sha256(t.read_bytes()).hexdigest()) for t in templates if t.is_file()])


def build_dashboard(versions_root: Path, reports_dir: Path, page_size: int = PAGE_SIZE, erasure: dict | None = None) -> Path:
    """Write reports_dir/index.html, reports_dir/versions/<id>.html and the inspection pages under
    reports_dir/versions/<id>/ (at most page_size items per data file); returns the index path. A version's
    pages are written once, and again only when its manifest, its eval reports or the dashboard's code change
    (versions/<id>/page.json records what they were made from): a nightly refresh pays for its new version.
    `erasure`: curation.erasure.flags(), the versions holding erased data and the adapters to retrain."""
    import vl_convert

    env = _env()
    reports_dir.mkdir(parents=True, exist_ok=True)
    static = reports_dir / "static"
    static.mkdir(exist_ok=True)
    bundle = static / "vega-bundle.js"
    if not bundle.exists():
        bundle.write_text(vl_convert.javascript_bundle(), encoding="utf-8")
    for name in ("style.css", "browse.js"):
        shutil.copy2(TEMPLATES / name, static / name)
    manifests = list_versions(versions_root)
    summaries = []
    pages = reports_dir / "versions"
    pages.mkdir(exist_ok=True)
    code = _page_code()  # the same for every version's page: hashed once
    for manifest in manifests:
        version_dir = versions_root / manifest["version_id"]
        evals = _evals(version_dir)
        summary = version_summary(manifest, evals)
        summaries.append(summary)
        target = pages / manifest["version_id"]
        browse = write_browsers(version_dir, target, page_size)
        page, stamp = pages / f"{manifest['version_id']}.html", target / "page.json"
        wanted = {"version": manifest["version_id"], "manifest": digest(manifest), "evals": digest(evals), "code": code}
        if page.exists() and stamp.exists() and json.loads(stamp.read_text()) == wanted:
            continue  # a version is immutable: its page changes only with its eval reports or this code
        data = version_page_data(version_dir, manifest, evals)
        write_inspection_pages(env, target, manifest["version_id"], evals)
        page.write_text(env.get_template("version.html").render(m=manifest, s=summary, d=data, b=browse, root="../"), encoding="utf-8")
        stamp.write_text(json.dumps(wanted) + "\n")
    for manifest in _failed(versions_root):
        summaries.append(version_summary({**manifest, "status": "failed"}, []))
    summaries.sort(key=lambda s: s["created_at"])
    # right to erasure (`curate forget`): flag the versions holding erased units and the adapters trained on them
    erasure = erasure or {"versions": {}, "adapters": {}}
    for summary in summaries:
        summary["erased_by"] = erasure["versions"].get(summary["version_id"], [])
    index = reports_dir / "index.html"
    index.write_text(env.get_template("index.html").render(summaries=summaries, charts=index_charts(summaries), erasure=erasure, root=""),
                     encoding="utf-8")
    return index
