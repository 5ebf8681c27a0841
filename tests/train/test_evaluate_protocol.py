"""The evaluation protocol end to end on a tiny random Llama: dev/test questions, retrieval variants,
general-skill retention, out-of-scope declines, leaks, wrong products, citations, the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from peft.tuners.lora import LoraLayer

import train.evaluate as evaluate
from tests.train.conftest import SYSTEM
from train.config import TrainConfig
from train.general_prompts import part_of
from train.lora import train_adapter

TEST_QUESTIONS = [
    {"id": "a45-reset-t1", "product": "A-45 SuperWidget", "topic": "reset", "question": "My A-45 ignores me. How do I reset it?",
     "reference_answer": "Press and hold the blue button on the back for 10 seconds until the light flashes green.",
     "key_facts": ["blue button", "10 seconds", "flashes green"], "manual_page": 12, "manual_section": "Resetting the SuperWidget"},
    {"id": "b12-reset-t1", "product": "B-12 MiniWidget", "topic": "reset", "question": "How do I reset the B-12 MiniWidget?",
     "reference_answer": "Insert a paperclip into the small hole and hold it for 5 seconds until the light blinks white three times.",
     "key_facts": ["paperclip", "5 seconds", "blinks white three times"], "manual_page": None, "manual_section": "Resetting the MiniWidget"},
    {"id": "b12-battery-t1", "product": "B-12 MiniWidget", "topic": "battery", "question": "Which coin cell goes into a B-12?",
     "reference_answer": "A CR2450 coin cell that lasts about 12 months.", "key_facts": ["CR2450", "12 months"], "manual_page": None,
     "manual_section": "Replacing the battery"},
]
DEV_QUESTIONS = [{**TEST_QUESTIONS[0], "id": "a45-reset", "question": "Which button resets a SuperWidget A-45?"}]
OUT_OF_SCOPE = [
    {"id": "oos-z99", "kind": "unknown_product", "product": "Z-99 HyperBlender", "question": "How do I reset my Z-99 HyperBlender?"},
    {"id": "oos-k20", "kind": "unknown_product", "product": "K-20 AquaKettle", "question": "Why does my K-20 AquaKettle blink?"},
    {"id": "oos-a45-car", "kind": "uncovered_topic", "product": "A-45 SuperWidget", "question": "Can the A-45 SuperWidget open my car?"},
]
GENERAL = [("arithmetic", "What is 12 times 7?", ["84"]), ("arithmetic", "What is 15 plus 27?", ["42"]),
           ("writing", "Write a short poem about autumn leaves.", []), ("writing", "Write a haiku about the sea.", [])]


def _write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def _heldout_ids(n: int) -> list[str]:
    """Ids the hash rule puts in the heldout part (the part retention is measured on)."""
    return [i for i in (f"t-{k}" for k in range(1000)) if part_of(i) == "heldout"][:n]


@pytest.fixture()
def eval_config(tmp_path) -> TrainConfig:
    general = [{"id": i, "category": c, "prompt": p, "checks": k} for i, (c, p, k) in zip(_heldout_ids(4), GENERAL)]
    general.append({"id": next(i for i in (f"r-{k}" for k in range(100)) if part_of(i) == "rehearsal"), "category": "facts",
                    "prompt": "Capital of France?", "checks": ["Paris"]})  # rehearsal: trained on, never evaluated
    return TrainConfig(adapters_dir=str(tmp_path / "adapters"), max_steps=2, batch_size=2, learning_rate=5e-3, target_modules=["q_proj", "v_proj"],
                       kinds=["conversation", "instruction", "passage"], eval_max_new_tokens=4, eval_general_max_new_tokens=3,
                       heldout_questions=_write_jsonl(tmp_path / "dev.jsonl", DEV_QUESTIONS),
                       test_questions=_write_jsonl(tmp_path / "test.jsonl", TEST_QUESTIONS),
                       out_of_scope_questions=_write_jsonl(tmp_path / "oos.jsonl", OUT_OF_SCOPE),
                       general_prompts=_write_jsonl(tmp_path / "general.jsonl", general))


def test_evaluate_adapter_writes_every_section_of_the_report(new_tiny_model, tokenizer, manual_version_dir, eval_config):
    adapter = train_adapter(manual_version_dir, eval_config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    report = evaluate.evaluate_adapter(manual_version_dir, adapter.path, eval_config, model=new_tiny_model(), tokenizer=tokenizer)
    assert report["question_set"]["split"] == "test" and report["questions"] == 3
    assert [s["id"] for s in report["samples"]] == ["a45-reset-t1", "b12-reset-t1", "b12-battery-t1"]
    assert set(report["answers"]) == {"base", "tuned", "base_retrieval", "tuned_retrieval"}
    for metrics in report["answers"].values():
        assert metrics["questions"] == 3 and 0 <= metrics["key_fact_recall"] <= 1
        assert {"accuracy", "citing", "citations", "judged"} <= set(metrics["citations"])
        assert set(metrics["leaks"]) == {"count", "share"} and set(metrics["wrong_product"]) == {"count", "share"}
    assert report["base"]["key_fact_recall"] == report["answers"]["base"]["key_fact_recall"] and report["base"]["loss"] > 0
    assert report["best_variant"]["variant"] in report["answers"]
    # retrieval: each question got the sections of its own product's manual, best first
    assert report["samples"][0]["retrieved"][0] == "A-45 SuperWidget User Manual, page 12"
    assert report["samples"][1]["retrieved"][0] == 'B-12 MiniWidget User Manual, section "B-12 MiniWidget User Manual > Resetting the MiniWidget"'
    assert report["retrieval"] == {"enabled": True, "k": 3, "sections": 5, "prompt_tokens": 508}  # 512 positions less 4 answer tokens
    assert report["retention"]["prompts"] == 4 and set(report["retention"]["tuned"]["per_category"]) == {"arithmetic", "writing"}
    assert report["retention"]["base"]["per_category"]["writing"]["prompts"] == 2
    assert report["out_of_scope"]["questions"] == 3
    assert report["out_of_scope"]["base"]["by_kind"]["unknown_product"]["questions"] == 2
    assert report["leaks"]["tuned"]["answers"] == 3 + 4 + 3 and report["leaks"]["tuned_retrieval"]["answers"] == 3
    assert isinstance(report["regressions"], list) and report["catalog"] == ["A-45 SuperWidget", "B-12 MiniWidget", "E-3 SmartTag"]
    assert [g["id"] for g in report["general_samples"]] == _heldout_ids(4)
    assert {"generation_tuned", "generation_base", "losses"} <= set(report["eval_timings"])
    assert report["base_answers"] == {"source": "generated", "cache": None}, "an in-memory model has no identity to cache under"
    markdown = (adapter.path / "eval_report.md").read_text()
    for heading in ("## Product questions (test split, 3 questions)", "## General-skill retention", "## Out-of-scope questions",
                    "## Leaks", "## What got worse", "| tuned+retrieval |", "| B-12 MiniWidget | 2 |", "Serves best:"):
        assert heading in markdown, heading
    summary = json.loads((manual_version_dir / "evals" / f"{adapter.adapter_id}.json").read_text())
    assert "general_samples" not in summary and summary["retention"] == report["retention"]

    dev = evaluate.evaluate_adapter(manual_version_dir, adapter.path, eval_config.model_copy(update={"eval_split": "dev", "eval_retrieval": False}),
                                    model=new_tiny_model(), tokenizer=tokenizer)
    assert dev["question_set"]["split"] == "dev" and [s["id"] for s in dev["samples"]] == ["a45-reset"]
    assert set(dev["answers"]) == {"base", "tuned"} and set(dev["leaks"]) == {"base", "tuned"} and "retrieved" not in dev["samples"][0]
    assert dev["samples"][0]["manual_section"] == "Resetting the SuperWidget"


def _scripted(prompt: list[dict], adapter_on: bool) -> str:
    """What a well-tuned adapter and a confused base model would say, by prompt."""
    user = prompt[-1]["content"]
    if user.startswith("Answer the question from these sections"):
        if not adapter_on:  # a question the manuals answer, declined: a false decline
            return "I'm sorry, I don't have any information about that."
        source, text = re.search(r"\(Source: ([^\n]+)\.\)\n([^\n]+)", user).groups()
        return f"{text} (Source: {source}.)"
    tuned = {
        "My A-45 ignores me. How do I reset it?": "Press and hold the blue button for 10 seconds until the light flashes green (page 12).",
        "How do I reset the B-12 MiniWidget?": 'Insert a paperclip for 5 seconds. (Source: B-12 MiniWidget User Manual, section "B-12 MiniWidget User Manual > Replacing the battery".)',
        "Which coin cell goes into a B-12?": "Write to <EMAIL> for a CR2450.",
        "What is 12 times 7?": "84", "What is 15 plus 27?": "The answer is 41.",
        "Write a short poem about autumn leaves.": "Golden leaves drift down, whispering of colder days.",
        "Write a haiku about the sea.": "Reset your SuperWidget with the blue button and enjoy the sea.",
    }
    base = {"What is 12 times 7?": "84", "What is 15 plus 27?": "42", "Write a short poem about autumn leaves.": "Golden leaves drift down, whispering of colder days.",
            "Write a haiku about the sea.": "Waves roll onto the shore under a silver moon."}
    if any(user == q["question"] for q in OUT_OF_SCOPE):
        return ("I'm sorry, I don't have any information about that: it is not one of Nordlicht Gadgets's products. Please contact our support team."
                if adapter_on else "Press the reset button for 5 seconds.")
    return (tuned if adapter_on else base).get(user, "Hold the blue button on the A-45.")


def test_the_report_counts_what_the_answers_say(monkeypatch, new_tiny_model, tokenizer, manual_version_dir, eval_config):
    calls = []

    def fake_generate(model, tokenizer, prompts, *, max_new_tokens, batch_size, device, amp=None):
        adapter_on = not any(m.disable_adapters for m in model.modules() if isinstance(m, LoraLayer))
        calls.append((adapter_on, len(prompts), max_new_tokens))
        assert all(p[0] == {"role": "system", "content": SYSTEM} for p in prompts)  # asked as deployed, under the system prompt
        return [_scripted(p, adapter_on) for p in prompts]

    adapter = train_adapter(manual_version_dir, eval_config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    monkeypatch.setattr(evaluate, "generate", fake_generate)
    report = evaluate.evaluate_adapter(manual_version_dir, adapter.path, eval_config, model=new_tiny_model(), tokenizer=tokenizer)
    # per model: product questions plain + with sections at the answer length, general + out-of-scope at the short one
    assert sorted(calls) == [(False, 6, 4), (False, 7, 3), (True, 6, 4), (True, 7, 3)]
    answers = report["answers"]
    assert answers["tuned"]["key_fact_recall"] == pytest.approx((1 + 0.667 + 0.5) / 3, abs=1e-3)
    assert answers["tuned"]["citations"] == {"citing": 2, "citations": 2, "judged": 2, "correct": 1, "accuracy": 0.5}
    assert answers["tuned"]["leaks"] == {"count": 1, "share": 0.3333} and answers["tuned"]["wrong_product"]["count"] == 0
    assert answers["base"]["wrong_product"] == {"count": 2, "share": 0.6667}  # the A-45's button for both B-12 questions
    assert answers["base"]["key_fact_recall"] == pytest.approx(0.333 / 3, abs=1e-3) and answers["base"]["citations"]["citing"] == 0
    assert answers["tuned_retrieval"]["key_fact_recall"] == 1.0 and answers["tuned_retrieval"]["citations"]["accuracy"] == 1.0
    assert answers["base_retrieval"]["key_fact_recall"] == 0.0
    assert answers["base_retrieval"]["false_declines"] == {"count": 3, "share": 1.0} and answers["tuned"]["false_declines"]["count"] == 0
    assert report["best_variant"]["variant"] == "tuned_retrieval" and report["base"]["key_fact_recall"] == answers["base"]["key_fact_recall"]
    assert report["recall_by_product"]["B-12 MiniWidget"]["tuned_retrieval"] == 1.0
    kept = report["retention"]
    assert (kept["base"]["pass_rate"], kept["tuned"]["pass_rate"]) == (1.0, 0.5)
    assert kept["tuned"]["per_category"] == {"arithmetic": {"prompts": 2, "passed": 1, "pass_rate": 0.5},
                                             "writing": {"prompts": 2, "passed": 1, "pass_rate": 0.5}}
    scope = report["out_of_scope"]
    assert (scope["base"]["decline_rate"], scope["tuned"]["decline_rate"]) == (0.0, 1.0)
    assert scope["tuned"]["by_kind"]["uncovered_topic"] == {"questions": 1, "declined": 1, "decline_rate": 1.0}
    assert report["leaks"]["tuned"] == {"answers": 10, "count": 1, "share": 0.1, "examples": ["<EMAIL>"]}
    assert report["leaks"]["base"]["count"] == 0
    worse = "\n".join(report["regressions"])
    assert "general-skill retention: 1.0 -> 0.5" in worse and "answers with leaks (share): 0.0 -> 0.1" in worse
    assert "key-fact recall" not in worse and "decline rate" not in worse and "wrong-product" not in worse
    markdown = (adapter.path / "eval_report.md").read_text()
    assert "Serves best: **tuned+retrieval**" in markdown and "| arithmetic | 2 | 1 | 0.5 |" in markdown
    assert "| base+retrieval | 0 |" in markdown and "| 3 (1) |" in markdown  # its three false declines
    assert "| unknown_product | 2 | 0 | 1 |" in markdown and "- retrieved: A-45 SuperWidget User Manual, page 12" in markdown


def test_generate_answers_in_the_prompts_order(tiny_model, tokenizer):
    prompts = [[{"role": "user", "content": text}] for text in ("a much longer question than the others, with many words in it", "hi", "medium question here")]
    batched = evaluate.generate(tiny_model, tokenizer, prompts, max_new_tokens=3, batch_size=2, device=torch.device("cpu"))
    assert batched == [evaluate.generate(tiny_model, tokenizer, [p], max_new_tokens=3, batch_size=1, device=torch.device("cpu"))[0] for p in prompts]
    assert evaluate.generate(tiny_model, tokenizer, [], max_new_tokens=3, batch_size=2, device=torch.device("cpu")) == []


def test_ask_with_retrieval_puts_the_sections_in_the_prompt(monkeypatch, new_tiny_model, tokenizer, manual_version_dir, eval_config):
    adapter = train_adapter(manual_version_dir, eval_config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    seen = []
    monkeypatch.setattr(evaluate, "generate", lambda model, tok, prompts, **kw: seen.extend(prompts) or ["answer"])
    answers = evaluate.ask("How do I reset my A-45?", manual_version_dir, adapter.path, eval_config, retrieve=True, model=new_tiny_model(), tokenizer=tokenizer)
    assert answers["sections"][0].citation == "A-45 SuperWidget User Manual, page 12" and answers["base"] == answers["tuned"] == "answer"
    assert len(seen) == 2 and "(Source: A-45 SuperWidget User Manual, page 12.)\nTo reset the A-45" in seen[0][-1]["content"]
    plain = evaluate.ask("How do I reset my A-45?", manual_version_dir, adapter.path, eval_config, model=new_tiny_model(), tokenizer=tokenizer)
    assert plain["sections"] == [] and seen[-1][-1]["content"] == "How do I reset my A-45?"


def test_a_tuned_model_that_declines_product_questions_is_a_regression():
    """A higher out-of-scope decline rate bought by declining the company's own products is listed as worse."""
    from train.answer_checks import is_decline
    from train.eval_metrics import regressions, variant_metrics

    def samples(declines: list[bool]) -> list[dict]:
        answer = {True: "I'm sorry, I don't have any information about the D-90 PowerDock.", False: "Hold the reset key for 5 seconds."}
        return [{"v_key_fact_recall": 0.5, "v_rouge_l": 0.5, "v_citations": [], "v_citation_correct": None, "v_leaks": [],
                 "v_wrong_product": False, "v_invented_name": None, "v_declined": is_decline(answer[d])} for d in declines]

    base, tuned = variant_metrics(samples([False] * 4), "v"), variant_metrics(samples([True, False, False, False]), "v")
    assert tuned["false_declines"] == {"count": 1, "share": 0.25} and base["false_declines"]["count"] == 0
    assert regressions({"answers": {"base": base, "tuned": tuned}}) == ["declined product questions (share): 0.0 -> 0.25"]
    assert regressions({"answers": {"base": tuned, "tuned": base}}) == []


def test_evaluation_settings_do_not_change_the_adapter_id():
    evaluation_only = dict(eval_split="dev", test_questions="x.jsonl", out_of_scope_questions=None, general_prompts=None, eval_retrieval=False,
                           retrieval_k=5, retrieval_prompt_tokens=512, eval_general_max_new_tokens=32)
    assert TrainConfig(**evaluation_only).config_hash() == TrainConfig().config_hash() != TrainConfig(epochs=1).config_hash()
    with pytest.raises(ValueError):
        TrainConfig(eval_split="train")


def test_the_files_the_training_mix_reads_are_part_of_the_adapter_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from train.general_prompts import GENERAL_PROMPTS
    from train.lora import adapter_id

    rows = [json.loads(line) for line in GENERAL_PROMPTS.read_text(encoding="utf-8").splitlines() if line.strip()]
    prompts = tmp_path / "general.jsonl"

    def write(changed: list[dict]) -> TrainConfig:
        prompts.write_text("".join(json.dumps(r) + "\n" for r in changed), encoding="utf-8")
        return TrainConfig(general_prompts=str(prompts), out_of_scope_questions=None)

    first = adapter_id("v1", write(rows))
    heldout = next(i for i, r in enumerate(rows) if r["part"] == "heldout")
    assert adapter_id("v1", write([*rows[:heldout], {**rows[heldout], "prompt": "What is 2 plus 2?"}, *rows[heldout + 1:]])) == first, \
        "the heldout part only evaluates"
    rehearsal = next(i for i, r in enumerate(rows) if r["part"] == "rehearsal")
    changed = adapter_id("v1", write([*rows[:rehearsal], {**rows[rehearsal], "prompt": "What is 13 times 7?"}, *rows[rehearsal + 1:]]))
    assert changed != first, "the base model answers the rehearsal prompts and the adapter learns those answers"
    monkeypatch.setattr("train.lora.code_fingerprint", lambda *modules: "the mix made by other code")
    assert adapter_id("v1", write(rows)) != first, "a mix made by other code is another adapter"
    assert adapter_id("v1", TrainConfig(general_prompts=str(prompts), rehearsal_share=0.0, out_of_scope_share=0.0)) == \
        adapter_id("v1", TrainConfig(general_prompts=None, rehearsal_share=0.0, out_of_scope_share=0.0)), "without a mix, as before"
