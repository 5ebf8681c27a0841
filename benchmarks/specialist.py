"""Train and evaluate the specialist at several seeds; print one JSON line per run and a summary.

    .venv/bin/python benchmarks/specialist.py --seeds 1 2 3 [--set rehearsal_share=null ...] [--version DIR] [--splits dev test]

Without --version the bundled sample is refreshed into a temporary folder first. Each run trains
an adapter (its own adapters folder per recipe; one already trained with the same recipe, seed and
version is reused) and evaluates it on each question split named by --splits (default: the config's
`eval_split`, test): tune on dev, report test. The summary gives, per split, mean, standard deviation
and worst seed of the numbers issue 20 sets targets for.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _value(text: str):
    return yaml.safe_load(text)


def headline(report: dict) -> dict:
    """The numbers issue 20 sets targets for, from one eval report."""
    answers, retention, oos = report["answers"], report["retention"], report["out_of_scope"]
    return {
        "recall": {variant: answers[variant]["key_fact_recall"] for variant in answers},
        "citation_accuracy": {variant: answers[variant]["citations"]["accuracy"] for variant in answers},
        "wrong_product": {variant: answers[variant]["wrong_product"]["share"] for variant in answers},
        "leaks": {variant: answers[variant]["leaks"]["share"] for variant in answers},
        "invented_names": {variant: answers[variant].get("invented_names", {}).get("share") for variant in answers},
        "false_declines": {variant: answers[variant]["false_declines"]["share"] for variant in answers},
        "retention": {model: retention[model]["pass_rate"] for model in ("base", "tuned")},
        "retention_by_category": {model: {c: v["pass_rate"] for c, v in retention[model]["per_category"].items()} for model in ("base", "tuned")},
        "decline_rate": {model: oos[model]["decline_rate"] for model in ("base", "tuned")},
        "decline_by_kind": {model: {k: v["decline_rate"] for k, v in oos[model]["by_kind"].items()} for model in ("base", "tuned")},
        "forgetting": report["forgetting"]["relative_change"],
        "best_variant": report["best_variant"]["variant"],
        "train_s": report["training"]["wall_time_s"],
        "tokens_per_s": report["training"]["tokens_per_s"],
        "eval_s": report["eval_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--set", action="append", default=[], help="a train setting, key=value (YAML value)")
    parser.add_argument("--version", type=Path, help="a published version folder (default: refresh the sample)")
    parser.add_argument("--work", type=Path, help="folder for adapters and the refreshed sample (default: a temp folder)")
    parser.add_argument("--splits", nargs="+", choices=["dev", "test"], help="question splits to evaluate each adapter on (default: eval_split)")
    args = parser.parse_args()

    from curation import run
    from curation.config import load_config
    from tests.refresh_helpers import sample_config
    from train.evaluate import evaluate_adapter
    from schemas.training import EVALUATION_ONLY
    from train.lora import train_adapter

    work = (args.work or Path(tempfile.mkdtemp(prefix="specialist-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if args.version:
        version, train = args.version, load_config(ROOT / "pipeline.yaml").train
    else:
        config = sample_config(work)
        version, train = run.refresh(config, progress=False).path, config.train
    overrides = {key: _value(value) for key, value in (item.split("=", 1) for item in args.set)}
    # the base model's rehearsal and evaluation answers depend on neither the recipe nor the seed: kept
    # with the work folder (not the working directory), so a rerun from another checkout reuses them
    caches = {"rehearsal_cache_dir": str(work / "cache" / "rehearsal"), "base_answers_cache_dir": str(work / "cache" / "base_answers")}
    # evaluation-only settings do not name the recipe: the same adapters are evaluated again under them
    recipe = "-".join(f"{k}={v}" for k, v in sorted(overrides.items()) if k not in EVALUATION_ONLY) or "defaults"
    runs = []
    for seed in args.seeds:
        config = train.model_copy(update={**caches, **overrides, "seed": seed, "adapters_dir": str(work / "adapters" / recipe)})
        config = type(config).model_validate(config.model_dump())
        started = time.perf_counter()
        result = train_adapter(version, config, progress=False)
        for split in args.splits or [config.eval_split]:
            report = evaluate_adapter(version, result.path, config.model_copy(update={"eval_split": split}))
            line = {"recipe": recipe, "seed": seed, "split": split, "version": version.name, "adapter": result.adapter_id,
                    "wall_s": round(time.perf_counter() - started, 1), **headline(report)}
            runs.append(line)
            print(json.dumps(line), flush=True)
            started = time.perf_counter()

    def spread(values: list[float]) -> dict:
        values = [v for v in values if v is not None]
        if not values:
            return {}
        return {"mean": round(statistics.mean(values), 3), "sd": round(statistics.stdev(values), 3) if len(values) > 1 else 0.0,
                "min": round(min(values), 3), "max": round(max(values), 3)}

    for split in dict.fromkeys(r["split"] for r in runs):
        rows = [r for r in runs if r["split"] == split]
        summary = {
            "recipe": recipe, "split": split, "seeds": [r["seed"] for r in rows],
            "tuned_recall": spread([r["recall"]["tuned"] for r in rows]),
            "tuned_retrieval_recall": spread([r["recall"].get("tuned_retrieval") for r in rows]),
            "base_recall": spread([r["recall"]["base"] for r in rows]),
            "retention_tuned": spread([r["retention"]["tuned"] for r in rows]),
            "retention_base": spread([r["retention"]["base"] for r in rows]),
            "decline_tuned": spread([r["decline_rate"]["tuned"] for r in rows]),
            "false_declines_tuned": spread([r["false_declines"]["tuned"] for r in rows]),
            "citation_tuned": spread([r["citation_accuracy"]["tuned"] for r in rows]),
            "forgetting": spread([r["forgetting"] for r in rows]),
            "train_s": spread([r["train_s"] for r in rows]),
            "eval_s": spread([r["eval_s"] for r in rows]),
        }
        print(json.dumps({"summary": summary}), flush=True)

if __name__ == "__main__":
    main()
