"""Key-fact recall of an adapter on questions it was trained on, next to the held-out ones:

    python benchmarks/seen_questions.py ADAPTER_DIR [--phrasing 4|all] [--version ID] [--json]

The sample catalog gives every (product, topic) nine training phrasings and one held-out
paraphrase. This asks base and tuned model one training phrasing per topic (`--phrasing` picks
which, 0-8, or `all` nine) with the version's system prompt, greedily like `curate eval`, and
scores key-fact recall per product, and apart for the phrasings that occur in a customer turn of
the version's training split and those that do not (they went to validation or test, or to no
example). The question is asked bare, as in a chat, while the training split mostly wraps it in an
e-mail. Low recall on *seen* questions means the question -> answer mapping is
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
    parser.add_argument("--phrasing", default="4", help="0-8, or all")
    parser.add_argument("--version", default=None, help="default: the adapter's dataset version")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from curation.config import load_config
    from curation.sample.catalog import all_topics
    from curation.versions import resolve_version
    from train.base_model import load_tokenizer
    from train.data import read_split
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
    asked = [(p, t, q) for p, t in all_topics()
             for q in (t.training_questions if args.phrasing == "all" else [t.training_questions[int(args.phrasing)]])]
    customer_turns = "\n".join(m["content"] for messages in read_split(version_dir, "train")["messages"].to_list() for m in messages if m["role"] == "user")
    prompts = [([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": q}] for _, _, q in asked]
    kwargs = {"max_new_tokens": cfg.eval_max_new_tokens, "batch_size": cfg.eval_batch_size, "device": device, "amp": amp}
    tuned = generate(model, tokenizer, prompts, **kwargs)
    with model.disable_adapter():
        base = generate(model, tokenizer, prompts, **kwargs)
    rows = [{"product": p.code, "name": p.name, "topic": t.key, "question": q, "in_training_split": q in customer_turns,
             "base": key_fact_recall(b, list(t.key_facts)), "tuned": key_fact_recall(a, list(t.key_facts))}
            for (p, t, q), b, a in zip(asked, base, tuned)]
    heldout = {}
    report_path = args.adapter / "eval_report.json"
    if report_path.exists():
        heldout = {(s["product"], s["topic"]): s["tuned_key_fact_recall"] for s in json.loads(report_path.read_text())["samples"]}
    by_product: dict[str, list[dict]] = {}
    for row in rows:
        row["heldout_tuned"] = heldout.get((row["name"], row["topic"]))
        by_product.setdefault(row["product"], []).append(row)
    def mean_tuned(items: list[dict]) -> float | None:
        return round(sum(r["tuned"] for r in items) / len(items), 4) if items else None

    summary = {
        "adapter": args.adapter.name,
        "phrasing": args.phrasing,
        "seen_tuned": round(sum(r["tuned"] for r in rows) / len(rows), 4),
        "seen_base": round(sum(r["base"] for r in rows) / len(rows), 4),
        "per_product": {p: mean_tuned(items) for p, items in by_product.items()},
        "in_training_split": {"questions": sum(r["in_training_split"] for r in rows), "tuned": mean_tuned([r for r in rows if r["in_training_split"]])},
        "not_in_training_split": {"questions": sum(not r["in_training_split"] for r in rows), "tuned": mean_tuned([r for r in rows if not r["in_training_split"]])},
        "rows": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"seen-question key-fact recall: base {summary['seen_base']}, tuned {summary['seen_tuned']}")
    for part in ("in_training_split", "not_in_training_split"):
        print(f"  {part.replace('_', ' ')}: {summary[part]['questions']} questions, tuned {summary[part]['tuned']}")
    for row in rows:
        print(f"  {row['product']:5s} {row['topic']:13s} seen {row['tuned']:.2f}  held-out {row['heldout_tuned']}  {row['question']}")


if __name__ == "__main__":
    main()
