"""Scores of generated answers, per answer and summed up: what the evaluation report says.

Generation happens in train/evaluate.py; here answers are plain strings, so every number of the
report can be checked on hand-written answers. A *variant* is one way of answering a product
question: the base or the tuned model, each with or without retrieved manual sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from curation.examples.greetings import invented_name
from train.answer_checks import is_decline, judge_citations, leaks, wrong_product
from train.general_prompts import GeneralPrompt, passes

VARIANTS = ("base", "tuned", "base_retrieval", "tuned_retrieval")
LABELS = {"base": "base", "tuned": "tuned", "base_retrieval": "base+retrieval", "tuned_retrieval": "tuned+retrieval"}
MODELS = ("base", "tuned")
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


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


# ---------------------------------------------------------------------------------------------
# product questions
# ---------------------------------------------------------------------------------------------
def score_answer(question: dict, answer: str, products: list[str], allowed_contacts: Iterable[str]) -> dict:
    """One answer to one product question: recall, ROUGE-L, citations, leaks, wrong product, and whether it declines
    (a question about the company's own product: declining it is a false decline)."""
    cited = judge_citations(answer, question.get("manual_page"), question.get("manual_section"), question.get("product"), products)
    return {
        "answer": answer,
        "key_fact_recall": round(key_fact_recall(answer, question.get("key_facts", [])), 3),
        "rouge_l": round(rouge_l(answer, question.get("reference_answer", "")), 3),
        "citations": cited["citations"],
        "citation_correct": cited["correct"],
        "leaks": leaks(answer, allowed_contacts),
        "wrong_product": bool(question.get("product")) and wrong_product(answer, question["product"], products),
        "invented_name": invented_name(question["question"], answer),
        "declined": is_decline(answer),
    }


def product_sample(question: dict, answers: dict[str, str], products: list[str], allowed_contacts: Iterable[str],
                   retrieved: list[str] | None = None) -> dict:
    """A report sample: the question, and per variant its answer and scores ("tuned_answer",
    "tuned_key_fact_recall", ...: the flat names the dashboard reads)."""
    sample = {"id": question.get("id"), "split": question.get("split"), "product": question.get("product"), "topic": question.get("topic"),
              "question": question["question"], "reference": question.get("reference_answer", ""), "key_facts": question.get("key_facts", []),
              "manual_page": question.get("manual_page"), "manual_section": question.get("manual_section")}
    if retrieved is not None:
        sample["retrieved"] = retrieved
    for variant, answer in answers.items():
        for key, value in score_answer(question, answer, products, allowed_contacts).items():
            sample[f"{variant}_{key}"] = value
    return sample


def variant_metrics(samples: list[dict], variant: str) -> dict:
    """A variant's answers to the product questions, summed up.

    Citation accuracy is the share of the answers that cite something checkable whose citations
    are all right; `citing` counts the answers with any citation, `citations` all of them.
    """
    judged = [s[f"{variant}_citation_correct"] for s in samples if s[f"{variant}_citation_correct"] is not None]
    leaking = sum(bool(s[f"{variant}_leaks"]) for s in samples)
    wrong = sum(s[f"{variant}_wrong_product"] for s in samples)
    named = sum(bool(s.get(f"{variant}_invented_name")) for s in samples)
    refused = sum(bool(s.get(f"{variant}_declined")) for s in samples)
    return {
        "questions": len(samples),
        "key_fact_recall": _mean([s[f"{variant}_key_fact_recall"] for s in samples]),
        "rouge_l": _mean([s[f"{variant}_rouge_l"] for s in samples]),
        "citations": {"citing": sum(bool(s[f"{variant}_citations"]) for s in samples), "citations": sum(len(s[f"{variant}_citations"]) for s in samples),
                      "judged": len(judged), "correct": sum(judged), "accuracy": _share(sum(judged), len(judged))},
        "leaks": {"count": leaking, "share": _share(leaking, len(samples))},
        "wrong_product": {"count": wrong, "share": _share(wrong, len(samples))},
        "invented_names": {"count": named, "share": _share(named, len(samples))},  # "Hi Melissa," to a question naming nobody
        # "the D-90 PowerDock is not one of our products": a decline of a question the manuals answer
        "false_declines": {"count": refused, "share": _share(refused, len(samples))},
    }


def grouped_recall(samples: list[dict], field: str, variants: Iterable[str]) -> dict:
    """Key-fact recall per value of a question field (product, topic): where the specialist is weak."""
    groups: dict[str, list[dict]] = {}
    for sample in samples:
        if sample.get(field):
            groups.setdefault(sample[field], []).append(sample)
    return {value: {"questions": len(items), **{v: _mean([s[f"{v}_key_fact_recall"] for s in items]) for v in variants}}
            for value, items in sorted(groups.items())}


def best_variant(metrics: dict[str, dict]) -> dict | None:
    """The variant that serves the product questions best: highest key-fact recall, then ROUGE-L,
    then citation accuracy."""
    def rank(variant: str) -> tuple:
        m = metrics[variant]
        return (m["key_fact_recall"] or 0, m["rouge_l"] or 0, m["citations"]["accuracy"] or 0)

    if not metrics or not any(m["questions"] for m in metrics.values()):
        return None
    best = max(metrics, key=rank)
    return {"variant": best, "label": LABELS[best], "key_fact_recall": metrics[best]["key_fact_recall"],
            "rouge_l": metrics[best]["rouge_l"], "ranked_by": "key-fact recall, then ROUGE-L, then citation accuracy"}


# ---------------------------------------------------------------------------------------------
# general prompts and out-of-scope questions
# ---------------------------------------------------------------------------------------------
def retention(prompts: list[GeneralPrompt], answers: dict[str, list[str]], products: list[str]) -> dict:
    """Share of the heldout general prompts each model still passes, overall and per category."""
    result: dict = {"part": "heldout", "prompts": len(prompts)}
    for model, model_answers in answers.items():
        verdicts = [passes(a, p, products) for p, a in zip(prompts, model_answers)]
        per_category = {}
        for category in sorted({p.category for p in prompts}):
            mine = [v for p, v in zip(prompts, verdicts) if p.category == category]
            per_category[category] = {"prompts": len(mine), "passed": sum(mine), "pass_rate": _share(sum(mine), len(mine))}
        result[model] = {"passed": sum(verdicts), "pass_rate": _share(sum(verdicts), len(verdicts)), "per_category": per_category}
    return result


def general_samples(prompts: list[GeneralPrompt], answers: dict[str, list[str]], products: list[str]) -> list[dict]:
    rows = []
    for i, prompt in enumerate(prompts):
        row = {"id": prompt.id, "category": prompt.category, "prompt": prompt.prompt, "checks": list(prompt.checks)}
        for model, model_answers in answers.items():
            row[f"{model}_answer"] = model_answers[i]
            row[f"{model}_pass"] = passes(model_answers[i], prompt, products)
        rows.append(row)
    return rows


def declines(questions: list[dict], answers: dict[str, list[str]]) -> dict:
    """Share of the out-of-scope questions each model declines, overall and per kind
    (unknown_product: not the company's; uncovered_topic: no manual covers it)."""
    result: dict = {"questions": len(questions)}
    for model, model_answers in answers.items():
        verdicts = [is_decline(a) for a in model_answers]
        by_kind = {}
        for kind in sorted({q.get("kind", "") for q in questions}):
            mine = [v for q, v in zip(questions, verdicts) if q.get("kind", "") == kind]
            by_kind[kind] = {"questions": len(mine), "declined": sum(mine), "decline_rate": _share(sum(mine), len(mine))}
        result[model] = {"declined": sum(verdicts), "decline_rate": _share(sum(verdicts), len(verdicts)), "by_kind": by_kind}
    return result


def out_of_scope_samples(questions: list[dict], answers: dict[str, list[str]]) -> list[dict]:
    rows = []
    for i, question in enumerate(questions):
        row = {"id": question.get("id"), "kind": question.get("kind"), "product": question.get("product"), "question": question["question"]}
        for model, model_answers in answers.items():
            row[f"{model}_answer"] = model_answers[i]
            row[f"{model}_declined"] = is_decline(model_answers[i])
        rows.append(row)
    return rows


def leak_summary(answers: list[str], allowed_contacts: Iterable[str]) -> dict:
    """How many answers hold a redaction tag, an e-mail address or a phone number (not the company's own)."""
    allowed = list(allowed_contacts)
    leaking = [a for a in answers if leaks(a, allowed)]
    return {"answers": len(answers), "count": len(leaking), "share": _share(len(leaking), len(answers)),
            "examples": [leaks(a, allowed)[0] for a in leaking[:3]]}


# ---------------------------------------------------------------------------------------------
# what got worse
# ---------------------------------------------------------------------------------------------
def _worse(name: str, base, tuned, *, higher_is_better: bool = True) -> str | None:
    if base is None or tuned is None or tuned == base or (tuned > base) == higher_is_better:
        return None
    return f"{name}: {base} -> {tuned}"


def regressions(report: dict) -> list[str]:
    """Every measured way the tuned model is worse than the base model (the report's warning list)."""
    answers = report.get("answers", {})
    found = []
    if "base" in answers and "tuned" in answers:
        b, t = answers["base"], answers["tuned"]
        found += [_worse("key-fact recall", b["key_fact_recall"], t["key_fact_recall"]),
                  _worse("ROUGE-L", b["rouge_l"], t["rouge_l"]),
                  _worse("citation accuracy", b["citations"]["accuracy"], t["citations"]["accuracy"]),
                  _worse("wrong-product answers (share)", b["wrong_product"]["share"], t["wrong_product"]["share"], higher_is_better=False),
                  _worse("declined product questions (share)", b["false_declines"]["share"], t["false_declines"]["share"], higher_is_better=False)]
    leak = report.get("leaks", {})
    if "base" in leak and "tuned" in leak:
        found.append(_worse("answers with leaks (share)", leak["base"]["share"], leak["tuned"]["share"], higher_is_better=False))
    kept = report.get("retention") or {}
    if "base" in kept and "tuned" in kept:
        found.append(_worse("general-skill retention", kept["base"]["pass_rate"], kept["tuned"]["pass_rate"]))
        for category, b in kept["base"]["per_category"].items():
            found.append(_worse(f"general-skill retention ({category})", b["pass_rate"], kept["tuned"]["per_category"][category]["pass_rate"]))
    scope = report.get("out_of_scope") or {}
    if "base" in scope and "tuned" in scope:
        found.append(_worse("out-of-scope decline rate", scope["base"]["decline_rate"], scope["tuned"]["decline_rate"]))
    forgetting = report.get("forgetting") or {}
    if forgetting.get("flagged"):
        found.append(f"general-text probe perplexity: {forgetting['base_perplexity']} -> {forgetting['tuned_perplexity']} (above tolerance)")
    return [line for line in found if line]
