"""Key-fact recall of an adapter on questions it was trained on, next to the held-out ones:

    python benchmarks/seen_questions.py ADAPTER_DIR [--phrasing 4] [--version ID] [--json]

The sample catalog gives every (product, topic) nine training phrasings and one held-out
paraphrase. This asks base and tuned model one training phrasing per topic (`--phrasing` picks
which, 0-8) with the version's system prompt, greedily like `curate eval`, and scores key-fact
recall per product. Low recall on *seen* questions means the question -> answer mapping is
under-fitted (more optimisation helps); high seen but low held-out recall means it does not
generalise (more diverse questions help).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import REPO


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adapter", type=Path)
    parser.add_argument("--phrasing", type=int, default=4)
    parser.add_argument("--version", default=None, help="default: the adapter's dataset version")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from curation.config import load_config
    from curation.sample.catalog import all_topics
    from curation.versions import resolve_version
    from train.base_model import load_tokenizer
    from train.evaluate import generate, key_fact_recall, load_tuned, system_prompt_of
    from train.modeling import autocast_dtype, pick_device

    pipeline = load_config(REPO / "pipeline.yaml")
    cfg = pipeline.train
    meta = json.loads((args.adapter / "meta.json").read_text())
    version_dir = resolve_version(REPO / pipeline.versions_dir, args.version or meta["dataset_version"])
    device = pick_device(cfg.device)
    amp = autocast_dtype(device, cfg.precision)
    tokenizer = load_tokenizer(cfg.base_model)
    model = load_tuned(cfg, args.adapter, device, amp)
    system = system_prompt_of(version_dir)
    topics = all_topics()
    prompts = [([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": t.training_questions[args.phrasing]}] for _, t in topics]
    kwargs = {"max_new_tokens": cfg.eval_max_new_tokens, "batch_size": cfg.eval_batch_size, "device": device, "amp": amp}
    tuned = generate(model, tokenizer, prompts, **kwargs)
    with model.disable_adapter():
        base = generate(model, tokenizer, prompts, **kwargs)
    rows = [{"product": p.code, "name": p.name, "topic": t.key, "question": t.training_questions[args.phrasing],
             "base": key_fact_recall(b, list(t.key_facts)), "tuned": key_fact_recall(a, list(t.key_facts))}
            for (p, t), b, a in zip(topics, base, tuned)]
    heldout = {}
    report_path = args.adapter / "eval_report.json"
    if report_path.exists():
        heldout = {(s["product"], s["topic"]): s["tuned_key_fact_recall"] for s in json.loads(report_path.read_text())["samples"]}
    by_product: dict[str, list[dict]] = {}
    for row in rows:
        row["heldout_tuned"] = heldout.get((row["name"], row["topic"]))
        by_product.setdefault(row["product"], []).append(row)
    summary = {
        "adapter": args.adapter.name,
        "phrasing": args.phrasing,
        "seen_tuned": round(sum(r["tuned"] for r in rows) / len(rows), 4),
        "seen_base": round(sum(r["base"] for r in rows) / len(rows), 4),
        "per_product": {p: round(sum(r["tuned"] for r in items) / len(items), 4) for p, items in by_product.items()},
        "rows": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"seen-question key-fact recall: base {summary['seen_base']}, tuned {summary['seen_tuned']}")
    for row in rows:
        print(f"  {row['product']:5s} {row['topic']:13s} seen {row['tuned']:.2f}  held-out {row['heldout_tuned']}  {row['question']}")


if __name__ == "__main__":
    main()
