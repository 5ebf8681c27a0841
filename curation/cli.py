"""The `curate` command line, data side: one command per curation stage, plus explain and the dashboard.

The training commands (`curate train`, `eval`, `ask`) are added to this same app by `train/cli.py`,
which is the `curate` entry point: curation never imports the training package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from curation.config import ConfigError, PipelineConfig, discover_config

app = typer.Typer(help="Curate a company's emails, manuals and tickets into a fine-tuning dataset.", no_args_is_help=True)

WorkersOption = Annotated[int | None, typer.Option(
    "--workers", "-w", min=1, help="processes for the sharded steps (default: workers in the config, else one per CPU core; 1: in this process)")]
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", "-c", help="pipeline YAML (default: $CURATE_CONFIG, else ./pipeline.yaml, else the bundled sample defaults)")]


def load_cli_config(path: Path | None) -> PipelineConfig:
    try:
        config, notice = discover_config(path)
    except ConfigError as err:
        typer.secho(f"config error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from err
    if notice:
        typer.secho(notice, fg=typer.colors.YELLOW, err=True)
    return config


@app.command()
def ingest(
    sources: Annotated[list[Path] | None, typer.Argument(help="folders (or files) of emails, manuals and ticket exports")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder for documents.parquet and ledger.parquet")] = Path("data/out/ingest"),
    config: ConfigOption = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Read every message, manual section and ticket into DIR/documents.parquet (+ the ledger)."""
    from curation.erasure import load_register
    from curation.ingest import ingest as run_ingest

    cfg = load_cli_config(config)
    roots = sources or [Path(s) for s in cfg.sources]
    missing = [str(r) for r in roots if not r.exists()]
    if missing:
        typer.secho(f"no such source: {', '.join(missing)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    summary = run_ingest(roots, out, cfg.ingest, progress=progress, register=load_register(cfg.erasure_register))
    print_ingest_summary(summary.as_dict())
    typer.echo(f"documents: {out / 'documents.parquet'}\nledger:    {out / 'ledger.parquet'}")


def print_ingest_summary(summary: dict) -> None:
    typer.echo(f"{'source':<8} {'files':>7} {'skipped':>8} {'units':>8} {'documents':>10} {'quarantined':>12}  reasons")
    for kind, row in summary.items():
        quarantined = sum(row["quarantined"].values())
        reasons = ", ".join([f"{k}={v}" for k, v in row["quarantined"].items()]
                            + [f"dropped:{k}={v}" for k, v in row.get("dropped", {}).items()]) or "-"
        typer.echo(f"{kind:<8} {row['files']:>7} {row['skipped_unchanged_files']:>8} {row['units']:>8} {row['documents']:>10} {quarantined:>12}  {reasons}")
    skipped = sum(row["skipped_unchanged_files"] for row in summary.values())
    if skipped:
        typer.echo(f"skipped {skipped} unchanged file(s) already ingested into this folder")


@app.command()
def build(
    config: ConfigOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="output folder (default: output_dir from the config)")] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
    workers: WorkersOption = None,
) -> None:
    """Ingest, clean and turn the configured sources into chat examples; print the funnel."""
    import os
    from contextlib import ExitStack

    from curation import run
    from curation.lock import FolderBusy, working_folder_lock
    from curation.shards import PoolMap
    from curation.steps import RunContext, steps_through

    cfg = load_cli_config(config)
    out = out or Path(cfg.output_dir)
    with ExitStack() as held:
        try:
            held.enter_context(working_folder_lock(out, "build"))
        except FolderBusy as err:
            typer.secho(str(err), fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from err
        pool = held.enter_context(PoolMap(workers or cfg.workers or os.cpu_count()))
        ctx = RunContext(map_fn=pool, progress=progress)
        for step in steps_through("examples"):
            ctx.results[step.name] = step.run(cfg, out, ctx)
    print_ingest_summary(ctx.results["ingest"])
    print_funnel(run.funnel(out))
    typer.echo(f"examples: {out / 'examples' / 'examples.parquet'}")


def print_funnel(rows: list[dict]) -> None:
    typer.echo(f"\n{'stage':<20} {'in':>7} {'kept':>7}  removed (reason=count)")
    for row in rows:
        removed = ", ".join(f"{k}={v}" for k, v in row["removed"].items()) or "-"
        if "by_kind" in row:
            removed = "by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(row["by_kind"].items()))
        typer.echo(f"{row['stage']:<20} {row['in']:>7} {row['kept']:>7}  {removed}")


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", "-o", help="folder to write the corpus into")] = Path("data/sample"),
    docs: Annotated[int | None, typer.Option(help="approximate number of input units (default: the bundled size)")] = None,
    seed: Annotated[int, typer.Option(help="random seed; same seed, same bytes")] = 7,
) -> None:
    """Write the deterministic sample corpus of the fictional company (and its ground truth)."""
    from curation.sample import generate_corpus

    counts = generate_corpus(out, docs=docs, seed=seed)
    typer.echo(json.dumps(counts, indent=2))


@app.command()
def refresh(
    config: ConfigOption = None,
    progress: Annotated[bool, typer.Option(help="show progress bars")] = True,
    workers: WorkersOption = None,
) -> None:
    """Run the whole curation (ingest to publish); print the version id published, unchanged or failed."""
    from curation import run

    cfg = load_cli_config(config)
    from curation.lock import FolderBusy

    try:
        result = run.refresh(cfg, progress=progress, workers=workers)
    except FolderBusy as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from err
    print_funnel(run.funnel(Path(cfg.output_dir)))
    validation = result.validation
    typer.echo(f"\nvalidation: {'passed' if validation.get('passed') else 'FAILED'} "
               f"({validation['gx']['statistics']['successful']}/{validation['gx']['statistics']['evaluated']} expectations; "
               f"{validation['records']['quarantined']} record(s) quarantined; {validation['leakage']['count']} leak(s))")
    for failure in validation.get("critical_failures", []):
        typer.secho(f"  critical: {failure}", fg=typer.colors.RED)
    for warning in validation.get("warnings", []):
        typer.secho(f"  warning: {warning}", fg=typer.colors.YELLOW)
    typer.echo(f"dashboard: {build_dashboard_for(cfg)}")
    colour = {"published": typer.colors.GREEN, "unchanged": None, "failed": typer.colors.RED}[result.status]
    typer.secho(f"{result.status}: {result.version_id}  ({result.path})", fg=colour)
    if result.status == "failed":
        raise typer.Exit(1)


@app.command()
def dashboard(
    config: ConfigOption = None,
    serve: Annotated[bool, typer.Option(help="serve it on localhost after building")] = True,
    port: Annotated[int, typer.Option(help="port for --serve")] = 8000,
) -> None:
    """Build the data-quality dashboard (a static site) and serve it on localhost."""
    cfg = load_cli_config(config)
    index = build_dashboard_for(cfg)
    typer.echo(f"dashboard: {index}")
    if serve:
        import functools
        import http.server

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(index.parent))
        with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
            typer.echo(f"serving on http://127.0.0.1:{port}/ (Ctrl+C to stop)")
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass


def build_dashboard_for(cfg) -> Path:
    from curation.erasure import flags
    from curation.report.build import build_dashboard

    return build_dashboard(Path(cfg.versions_dir), Path(cfg.reports_dir), erasure=flags(cfg.erasure_register, cfg.train.adapters_dir))


def resolve_version_or_exit(cfg, version: str) -> Path:
    from curation.versions import resolve_version

    try:
        return resolve_version(Path(cfg.versions_dir), version)
    except FileNotFoundError as err:
        typer.secho(f"{err}: run `curate refresh` first", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from err


VersionsDir = Annotated[Path | None, typer.Option("--versions-dir", help="default: versions_dir from the config")]


def _versions_dir(config: Path | None, versions_dir: Path | None) -> Path:
    return versions_dir or Path(load_cli_config(config).versions_dir)


@app.command()
def versions(
    config: ConfigOption = None,
    versions_dir: VersionsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """List the published dataset versions, oldest first."""
    from curation.versions import list_versions

    rows = [
        {"version_id": m["version_id"], "created_at": m["created_at"], "parent": m.get("parent"), "examples": m["counts"]["examples"],
         **{f"{s}": m["counts"]["by_split"].get(s, 0) for s in ("train", "validation", "test")},
         "added": m["diff"]["counts"]["added"], "removed": m["diff"]["counts"]["removed"],
         "status": "passed" if m["validation"].get("passed") else "failed",
         "adapter": (m.get("eval") or {}).get("adapter_id")}
        for m in list_versions(_versions_dir(config, versions_dir))
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no published versions yet: run `curate refresh`")
        return
    typer.echo(f"{'version':<18} {'created':<26} {'parent':<18} {'examples':>8} {'train':>6} {'val':>5} {'test':>5} {'+':>5} {'-':>5}  adapter")
    for r in rows:
        typer.echo(f"{r['version_id']:<18} {r['created_at']:<26} {(r['parent'] or '-'):<18} {r['examples']:>8} {r['train']:>6} "
                   f"{r['validation']:>5} {r['test']:>5} {r['added']:>5} {r['removed']:>5}  {r['adapter'] or '-'}")


@app.command()
def show(
    version: Annotated[str, typer.Argument(help="version id, unique prefix, or 'latest'")] = "latest",
    config: ConfigOption = None,
    versions_dir: VersionsDir = None,
) -> None:
    """A version's manifest: counts by source / split / outcome / reason, validation, diff."""
    from curation.versions import resolve_version

    try:
        path = resolve_version(_versions_dir(config, versions_dir), version)
    except FileNotFoundError as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from err
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["diff"] = {**manifest["diff"], "added": manifest["diff"]["added"][:10], "removed": manifest["diff"]["removed"][:10]}
    manifest["validation"] = {k: v for k, v in manifest["validation"].items() if k not in {"gx", "export"}} | {
        "gx": manifest["validation"]["gx"]["statistics"]}
    manifest.pop("stages", None)
    typer.echo(json.dumps(manifest, indent=2))


@app.command("diff")
def diff_versions(
    a: Annotated[str, typer.Argument(help="older version (id or prefix)")],
    b: Annotated[str, typer.Argument(help="newer version (id or prefix)")],
    config: ConfigOption = None,
    versions_dir: VersionsDir = None,
    samples: Annotated[int, typer.Option(help="examples to show per change")] = 3,
) -> None:
    """Added / removed / changed examples between two versions, with samples."""
    from curation.versions import read_split_ids, resolve_version

    root = _versions_dir(config, versions_dir)
    try:
        old_dir, new_dir = resolve_version(root, a), resolve_version(root, b)
    except FileNotFoundError as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from err
    old, new = read_split_ids(old_dir), read_split_ids(new_dir)
    added = new.join(old, on="id", how="anti")
    removed = old.join(new, on="id", how="anti")
    # "changed": the same group (thread, ticket, section) is in both, with different content
    changed_groups = set(added["group_key"]) & set(removed["group_key"])
    moved = old.join(new.select("id", pl.col("split").alias("to")), on="id").filter(pl.col("split") != pl.col("to"))
    typer.echo(f"{old_dir.name} -> {new_dir.name}: +{added.height} added, -{removed.height} removed, "
               f"~{len(changed_groups)} changed group(s), {moved.height} moved between splits")
    for title, frame, source in (("added", added, new_dir), ("removed", removed, old_dir)):
        for row in frame.head(samples).iter_rows(named=True):
            split = pl.read_parquet(source / f"{row['split']}.parquet").filter(pl.col("id") == row["id"])
            first_user = next((m["content"] for m in split["messages"][0] if m["role"] != "system"), "")
            typer.echo(f"  {title[0]} {row['id']} [{row['source_kind']}/{row['split']}] {first_user[:100]!r}")


@app.command()
def explain(
    unit_id: Annotated[str, typer.Argument(help="a document, example or unit id")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="a working folder or a version folder (default: the config's output_dir)")] = None,
    config: ConfigOption = None,
) -> None:
    """Where did this unit come from, and what happened to it at each stage?"""
    from curation.lineage import explain as explain_ids
    from curation.lineage import scan_ledgers

    out = out or Path(load_cli_config(config).output_dir)
    ledger = scan_ledgers(out)
    if ledger is None:
        typer.secho(f"no ledger under {out}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    found = explain_ids(ledger, [unit_id])
    if found.is_empty():
        typer.secho(f"{unit_id}: not in any ledger under {out}", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(1)
    path = found.row(0, named=True)
    typer.echo(f"{unit_id}\n  source: {path['source']}")
    for line in path["lines"]:
        typer.echo(line)


@app.command()
def forget(
    email: Annotated[str | None, typer.Option(help="an e-mail address: units from, to, about or mentioning it")] = None,
    name: Annotated[str | None, typer.Option(help="a person's name: header display names, ticket customers, the text (whole words, any case)")] = None,
    path: Annotated[str | None, typer.Option(help="a source file or folder, as the ledger shows it (emails/eml/msg_000001.eml) or on disk")] = None,
    unit: Annotated[str | None, typer.Option(help="a unit id (curate explain shows them)")] = None,
    config: ConfigOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="show what matches; record and purge nothing")] = False,
) -> None:
    """Right to erasure: drop the matching units from the next version on and purge them from the working data.

    Records the request (salted hashes only) in the erasure register; lists the versions holding the units (never rewritten) and the adapters to retrain.
    """
    from curation.forget import forget as run_forget
    from curation.lock import FolderBusy

    given = {k: v for k, v in {"email": email, "name": name, "path": path, "unit": unit}.items() if v is not None}
    if len(given) != 1:
        typer.secho("give exactly one of --email, --name, --path, --unit", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    ((by, value),) = given.items()
    cfg = load_cli_config(config)
    try:
        result = run_forget(cfg, by, value, dry_run=dry_run)
    except FolderBusy as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from err
    except ValueError as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from err
    request, units = result.request, result.units
    if result.searched is None:
        typer.echo(f"no ingested units at {Path(cfg.output_dir) / 'ingest'} to match now (run `curate refresh`)")
    else:
        counts = ", ".join(f"{k} {n}" for k, n in request.counts.items()) or "none"
        typer.echo(f"{units.height} unit(s) match in {result.searched}: {counts}")
        for row in units.iter_rows(named=True):
            typer.echo(f"  {row['unit_id']}  {row['source_kind']:<7} {row['path']} [{row['locator']}]")
    typer.echo(f"{len(result.example_ids)} example(s) were built from them")
    if result.versions:
        typer.secho("published versions holding them (immutable, not rewritten): " + ", ".join(result.versions), fg=typer.colors.YELLOW)
    for adapter, version in sorted(result.adapters.items()):
        typer.secho(f"  retrain: adapter {adapter} was trained on {version}", fg=typer.colors.YELLOW)
    if dry_run:
        typer.echo("dry run: nothing recorded or purged")
        return
    typer.echo(f"recorded request {request.request_id} in {cfg.erasure_register}")
    for what, n in result.purged.items():
        typer.echo(f"  purged {what}: {', '.join(n) if isinstance(n, list) else n}")
    typer.echo("every later `curate refresh` drops the units this request matches (ledger: dropped, erased)")
    typer.echo(f"dashboard: {build_dashboard_for(cfg)}")


if __name__ == "__main__":
    app()
