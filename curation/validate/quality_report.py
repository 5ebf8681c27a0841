"""The example-quality report: per source and kind, the share of published examples with each defect.

A defect is something a reader of the example would call wrong with it as training data. The report
names a few example ids per defect, so the dashboard and `curate show` lead straight to them. Shares
are reported; a version fails on them only for the defects `validation.critical_defect_shares` names.

- ``echo``: a reply that repeats the customer turn it answers
- ``not_a_request``: the first customer turn asks nothing (a file name, a link, a thank-you alone)
- ``not_language``: an English reply that is not prose (under a fifth function words: word-list filler)
- ``repeated_paragraph``: a turn that holds the same paragraph twice
- ``markup_residue``: HTML tags, site-generator shortcodes (``{{< ... >}}``), wikilinks (``[[...]]``)
- ``template_residue``: an unfilled ``{placeholder}``
- ``language_mismatch``: a question in one language answered in another
- ``cut_by_window``: longer than the training length (``train.max_seq_length``), so training cuts it
- ``redaction_tag``: a ``<PERSON>``-style tag the model would learn to write
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from curation.defects import echoed, normal, not_a_request, not_language, placeholder

DEFECTS = ("echo", "not_a_request", "not_language", "repeated_paragraph", "markup_residue", "template_residue", "language_mismatch", "cut_by_window", "redaction_tag")
IDS_SHOWN = 5
_PARAGRAPH = re.compile(r"\n\s*\n")
_MARKUP = re.compile(r"</?(?:p|div|span|br|table|td|tr|li|ul|ol|a|b|i|font|img|h[1-6])\b[^>]*>|\{\{[<%]|\[\[[^\]]+\]\]", re.IGNORECASE)
_TAG = re.compile(r"<(?:PERSON|EMAIL|PHONE|CARD|IBAN|IP|ADDRESS)>")
_MIN_LANGUAGE_CHARS = 40


def example_defects(messages: list[dict], tokens: int | None, max_tokens: int, language: Callable[[str], str],
                    kind: str = "conversation") -> list[str]:
    """The defects of one example (its messages, its token count with the chat template, and its kind:
    ``not_language`` judges conversation replies only, a manual's answer may be a listing)."""
    turns = [m for m in messages if m["role"] != "system"]
    pairs = [(m["role"], m["content"]) for m in turns]
    found = []
    if echoed(pairs) is not None:
        found.append("echo")
    if any(role == "assistant" for role, _ in pairs) and any(role == "user" for role, _ in pairs) and not_a_request(pairs) is not None:
        found.append("not_a_request")
    if kind == "conversation" and not_language(pairs, language) is not None:
        found.append("not_language")
    for turn in turns:
        paragraphs = [normal(p) for p in _PARAGRAPH.split(turn["content"]) if p.strip()]
        if len(paragraphs) != len(set(paragraphs)):
            found.append("repeated_paragraph")
            break
    text = "\n".join(m["content"] for m in turns)
    if _MARKUP.search(text):
        found.append("markup_residue")
    if placeholder(pairs):
        found.append("template_residue")
    question = next((m["content"] for m in turns if m["role"] == "user"), "")
    answer = next((m["content"] for m in turns if m["role"] == "assistant"), "")
    if len(question) >= _MIN_LANGUAGE_CHARS and len(answer) >= _MIN_LANGUAGE_CHARS and language(question) != language(answer):
        found.append("language_mismatch")
    if tokens is not None and tokens > max_tokens:
        found.append("cut_by_window")
    if _TAG.search(text):
        found.append("redaction_tag")
    return found


def example_flags(examples: pl.DataFrame, tokens: pl.DataFrame | None, max_tokens: int) -> pl.DataFrame:
    """One row per example: `id`, `source_kind`, `kind` and `defects` (a list, empty when it has none)."""
    from curation.clean.quality import detect_language

    counts = dict(zip(tokens["id"], tokens["tokens"])) if tokens is not None and tokens.height else {}

    def language(text: str) -> str:
        return detect_language(text)[0]

    rows = examples.select("id", "source_kind", "kind", "messages")
    defects = [example_defects(messages, counts.get(i), max_tokens, language, kind)
               for i, messages, kind in zip(rows["id"], rows["messages"], rows["kind"])]
    return rows.drop("messages").with_columns(defects=pl.Series(defects, dtype=pl.List(pl.String)))


def quality_report(examples: pl.DataFrame, tokens: pl.DataFrame | None, max_tokens: int) -> dict:
    """{"<source>/<kind>": {"examples": n, "defects": {defect: {"share", "count", "examples"}}}, "all": ...}."""
    return summarise_flags(example_flags(examples, tokens, max_tokens))


def summarise_flags(flags: pl.DataFrame) -> dict:
    """The report of :func:`quality_report` from the flags of :func:`example_flags` (computed per record)."""
    groups: dict[str, dict] = {}
    for row in flags.iter_rows(named=True):
        for key in (f"{row['source_kind']}/{row['kind']}", "all"):
            group = groups.setdefault(key, {"examples": 0, "ids": {d: [] for d in DEFECTS}})
            group["examples"] += 1
            for defect in row["defects"]:
                group["ids"][defect].append(row["id"])
    return {
        key: {"examples": g["examples"],
              "defects": {d: {"share": round(len(ids) / g["examples"], 4), "count": len(ids), "examples": sorted(ids)[:IDS_SHOWN]}
                          for d, ids in g["ids"].items()}}
        for key, g in sorted(groups.items())
    }
