"""Evaluation: does the specialist beat the generalist, what did it forget, and would retrieval do better?

- held-out loss and perplexity (validation + test splits), base vs tuned, overall and per source kind;
- product questions of one split (dev, tuned on; or test, new phrasings: the default), answered
  greedily by the base and the tuned model, each with and without BM25-retrieved manual sections
  (train/retrieval.py), scored by key-fact recall, ROUGE-L, citation accuracy, wrong-product
  answers and leaks; the report names the variant that serves best;
- general-skill retention: the heldout general prompts (train/general_prompts.py) each model passes;
- out-of-scope questions (products the company does not make, topics no manual covers): decline rate;
- a forgetting probe: perplexity on general text shipped with the project, flagged above a tolerance;
- what got worse, tuned vs base.
Generation is the cost on a CPU: every prompt set of one model is generated in length-sorted
batches, and the retrieval variants can be switched off (`eval_retrieval`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from pathlib import Path

import polars as pl
import torch

from train.answer_checks import contact_details
from train.base_model import load_tokenizer
from train.config import TrainConfig
from train.data import Encoded, batches, encode_examples, encode_passage
from train.eval_metrics import (MODELS, VARIANTS, best_variant, declines, general_samples, grouped_recall, key_fact_recall, leak_summary,
                                out_of_scope_samples, product_sample, regressions, retention, rouge_l, variant_metrics)
from train.eval_questions import catalog_products, load_out_of_scope, load_split, question_file, read_jsonl, resolve_input
from train.eval_report import render_markdown
from train.general_prompts import GeneralPrompt, load_general_prompts
from train.modeling import autocast, autocast_dtype, base_model_identity, pick_device, ready_base, summed_target_loss
from train.retrieval import Section, SectionIndex, retrieval_prompt, sections_of

__all__ = ["evaluate_adapter", "ask", "generate", "key_fact_recall", "rouge_l", "render_markdown", "load_questions"]

PROBE = Path(__file__).parent / "probes" / "general.txt"


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
    """Greedy answers in the prompts' order, batched with left padding.

    Prompts are batched by length, so a batch pads little and a short prompt does not wait for a
    long one's prefill; greedy decoding makes the answers independent of that order.
    """
    if not prompts:
        return []
    tokenizer.padding_side = "left"
    texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    answers = [""] * len(texts)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        enc = tokenizer([texts[i] for i in chunk], return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with autocast(device, amp):
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        for i, row in zip(chunk, out):
            answers[i] = tokenizer.decode(row[enc["input_ids"].shape[1]:], skip_special_tokens=True).strip()
    tokenizer.padding_side = "right"
    return answers


def load_tuned(config: TrainConfig, adapter_dir: Path, device, amp, model=None):
    """The base model (or `model`) in the compute dtype with the adapter on top, in eval mode."""
    from peft import PeftModel

    base = ready_base(config.base_model, device, amp, config.attention, model)
    return PeftModel.from_pretrained(base, str(adapter_dir)).to(device).eval()


def load_questions(path: Path, limit: int | None = None) -> list[dict]:
    """Rows of a question file (kept for callers of the single-file API; see train/eval_questions.py)."""
    rows = read_jsonl(Path(path))
    return rows[:limit] if limit else rows


def system_prompt_of(version_dir: Path) -> str | None:
    train = pl.read_parquet(version_dir / "train.parquet", columns=["messages"])
    for messages in train["messages"].to_list():
        if messages and messages[0]["role"] == "system":
            return messages[0]["content"]
    return None


def chat(system: str | None, question: str) -> list[dict]:
    """The messages of one customer question, under the version's system prompt (as deployed)."""
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]


def retrieval_budget(model, config: TrainConfig) -> int:
    """Tokens a retrieval prompt may use: the configured budget, within the model's context less the answer."""
    context = getattr(getattr(model, "config", None), "max_position_embeddings", None) or config.retrieval_prompt_tokens + config.eval_max_new_tokens
    return max(min(config.retrieval_prompt_tokens, context - config.eval_max_new_tokens), 1)


def _heldout_losses(model, tokenizer, version_dir: Path, config: TrainConfig, device, amp) -> tuple[dict, dict, dict]:
    """(tuned summary, base summary, encoding stats) of the loss on the validation + test splits."""
    held_out = pl.concat([pl.read_parquet(version_dir / f"{s}.parquet") for s in ("validation", "test")])
    encoded, stats = encode_examples(tokenizer, held_out, max_len=config.max_seq_length, overlong="truncate", kinds=config.kinds)
    eval_batches = batches(encoded, config.eval_batch_size, tokenizer.pad_token_id)
    tuned = summarise(token_losses(model, eval_batches, device, amp))
    with model.disable_adapter():
        base = summarise(token_losses(model, eval_batches, device, amp))
    return tuned, base, stats.as_dict()


def _forgetting(model, tokenizer, config: TrainConfig, device, amp) -> dict:
    probe_ids, probe_labels = encode_passage(tokenizer, [{"content": PROBE.read_text(encoding="utf-8")}])
    probe_batches = batches([Encoded(probe_ids, probe_labels, "probe", "probe")], 1, tokenizer.pad_token_id)
    tuned = summarise(token_losses(model, probe_batches, device, amp))["perplexity"]
    with model.disable_adapter():
        base = summarise(token_losses(model, probe_batches, device, amp))["perplexity"]
    change = (tuned - base) / base if base else 0.0
    return {"probe": PROBE.name, "base_perplexity": base, "tuned_perplexity": tuned, "relative_change": round(change, 4),
            "tolerance": config.forgetting_tolerance, "flagged": change > config.forgetting_tolerance}


class _PromptSets:
    """Everything the models answer, as chat prompts: product questions (plain and with retrieved
    sections), heldout general prompts and out-of-scope questions."""

    def __init__(self, tokenizer, system: str | None, questions: list[dict], retrieved: list[list[Section]] | None,
                 general: list[GeneralPrompt], out_of_scope: list[dict], budget: int):
        self.plain = [chat(system, q["question"]) for q in questions]
        self.retrieval = [retrieval_prompt(tokenizer, system, q["question"], found, budget) for q, found in zip(questions, retrieved or [])]
        self.general = [chat(system, p.prompt) for p in general]
        self.out_of_scope = [chat(system, q["question"]) for q in out_of_scope]

    def answer(self, model, tokenizer, config: TrainConfig, device, amp) -> dict[str, list[str]]:
        """One model's answers to every set: two generation runs, by answer length."""
        kw = {"batch_size": config.eval_batch_size, "device": device, "amp": amp}
        long = generate(model, tokenizer, self.plain + self.retrieval, max_new_tokens=config.eval_max_new_tokens, **kw)
        short = generate(model, tokenizer, self.general + self.out_of_scope, max_new_tokens=config.eval_general_max_new_tokens, **kw)
        n, g = len(self.plain), len(self.general)
        return {"plain": long[:n], "retrieval": long[n:], "general": short[:g], "out_of_scope": short[g:]}


def _base_answers(prompts: _PromptSets, model, tokenizer, config: TrainConfig, device, amp) -> dict[str, list[str]]:
    with model.disable_adapter():
        return prompts.answer(model, tokenizer, config, device, amp)


def base_answers_cache(prompts: _PromptSets, config: TrainConfig, device, amp, identity: dict | None) -> Path | None:
    """Where the base model's answers to these prompts are kept: a file named by everything greedy decoding
    depends on (the base model's identity, every prompt, the generation lengths and batch size, device
    kind, autocast dtype, library versions). None without a cache folder or a model identity (an
    in-memory model)."""
    if not config.base_answers_cache_dir or identity is None:
        return None
    import transformers

    payload = {"base": identity, "prompts": [prompts.plain, prompts.retrieval, prompts.general, prompts.out_of_scope],
               "max_new_tokens": [config.eval_max_new_tokens, config.eval_general_max_new_tokens], "batch_size": config.eval_batch_size,
               "device": device.type, "amp": str(amp), "torch": torch.__version__, "transformers": transformers.__version__}
    key = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return Path(config.base_answers_cache_dir) / f"{key}.json"


def cached_answers(cache: Path | None, answer) -> tuple[dict[str, list[str]], str]:
    """(answers, "cache" or "generated"): read from `cache` when it is there, else `answer()` stored there."""
    if cache is not None and cache.exists():
        return json.loads(cache.read_text(encoding="utf-8")), "cache"
    answers = answer()
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".tmp-{cache.name}-{os.getpid()}")
        tmp.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, cache)
    return answers, "generated"


def evaluate_adapter(version_dir: Path, adapter_dir: Path, config: TrainConfig, *, model=None, tokenizer=None, max_questions: int | None = None) -> dict:
    """Evaluate base vs tuned (and with retrieval) on the version; write eval_report.json/.md.

    `max_questions` caps every prompt set (product, general, out-of-scope) for quick checks.
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    device = pick_device(config.device)
    amp = autocast_dtype(device, config.precision)
    tokenizer = tokenizer or load_tokenizer(config.base_model)
    tokenizer.padding_side = "right"
    tuned = load_tuned(config, adapter_dir, device, amp, model)
    timings["load"] = time.perf_counter() - started

    tuned_losses, base_losses, heldout_stats = _heldout_losses(tuned, tokenizer, version_dir, config, device, amp)
    forgetting = _forgetting(tuned, tokenizer, config, device, amp)
    timings["losses"] = time.perf_counter() - started - sum(timings.values())

    questions = load_split(config, config.eval_split, max_questions)
    out_of_scope = load_out_of_scope(config, max_questions)
    general_part = "dev" if config.eval_split == "dev" else "heldout"  # tune on dev, report heldout
    general = load_general_prompts(general_part, resolve_input(config.general_prompts))[:max_questions] if config.general_prompts else []
    products = catalog_products(version_dir, questions)
    sections = sections_of(version_dir)
    index = SectionIndex(sections) if config.eval_retrieval else None
    retrieved = [index.retrieve(q["question"], config.retrieval_k) for q in questions] if index else None
    allowed = contact_details([s.text for s in sections] + [q.get("reference_answer", "") for q in questions])
    prompts = _PromptSets(tokenizer, system_prompt_of(version_dir), questions, retrieved, general, out_of_scope, retrieval_budget(tuned, config))

    answers = {"tuned": prompts.answer(tuned, tokenizer, config, device, amp)}
    timings["generation_tuned"] = time.perf_counter() - started - sum(timings.values())
    cache = base_answers_cache(prompts, config, device, amp, None if model is not None else base_model_identity(config.base_model))
    answers["base"], base_source = cached_answers(cache, lambda: _base_answers(prompts, tuned, tokenizer, config, device, amp))
    timings["generation_base"] = time.perf_counter() - started - sum(timings.values())

    variants = [v for v in VARIANTS if config.eval_retrieval or not v.endswith("_retrieval")]
    by_variant = {v: answers[v.split("_")[0]]["retrieval" if v.endswith("_retrieval") else "plain"] for v in variants}
    samples = [product_sample(q, {v: by_variant[v][i] for v in variants}, products, allowed,
                              [s.citation for s in retrieved[i]] if retrieved else None) for i, q in enumerate(questions)]
    metrics = {v: variant_metrics(samples, v) for v in variants}
    leak_answers = {v: by_variant[v] + (answers[v]["general"] + answers[v]["out_of_scope"] if v in MODELS else []) for v in variants}

    meta = json.loads((adapter_dir / "meta.json").read_text())
    report = {
        "dataset_version": version_dir.name,
        "adapter_id": adapter_dir.name,
        "base_model": meta.get("base_model") or (base_model_identity(config.base_model) if model is None else {"spec": "in-memory model"}),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "heldout": {"splits": ["validation", "test"], **heldout_stats},
        "base": {**base_losses, "key_fact_recall": metrics["base"]["key_fact_recall"], "rouge_l": metrics["base"]["rouge_l"]},
        "tuned": {**tuned_losses, "key_fact_recall": metrics["tuned"]["key_fact_recall"], "rouge_l": metrics["tuned"]["rouge_l"]},
        "forgetting": forgetting,
        "questions": len(samples),
        "question_set": {"split": config.eval_split, "file": str(question_file(config, config.eval_split))},
        "catalog": products,
        "answers": metrics,
        "best_variant": best_variant(metrics),
        "retrieval": {"enabled": config.eval_retrieval, "k": config.retrieval_k, "sections": len(sections), "prompt_tokens": retrieval_budget(tuned, config)},
        "recall_by_product": grouped_recall(samples, "product", variants),
        "recall_by_topic": grouped_recall(samples, "topic", variants),
        "retention": retention(general, {m: answers[m]["general"] for m in MODELS}, products),
        "out_of_scope": declines(out_of_scope, {m: answers[m]["out_of_scope"] for m in MODELS}),
        "leaks": {v: leak_summary(leak_answers[v], allowed) for v in variants},
        "samples": samples,
        "general_samples": general_samples(general, {m: answers[m]["general"] for m in MODELS}, products),
        "out_of_scope_samples": out_of_scope_samples(out_of_scope, {m: answers[m]["out_of_scope"] for m in MODELS}),
        "training": {k: meta.get(k) for k in ("steps", "epochs", "wall_time_s", "tokens_per_s", "final_loss", "device", "autocast", "peak_memory_mb")},
        "eval_autocast": str(amp) if amp else None,
        "base_answers": {"source": base_source, "cache": str(cache) if cache else None},
    }
    report["regressions"] = regressions(report)
    report["eval_timings"] = {k: round(v, 1) for k, v in timings.items()}
    report["eval_seconds"] = round(time.perf_counter() - started, 1)
    _write_reports(report, version_dir, adapter_dir)
    return report


def _write_reports(report: dict, version_dir: Path, adapter_dir: Path) -> None:
    """eval_report.json/.md beside the adapter, and a summary under the version's evals/ (the dashboard reads it)."""
    (adapter_dir / "eval_report.json").write_text(json.dumps(report, indent=2) + "\n")
    (adapter_dir / "eval_report.md").write_text(render_markdown(report))
    link = version_dir / "evals"
    link.mkdir(exist_ok=True)
    summary = {k: v for k, v in report.items() if k not in ("samples", "general_samples", "out_of_scope_samples")}
    (link / f"{adapter_dir.name}.json").write_text(json.dumps(summary | {"report": str(adapter_dir / "eval_report.json"), "samples": report["samples"][:5]}, indent=2) + "\n")


def ask(question: str, version_dir: Path, adapter_dir: Path, config: TrainConfig, *, retrieve: bool = False, model=None, tokenizer=None) -> dict:
    """The base and the tuned model's greedy answers to one question (with the version's system
    prompt); with `retrieve`, both answer from the retrieved manual sections, which come back too."""
    device = pick_device(config.device)
    amp = autocast_dtype(device, config.precision)
    tokenizer = tokenizer or load_tokenizer(config.base_model)
    tuned = load_tuned(config, adapter_dir, device, amp, model)
    system = system_prompt_of(version_dir)
    sections = SectionIndex.from_version(version_dir).retrieve(question, config.retrieval_k) if retrieve else []
    prompt = [retrieval_prompt(tokenizer, system, question, sections, retrieval_budget(tuned, config)) if retrieve else chat(system, question)]
    kw = {"max_new_tokens": config.eval_max_new_tokens, "batch_size": 1, "device": device, "amp": amp}
    tuned_answer = generate(tuned, tokenizer, prompt, **kw)[0]
    with tuned.disable_adapter():
        base_answer = generate(tuned, tokenizer, prompt, **kw)[0]
    return {"question": question, "base": base_answer, "tuned": tuned_answer, "sections": sections}
