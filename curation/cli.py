"""The `curate` command line: one command per pipeline stage, plus explain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from curation.config import ConfigError, PipelineConfig, load_config

app = typer.Typer(help="Curate a company's emails, manuals and tickets into a fine-tuning dataset.", no_args_is_help=True)

ConfigOption = Annotated[Path | None, typer.Option("--config", "-c", help="pipeline YAML (defaults run the bundled sample)")]


def _config(path: Path | None) -> PipelineConfig:
    try:
        return load_config(path)
    except (ConfigError, FileNotFoundError) as err:
        typer.secho(f"config error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from err


@app.command()
def ingest(
    sources: Annotated[list[Path] | None, typer.Argument(help="folders (or files) of emails, manuals and ticket exports")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder for documents.parquet and ledger.parquet")] = Path("data/out/ingest"),
    config: ConfigOption = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Read every message, manual section and ticket into DIR/documents.parquet (+ the ledger)."""
    from curation.ingest import ingest as run_ingest

    cfg = _config(config)
    roots = sources or [Path(s) for s in cfg.sources]
    missing = [str(r) for r in roots if not r.exists()]
    if missing:
        typer.secho(f"no such source: {', '.join(missing)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    summary = run_ingest(roots, out, cfg.ingest, progress=progress)
    print_ingest_summary(summary.as_dict())
    typer.echo(f"documents: {out / 'documents.parquet'}\nledger:    {out / 'ledger.parquet'}")


def print_ingest_summary(summary: dict) -> None:
    typer.echo(f"{'source':<8} {'files':>7} {'skipped':>8} {'units':>8} {'documents':>10} {'quarantined':>12}  reasons")
    for kind, row in summary.items():
        quarantined = sum(row["quarantined"].values())
        reasons = ", ".join(f"{k}={v}" for k, v in row["quarantined"].items()) or "-"
        typer.echo(f"{kind:<8} {row['files']:>7} {row['skipped_unchanged_files']:>8} {row['units']:>8} {row['documents']:>10} {quarantined:>12}  {reasons}")
    skipped = sum(row["skipped_unchanged_files"] for row in summary.values())
    if skipped:
        typer.echo(f"skipped {skipped} unchanged file(s) already ingested into this folder")


@app.command()
def build(
    config: ConfigOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="output folder (default: output_dir from the config)")] = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Ingest, clean and turn the configured sources into chat examples; print the funnel."""
    from curation import run

    cfg = _config(config)
    out = out or Path(cfg.output_dir)
    print_ingest_summary(run.run_ingest(cfg, out, progress=progress))
    run.run_clean(cfg, out)
    run.run_examples(cfg, out)
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
def explain(
    unit_id: Annotated[str, typer.Argument(help="a document, example or unit id")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the output folder the stages wrote to")] = Path("data/out"),
) -> None:
    """Where did this unit come from, and what happened to it at each stage?"""
    ledgers = sorted(out.rglob("ledger.parquet"))
    if not ledgers:
        typer.secho(f"no ledger under {out}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    rows = (
        pl.concat([pl.scan_parquet(p) for p in ledgers], how="diagonal_relaxed")
        .filter((pl.col("unit_id") == unit_id) | (pl.col("record_id") == unit_id))
        .unique(maintain_order=True)
        .collect()
    )
    if rows.is_empty():
        typer.secho(f"{unit_id}: not in any ledger under {out}", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(1)
    first = rows.row(0, named=True)
    typer.echo(f"{unit_id}\n  source: {first['source_kind']} {first['path']} [{first['locator']}]")
    for row in rows.iter_rows(named=True):
        what = row["outcome"] + (f":{row['reason']}" if row["reason"] else "")
        extra = f" -> {row['record_id']}" if row["record_id"] and row["record_id"] != unit_id else ""
        detail = f"  ({row['detail']})" if row["detail"] else ""
        typer.echo(f"  {row['stage']:<10} {what}{extra}{detail}")


if __name__ == "__main__":
    app()
