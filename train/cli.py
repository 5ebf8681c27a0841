"""`curate train`, `curate eval` and `curate ask`, added to the curation CLI's app.

This module is the `curate` entry point (pyproject.toml): it imports the curation commands and adds
the training ones, so the dependency runs from train/ to curation/ and never back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from curation.cli import ConfigOption, app, build_dashboard_for, load_cli_config, resolve_version_or_exit

__all__ = ["app"]


@app.command()
def train(
    version: Annotated[str, typer.Option("--version", "-v", help="dataset version id or prefix (default: the latest)")] = "latest",
    config: ConfigOption = None,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Fine-tune a LoRA adapter on a published version's train split (idempotent per version and config)."""
    from train.lora import train_adapter

    from curation.erasure import flags

    cfg = load_cli_config(config)
    version_dir = resolve_version_or_exit(cfg, version)
    erased_by = flags(cfg.erasure_register)["versions"].get(version_dir.name)
    if erased_by:
        typer.secho(f"warning: {version_dir.name} holds units erased on request ({', '.join(erased_by)}); "
                    "train on a version published after the request", fg=typer.colors.YELLOW, err=True)
    result = train_adapter(version_dir, cfg.train, progress=progress)
    meta = json.loads((result.path / "meta.json").read_text())
    state = "trained" if result.trained else "already trained (same version and config): nothing to do"
    typer.echo(f"{state}: {result.adapter_id}  ({result.path})\n  {meta['steps']} steps, {meta['wall_time_s']} s, "
               f"{meta['tokens_per_s']} tokens/s on {meta['device']}, final loss {meta['final_loss']}")


@app.command("eval")
def evaluate(
    version: Annotated[str, typer.Option("--version", "-v", help="dataset version id or prefix (default: the latest)")] = "latest",
    adapter: Annotated[str | None, typer.Option("--adapter", "-a", help="adapter id (default: this version's adapter for the config)")] = None,
    config: ConfigOption = None,
) -> None:
    """Evaluate base vs tuned on the version's held-out splits and questions; write eval_report.json/.md."""
    from train.evaluate import evaluate_adapter
    from train.lora import adapter_id

    cfg = load_cli_config(config)
    version_dir = resolve_version_or_exit(cfg, version)
    adapter_dir = Path(cfg.train.adapters_dir) / (adapter or adapter_id(version_dir.name, cfg.train))
    if not (adapter_dir / "meta.json").exists():
        typer.secho(f"no adapter at {adapter_dir}: run `curate train --version {version_dir.name}` first", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    report = evaluate_adapter(version_dir, adapter_dir, cfg.train)
    print_eval(report)
    typer.echo(f"dashboard: {build_dashboard_for(cfg)}")
    typer.echo(f"report: {adapter_dir / 'eval_report.md'}")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="what a customer would ask")] = "How do I reset my A-45 SuperWidget?",
    version: Annotated[str, typer.Option("--version", "-v", help="dataset version id or prefix (default: the latest)")] = "latest",
    max_new_tokens: Annotated[int, typer.Option(help="answer length limit (greedy decoding)")] = 200,
    retrieve: Annotated[bool, typer.Option("--retrieve", help="answer from the BM25-retrieved manual sections (printed first)")] = False,
    config: ConfigOption = None,
) -> None:
    """Ask the base model and the tuned adapter the same question, side by side."""
    from train.evaluate import ask as ask_models
    from train.lora import adapter_id

    cfg = load_cli_config(config)
    version_dir = resolve_version_or_exit(cfg, version)
    adapter_dir = Path(cfg.train.adapters_dir) / adapter_id(version_dir.name, cfg.train)
    if not (adapter_dir / "meta.json").exists():
        typer.secho(f"no adapter at {adapter_dir}: run `curate train` first", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    answers = ask_models(question, version_dir, adapter_dir, cfg.train.model_copy(update={"eval_max_new_tokens": max_new_tokens}), retrieve=retrieve)
    typer.echo(f"Q: {question}")
    if retrieve:
        typer.echo(f"\n--- retrieved manual sections ({len(answers['sections'])}) ---")
        for section in answers["sections"]:
            typer.echo(f"[{section.citation}]\n" + "\n".join(f"  {line}" for line in section.text.splitlines()[:3]))
    with_sections = " + retrieval" if retrieve else ""
    typer.echo(f"\n--- base model ({cfg.train.base_model}){with_sections} ---\n{answers['base']}\n\n--- tuned ({adapter_dir.name}){with_sections} ---\n{answers['tuned']}")


def _rate(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def print_eval(report: dict) -> None:
    """The report's headline numbers: losses, the product-question variants, retention, declines, leaks."""
    from train.eval_metrics import LABELS

    b, t = report["base"], report["tuned"]
    typer.echo(f"{'':<22}{'base':>10}{'tuned':>10}")
    for key in ("loss", "perplexity", "key_fact_recall", "rouge_l"):
        typer.echo(f"{key:<22}{b[key]!s:>10}{t[key]!s:>10}")
    f = report["forgetting"]
    typer.echo(f"general-text probe ppl {f['base_perplexity']} -> {f['tuned_perplexity']} ({f['relative_change']:+.1%})"
               + ("  FLAGGED: above tolerance" if f["flagged"] else ""))
    typer.echo(f"\nproduct questions ({report['question_set']['split']} split, {report['questions']}):"
               f"\n{'':<18}{'recall':>8}{'ROUGE-L':>9}{'cites ok':>10}{'wrong prod':>11}{'leaks':>7}{'declined':>10}")
    for variant, m in report["answers"].items():
        typer.echo(f"{LABELS[variant]:<18}{_rate(m['key_fact_recall']):>8}{_rate(m['rouge_l']):>9}{_rate(m['citations']['accuracy']):>10}"
                   f"{m['wrong_product']['count']:>11}{m['leaks']['count']:>7}{m['false_declines']['count']:>10}")
    if report.get("best_variant"):
        typer.echo(f"serves best: {report['best_variant']['label']}")
    kept, scope = report["retention"], report["out_of_scope"]
    if kept["prompts"]:
        typer.echo(f"general-skill retention ({kept['prompts']} prompts): {_rate(kept['base']['pass_rate'])} -> {_rate(kept['tuned']['pass_rate'])}")
    if scope["questions"]:
        typer.echo(f"out-of-scope decline rate ({scope['questions']} questions): {_rate(scope['base']['decline_rate'])} -> {_rate(scope['tuned']['decline_rate'])}")
    for line in report.get("regressions", []):
        typer.echo(f"worse: {line}")
    typer.echo(f"eval took {report['eval_seconds']} s")


if __name__ == "__main__":
    app()
