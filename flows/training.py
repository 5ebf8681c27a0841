"""`train_and_evaluate`: fine-tune a LoRA adapter on a dataset version, evaluate it, report.

Triggered by `dataset.version.created` (deployment `retrain-on-new-version`), with the version id
as its `dataset_version` parameter. Training is idempotent per version and config, so a duplicated
trigger does not train twice.

(The file is named training.py, not train.py: Prefect loads flow files as scripts with their folder
on sys.path, where a train.py would shadow the `train` package.)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from curation.config import ConfigError, PipelineConfig
from curation.versions import resolve_version
from flows.common import build_dashboard_task, config_from


@task(name="train", cache_policy=NO_CACHE)
def train(version_dir: Path, config: PipelineConfig) -> dict:
    from train.lora import train_adapter

    result = train_adapter(version_dir, config.train, progress=False)
    return {"adapter_id": result.adapter_id, "path": str(result.path), "trained": result.trained}


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate(version_dir: Path, adapter_path: str, config: PipelineConfig) -> dict:
    from train.evaluate import evaluate_adapter

    return evaluate_adapter(version_dir, Path(adapter_path), config.train)


@flow(name="train_and_evaluate", log_prints=True)
def train_and_evaluate(dataset_version: str = "latest", config_path: str | None = None) -> dict:
    logger = get_run_logger()
    config = config_from(config_path, logger)
    version_dir = resolve_version(Path(config.versions_dir), dataset_version)
    adapter = train(version_dir, config)
    logger.info("adapter %s (%s)", adapter["adapter_id"], "trained" if adapter["trained"] else "already existed")
    report = evaluate(version_dir, adapter["path"], config)
    dashboard = build_dashboard_task(config)
    rows = [{"metric": key, "base": report["base"][key], "tuned": report["tuned"][key]} for key in ("loss", "perplexity", "key_fact_recall", "rouge_l")]
    if report.get("retention"):
        rows.append({"metric": "general-skill retention", "base": report["retention"]["base"]["pass_rate"], "tuned": report["retention"]["tuned"]["pass_rate"]})
    if report.get("out_of_scope", {}).get("questions"):
        rows.append({"metric": "out-of-scope declined", "base": report["out_of_scope"]["base"]["decline_rate"], "tuned": report["out_of_scope"]["tuned"]["decline_rate"]})
    create_table_artifact(key="eval-summary", table=rows, description=f"{adapter['adapter_id']} on {version_dir.name}")
    create_markdown_artifact(key="eval-report", markdown=(Path(adapter["path"]) / "eval_report.md").read_text(), description="base vs tuned")
    return {"dataset_version": version_dir.name, "adapter_id": adapter["adapter_id"], "trained": adapter["trained"],
            "tuned_key_fact_recall": report["tuned"]["key_fact_recall"], "dashboard": dashboard}


def main() -> None:
    parser = argparse.ArgumentParser(description="Train and evaluate once, without a server (ephemeral Prefect).")
    parser.add_argument("--version", default="latest")
    parser.add_argument("--config", default=None)
    args = parser.parse_args()
    try:
        config_from(args.config)  # fail before starting Prefect when the config cannot run
    except ConfigError as err:
        raise SystemExit(f"config error: {err}") from err
    result = train_and_evaluate(dataset_version=args.version, config_path=args.config)
    print(f"\nadapter {result['adapter_id']} on {result['dataset_version']} ({'trained' if result['trained'] else 'already trained'}); "
          f"tuned key-fact recall {result['tuned_key_fact_recall']}\ndashboard: {result['dashboard']}")


if __name__ == "__main__":
    main()
