"""Evaluation: does the specialist beat the generalist, and did it forget anything?

- held-out loss and perplexity (validation + test splits), base vs tuned, overall and per source kind;
- answers to held-out paraphrased questions, generated greedily by both models and scored by
  key-fact recall (the facts the corpus generator planted) and ROUGE-L; side-by-side samples kept;
- a forgetting probe: perplexity on general text shipped with the project, flagged above a tolerance.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path

import polars as pl
import torch

from train.base_model import load_tokenizer
from train.config import TrainConfig
from train.data import Encoded, batches, encode_examples, encode_passage
from train.modeling import autocast, autocast_dtype, base_model_identity, pick_device, ready_base, summed_target_loss

PROBE = Path(__file__).parent / "probes" / "general.txt"
_TOKEN = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 over lower-cased word tokens (longest common subsequence)."""
    a, b = _TOKEN.findall(candidate.lower()), _TOKEN.findall(reference.lower())
    if not a or not b:
        return 0.0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def key_fact_recall(answer: str, facts: list[str]) -> float:
    """Share of the key facts that appear in the answer (case and spacing ignored)."""
    if not facts:
        return 0.0
    text = _SPACE.sub(" ", answer.lower())
    return sum(_SPACE.sub(" ", f.lower()) in text for f in facts) / len(facts)


@torch.no_grad()
def token_losses(model, encoded_batches: list[dict], device, amp=None) -> list[tuple[str, float, int]]:
    """(source kind, summed loss, target tokens) per example."""
    out = []
    for batch in encoded_batches:
        with autocast(device, amp):
            losses, counts = summed_target_loss(model, batch["input_ids"].to(device), batch["attention_mask"].to(device), batch["labels"].to(device))
        losses = losses.float()
        for kind, loss, count in zip(batch["source_kinds"], losses.tolist(), counts.tolist()):
            out.append((kind, loss, count))
    return out


def summarise(losses: list[tuple[str, float, int]]) -> dict:
    def metrics(items):
        tokens = sum(c for _, _, c in items)
        loss = sum(l for _, l, _ in items) / tokens if tokens else float("nan")
        return {"loss": round(loss, 4), "perplexity": round(math.exp(loss), 3) if tokens else None, "tokens": tokens, "examples": len(items)}

    result = metrics(losses)
    result["per_source"] = {kind: metrics([x for x in losses if x[0] == kind]) for kind in sorted({k for k, _, _ in losses})}
    return result


@torch.no_grad()
def generate(model, tokenizer, prompts: list[list[dict]], *, max_new_tokens: int, batch_size: int, device, amp=None) -> list[str]:
    """Greedy answers, batched with left padding."""
    tokenizer.padding_side = "left"
    answers: list[str] = []
    for i in range(0, len(prompts), batch_size):
        texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts[i : i + batch_size]]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with autocast(device, amp):
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        answers += [tokenizer.decode(row[enc["input_ids"].shape[1]:], skip_special_tokens=True).strip() for row in out]
    tokenizer.padding_side = "right"
    return answers


def load_tuned(config: TrainConfig, adapter_dir: Path, device, amp, model=None):
    """The base model (or `model`) in the compute dtype with the adapter on top, in eval mode."""
    from peft import PeftModel

    base = ready_base(config.base_model, device, amp, config.attention, model)
    return PeftModel.from_pretrained(base, str(adapter_dir)).to(device).eval()


def _mean(items: list[dict], key: str) -> float:
    return round(sum(item[key] for item in items) / len(items), 4)


def load_questions(path: Path, limit: int | None = None) -> list[dict]:
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def system_prompt_of(version_dir: Path) -> str | None:
    train = pl.read_parquet(version_dir / "train.parquet", columns=["messages"])
    for messages in train["messages"].to_list():
        if messages and messages[0]["role"] == "system":
            return messages[0]["content"]
    return None


def evaluate_adapter(version_dir: Path, adapter_dir: Path, config: TrainConfig, *, model=None, tokenizer=None, max_questions: int | None = None) -> dict:
    """Evaluate base vs tuned on the version's held-out splits and the held-out questions; write the reports."""
    started = time.perf_counter()
    device = pick_device(config.device)
    amp = autocast_dtype(device, config.precision)
    tokenizer = tokenizer or load_tokenizer(config.base_model)
    tokenizer.padding_side = "right"
    tuned = load_tuned(config, adapter_dir, device, amp, model)

    held_out = pl.concat([pl.read_parquet(version_dir / f"{s}.parquet") for s in ("validation", "test")])
    encoded, stats = encode_examples(tokenizer, held_out, max_len=config.max_seq_length, overlong="truncate", kinds=config.kinds)
    eval_batches = batches(encoded, config.eval_batch_size, tokenizer.pad_token_id)
    tuned_losses = token_losses(tuned, eval_batches, device, amp)
    with tuned.disable_adapter():
        base_losses = token_losses(tuned, eval_batches, device, amp)

    questions = load_questions(Path(config.heldout_questions), max_questions)
    system = system_prompt_of(version_dir)
    prompts = [([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": q["question"]}] for q in questions]
    tuned_answers = generate(tuned, tokenizer, prompts, max_new_tokens=config.eval_max_new_tokens, batch_size=config.eval_batch_size, device=device, amp=amp)
    with tuned.disable_adapter():
        base_answers = generate(tuned, tokenizer, prompts, max_new_tokens=config.eval_max_new_tokens, batch_size=config.eval_batch_size, device=device, amp=amp)

    probe_ids, probe_labels = encode_passage(tokenizer, [{"content": PROBE.read_text(encoding="utf-8")}])
    probe_batches = batches([Encoded(probe_ids, probe_labels, "probe", "probe")], 1, tokenizer.pad_token_id)
    probe_tuned = summarise(token_losses(tuned, probe_batches, device, amp))
    with tuned.disable_adapter():
        probe_base = summarise(token_losses(tuned, probe_batches, device, amp))

    samples = []
    for q, b, t in zip(questions, base_answers, tuned_answers):
        samples.append({
            "id": q.get("id"), "product": q.get("product"), "topic": q.get("topic"), "question": q["question"], "reference": q.get("reference_answer", ""), "key_facts": q.get("key_facts", []),
            "base_answer": b, "tuned_answer": t,
            "base_key_fact_recall": round(key_fact_recall(b, q.get("key_facts", [])), 3), "tuned_key_fact_recall": round(key_fact_recall(t, q.get("key_facts", [])), 3),
            "base_rouge_l": round(rouge_l(b, q.get("reference_answer", "")), 3), "tuned_rouge_l": round(rouge_l(t, q.get("reference_answer", "")), 3),
        })

    def answer_metrics(prefix: str) -> dict:
        if not samples:
            return {"key_fact_recall": None, "rouge_l": None}
        return {"key_fact_recall": _mean(samples, f"{prefix}_key_fact_recall"), "rouge_l": _mean(samples, f"{prefix}_rouge_l")}

    def recall_by(field: str) -> dict:
        """Key-fact recall per value of a question field (product, topic): where the specialist is weak."""
        groups: dict[str, list[dict]] = {}
        for s in samples:
            if s.get(field):
                groups.setdefault(s[field], []).append(s)
        return {value: {"questions": len(items), "base": _mean(items, "base_key_fact_recall"), "tuned": _mean(items, "tuned_key_fact_recall")}
                for value, items in sorted(groups.items())}

    base_ppl, tuned_ppl = probe_base["perplexity"], probe_tuned["perplexity"]
    change = (tuned_ppl - base_ppl) / base_ppl if base_ppl else 0.0
    meta = json.loads((adapter_dir / "meta.json").read_text())
    report = {
        "dataset_version": version_dir.name,
        "adapter_id": adapter_dir.name,
        "base_model": meta.get("base_model") or (base_model_identity(config.base_model) if model is None else {"spec": "in-memory model"}),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "heldout": {"splits": ["validation", "test"], **stats.as_dict()},
        "base": {**summarise(base_losses), **answer_metrics("base")},
        "tuned": {**summarise(tuned_losses), **answer_metrics("tuned")},
        "forgetting": {"probe": PROBE.name, "base_perplexity": base_ppl, "tuned_perplexity": tuned_ppl,
                       "relative_change": round(change, 4), "tolerance": config.forgetting_tolerance, "flagged": change > config.forgetting_tolerance},
        "questions": len(samples),
        "recall_by_product": recall_by("product"),
        "recall_by_topic": recall_by("topic"),
        "samples": samples,
        "training": {k: meta.get(k) for k in ("steps", "epochs", "wall_time_s", "tokens_per_s", "final_loss", "device", "autocast", "peak_memory_mb")},
        "eval_autocast": str(amp) if amp else None,
        "eval_seconds": round(time.perf_counter() - started, 1),
    }
    (adapter_dir / "eval_report.json").write_text(json.dumps(report, indent=2) + "\n")
    (adapter_dir / "eval_report.md").write_text(render_markdown(report))
    link = version_dir / "evals"
    link.mkdir(exist_ok=True)
    (link / f"{adapter_dir.name}.json").write_text(json.dumps({k: v for k, v in report.items() if k != "samples"} | {"report": str(adapter_dir / "eval_report.json"), "samples": samples[:5]}, indent=2) + "\n")
    return report


def render_markdown(report: dict) -> str:
    b, t = report["base"], report["tuned"]
    lines = [
        f"# Evaluation of adapter `{report['adapter_id']}`",
        "",
        f"- dataset version: `{report['dataset_version']}`",
        f"- base model: `{report['base_model'].get('spec')}`",
        f"- held-out examples: {report['heldout']['examples']} (validation + test); questions: {report['questions']}",
        "",
        "| metric | base | tuned |",
        "|---|---|---|",
        f"| held-out loss | {b['loss']} | {t['loss']} |",
        f"| held-out perplexity | {b['perplexity']} | {t['perplexity']} |",
        f"| key-fact recall | {b['key_fact_recall']} | {t['key_fact_recall']} |",
        f"| ROUGE-L | {b['rouge_l']} | {t['rouge_l']} |",
    ]
    for kind in sorted(set(b["per_source"]) | set(t["per_source"])):
        lines.append(f"| loss ({kind}) | {b['per_source'].get(kind, {}).get('loss')} | {t['per_source'].get(kind, {}).get('loss')} |")
    f = report["forgetting"]
    lines += ["", f"Forgetting probe ({f['probe']}): perplexity {f['base_perplexity']} -> {f['tuned_perplexity']} "
                  f"({f['relative_change']:+.1%}; tolerance {f['tolerance']:.0%}){' **FLAGGED**' if f['flagged'] else ''}"]
    if report.get("recall_by_product"):
        lines += ["", "| product | questions | key-fact recall base | tuned |", "|---|---|---|---|"]
        lines += [f"| {product} | {r['questions']} | {r['base']} | {r['tuned']} |" for product, r in report["recall_by_product"].items()]
    lines += ["", "## Side by side", ""]
    for s in report["samples"][:10]:
        lines += [f"**Q:** {s['question']}", "", f"- base ({s['base_key_fact_recall']:.0%} of key facts): {s['base_answer'][:400]}",
                  f"- tuned ({s['tuned_key_fact_recall']:.0%} of key facts): {s['tuned_answer'][:400]}", ""]
    return "\n".join(lines) + "\n"


def ask(question: str, version_dir: Path, adapter_dir: Path, config: TrainConfig) -> dict[str, str]:
    """The base and the tuned model's greedy answers to one question (with the version's system prompt)."""
    device = pick_device(config.device)
    amp = autocast_dtype(device, config.precision)
    tokenizer = load_tokenizer(config.base_model)
    tuned = load_tuned(config, adapter_dir, device, amp)
    system = system_prompt_of(version_dir)
    prompt = [([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]]
    tuned_answer = generate(tuned, tokenizer, prompt, max_new_tokens=config.eval_max_new_tokens, batch_size=1, device=device, amp=amp)[0]
    with tuned.disable_adapter():
        base_answer = generate(tuned, tokenizer, prompt, max_new_tokens=config.eval_max_new_tokens, batch_size=1, device=device, amp=amp)[0]
    return {"question": question, "base": base_answer, "tuned": tuned_answer}
