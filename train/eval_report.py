"""The evaluation report as Markdown: base vs tuned (and with retrieval), what serves best, what got worse."""

from __future__ import annotations

from train.eval_metrics import LABELS, MODELS


def _cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def _losses(report: dict) -> list[str]:
    b, t = report["base"], report["tuned"]
    rows = [["held-out loss", b["loss"], t["loss"]], ["held-out perplexity", b["perplexity"], t["perplexity"]]]
    rows += [[f"loss ({kind})", b["per_source"].get(kind, {}).get("loss"), t["per_source"].get(kind, {}).get("loss")]
             for kind in sorted(set(b["per_source"]) | set(t["per_source"]))]
    f = report["forgetting"]
    return _table(["metric", "base", "tuned"], rows) + [
        "", f"Forgetting probe ({f['probe']}): perplexity {f['base_perplexity']} -> {f['tuned_perplexity']} "
            f"({f['relative_change']:+.1%}; tolerance {f['tolerance']:.0%}){' **FLAGGED**' if f['flagged'] else ''}"]


def _count_share(metric: dict | None) -> str:
    return f"{metric['count']} ({_cell(metric['share'])})" if metric else "-"  # reports written before the metric existed


def _answers(report: dict) -> list[str]:
    answers = report.get("answers") or {}
    if not answers:
        return []
    rows = []
    for variant, m in answers.items():
        c = m["citations"]
        rows.append([LABELS[variant], m["key_fact_recall"], m["rouge_l"], c["accuracy"], f"{c['citing']} / {c['citations']}",
                     f"{m['wrong_product']['count']} ({_cell(m['wrong_product']['share'])})", f"{m['leaks']['count']} ({_cell(m['leaks']['share'])})",
                     _count_share(m.get("invented_names")), _count_share(m.get("false_declines"))])
    q = report["question_set"]
    lines = ["", f"## Product questions ({q['split']} split, {report['questions']} questions)", ""]
    lines += _table(["variant", "key-fact recall", "ROUGE-L", "citation accuracy", "answers citing / citations", "wrong product", "leaks",
                     "greets an invented name", "declined (the manuals answer it)"], rows)
    best = report.get("best_variant")
    if best:
        lines += ["", f"Serves best: **{best['label']}** (key-fact recall {best['key_fact_recall']}, ROUGE-L {best['rouge_l']}; ranked by {best['ranked_by']})."]
    by_product = report.get("recall_by_product") or {}
    if by_product:
        variants = [v for v in answers if v in next(iter(by_product.values()))]
        lines += ["", "Key-fact recall per product:", ""]
        lines += _table(["product", "questions", *[LABELS[v] for v in variants]], [[p, r["questions"], *[r[v] for v in variants]] for p, r in by_product.items()])
    return lines


def _retention(report: dict) -> list[str]:
    kept = report.get("retention")
    if not kept or not kept.get("prompts"):
        return []
    categories = list(kept["base"]["per_category"])
    rows = [["all", kept["prompts"], kept["base"]["pass_rate"], kept["tuned"]["pass_rate"]]]
    rows += [[c, kept["base"]["per_category"][c]["prompts"], kept["base"]["per_category"][c]["pass_rate"], kept["tuned"]["per_category"][c]["pass_rate"]]
             for c in categories]
    return ["", "## General-skill retention (heldout general prompts)", ""] + _table(["category", "prompts", "base pass rate", "tuned pass rate"], rows)


def _out_of_scope(report: dict) -> list[str]:
    scope = report.get("out_of_scope")
    if not scope or not scope.get("questions"):
        return []
    kinds = list(scope["base"]["by_kind"])
    rows = [["all", scope["questions"], scope["base"]["decline_rate"], scope["tuned"]["decline_rate"]]]
    rows += [[k, scope["base"]["by_kind"][k]["questions"], scope["base"]["by_kind"][k]["decline_rate"], scope["tuned"]["by_kind"][k]["decline_rate"]] for k in kinds]
    return ["", "## Out-of-scope questions (should be declined)", ""] + _table(["kind", "questions", "base decline rate", "tuned decline rate"], rows)


def _leaks(report: dict) -> list[str]:
    leak = report.get("leaks")
    if not leak:
        return []
    rows = [[LABELS[v], m["answers"], m["count"], m["share"], ", ".join(m["examples"])] for v, m in leak.items()]
    return ["", "## Leaks (redaction tags, e-mail addresses, phone numbers in any answer)", ""] + _table(["variant", "answers", "leaking", "share", "examples"], rows)


def _side_by_side(report: dict) -> list[str]:
    lines = ["", "## Side by side", ""]
    variants = list(report.get("answers") or MODELS)
    for s in report["samples"][:10]:
        lines += [f"**Q:** {s['question']}", ""]
        if s.get("retrieved"):
            lines += [f"- retrieved: {'; '.join(s['retrieved'])}"]
        for v in variants:
            lines.append(f"- {LABELS[v]} ({s[f'{v}_key_fact_recall']:.0%} of key facts): {s[f'{v}_answer'][:400]}")
        lines.append("")
    return lines


def render_markdown(report: dict) -> str:
    lines = [
        f"# Evaluation of adapter `{report['adapter_id']}`",
        "",
        f"- dataset version: `{report['dataset_version']}`",
        f"- base model: `{report['base_model'].get('spec')}`",
        f"- held-out examples: {report['heldout']['examples']} (validation + test); questions: {report['questions']}"
        + (f" ({report['question_set']['split']} split)" if report.get("question_set") else ""),
        f"- evaluation took {report['eval_seconds']} s",
        "",
        *_losses(report),
        *_answers(report),
        *_retention(report),
        *_out_of_scope(report),
        *_leaks(report),
    ]
    worse = report.get("regressions")
    if worse is not None:
        lines += ["", "## What got worse (tuned vs base)", ""] + ([f"- {w}" for w in worse] or ["- nothing measured got worse"])
    lines += _side_by_side(report)
    return "\n".join(lines) + "\n"
