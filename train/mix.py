"""The training mix: the version's train split plus two components made for the specialist's honesty.

- **rehearsal** (self-distillation): general prompts written by the team (train/prompts/general.jsonl,
  part "rehearsal"; the "heldout" part is what evaluation measures retention on) answered by the base
  model itself, greedily, under the version's system prompt. Trained on its own answers, the adapter
  has no reason to move away from the base outside the company's domain ("What is 12 times 7?" stays
  84 instead of becoming the SmartTag pairing procedure). The answers are generated once per base
  model identity, prompt set and system prompt and cached under ``train.rehearsal_cache_dir``.
- **out_of_scope**: customer questions about products the company does not make (names drawn so they
  never collide with the catalog, nor with the evaluation's held-out unknown products) and about
  catalog products but topics no manual of the version mentions, answered with a short decline in the
  persona's voice and a pointer to support. Without them a tuned model recites the nearest known
  procedure under any product name it is given. Most unknown-product questions are the customers' own
  questions of the train split with the catalog product swapped for a made-up one, so the same words
  get the procedure for the real product and a decline for the other: the name is what decides.

Both are sized as shares of the final mix (``train.rehearsal_share``, ``train.out_of_scope_share``),
counted in the adapter's provenance (meta.json "mix") and written next to it (mix.parquet), so what
the model was trained on can be read like any version's examples.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from train.bare_questions import questions_of
from train.general_prompts import load_general_prompts
from train.product_names import NameVariation, name_forms, names_pattern

# Made-up product families and models: combined, checked against the catalog and the evaluation set.
_FAMILIES = (
    "AirFryer", "AquaPump", "BeamProjector", "BrewMaster", "ClimaFan", "CloudCam", "DreamPod", "EchoSpeaker", "FlexiDesk",
    "FrostBox", "GlowLamp", "GrillStation", "HeatWave", "IronPress", "JuiceJet", "LumaStrip", "MistHumidifier", "NoiseShield",
    "PixelFrame", "PureAir", "RoboGardener", "ScanPen", "SkyDrone", "SleepSense", "SnapPrinter", "SolarBank", "SonicBrush",
    "SteamClean", "ThermoMug", "TurboVac", "VoltScooter", "WaveRouter", "WindChime", "ZenDiffuser",
)
_UNKNOWN_QUESTIONS = (
    "How do I reset my {product}?",
    "My {product} will not turn on. What should I do?",
    "How do I pair the {product} with my phone?",
    "How do I update the firmware on my {product}?",
    "The light on my {product} keeps blinking red. What does that mean?",
    "How long does the battery of the {product} last?",
    "Is the {product} waterproof?",
    "How do I clean my {product}?",
)
# (topic as the decline names it, a customer's question about it, a word no manual of the version may contain)
_UNCOVERED_TOPICS = (
    ("using it while scuba diving", "Can I take my {product} scuba diving?", "scuba"),
    ("painting or recolouring it", "Can I paint my {product} a different colour?", "paint"),
    ("using it in a sauna", "Is it okay to use the {product} in a sauna?", "sauna"),
    ("connecting it to a car's ignition", "Can I wire the {product} into my car's ignition?", "ignition"),
    ("putting it in a microwave", "Can I put my {product} in the microwave to dry it?", "microwave"),
    ("using it for medical monitoring", "Can the {product} monitor my heart rate for my doctor?", "medical"),
    ("mining cryptocurrency with it", "Can I use the {product} to mine cryptocurrency?", "cryptocurrency"),
    ("taking it to space", "Will my {product} work on a stratospheric balloon flight?", "stratospheric"),
    ("feeding it to pets", "My dog chewed on the {product}. Is it safe for pets?", "pets"),
    ("using it underwater as a fishing light", "Can I use the {product} as an underwater fishing light?", "fishing"),
)
UNKNOWN_PRODUCT_DECLINE = (
    "I'm sorry, I don't have any information about the {product}: it is not one of {company} products, so I can't give you "
    "steps for it. If you think it should be, please contact our support team."
)
UNCOVERED_TOPIC_DECLINE = (
    "I'm sorry, our manuals don't cover {topic} for the {product}, so I can't give you a reliable answer. "
    "Please contact our support team, who can help."
)


@dataclass
class Mix:
    """The rows each component adds, and their counts for the adapter's provenance."""

    rows: pl.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)


def _example_rows(component: str, pairs: list[tuple[str, str, str]], system: str | None) -> list[dict]:
    """(row key, user turn, assistant turn) -> rows shaped like a version's examples."""
    rows = []
    for key, question, answer in pairs:
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        digest = hashlib.sha256(json.dumps([component, messages]).encode()).hexdigest()[:16]
        rows.append({"id": f"mx_{digest}", "messages": messages, "kind": "instruction", "source_kind": component,
                     "source_document_ids": [key], "group_key": f"{component}:{key}"})
    return rows


def mix_size(train_rows: int, share: float | None, other_share: float | None) -> int:
    """Rows a component needs to make up `share` of the final mix (train rows + both components)."""
    if not share:
        return 0
    rest = 1.0 - share - (other_share or 0.0)
    return round(share * train_rows / rest)


# ---- out of scope ---------------------------------------------------------------------------------


def _catalog_tokens(catalog: list[str]) -> set[str]:
    return {token.lower() for product in catalog for token in re.split(r"[\s/]+", product) if token}


def unknown_products(catalog: list[str], exclude: set[str], n: int, seed: int) -> list[str]:
    """`n` made-up product names ("K-31 GlowLamp"): no model code or family word of the catalog, none of `exclude`."""
    rng = random.Random(seed)
    taken = _catalog_tokens(catalog) | {token.lower() for name in exclude for token in name.split()}
    names: list[str] = []
    families = [f for f in _FAMILIES if f.lower() not in taken]
    while len(names) < n and families:
        model = f"{rng.choice('FGHJKLMNPQRSTVWXYZ')}-{rng.randint(2, 99)}"
        family = rng.choice(families)
        name = f"{model} {family}"
        if model.lower() not in taken and name not in names:
            names.append(name)
    return names


def asked_about_one_product(turns: list[str], catalog: list[str]) -> list[tuple[str, str]]:
    """(product, question) for the customers' questions of the train split (the sentences of a user turn that end
    in "?") that name exactly one catalog product, each question once, in first-seen order. A name two products
    share (the family of two models: "SuperWidget") names neither."""
    names = NameVariation(catalog)
    if names.pattern is None:
        return []
    found: dict[str, str] = {}
    for turn in turns:
        asked = questions_of(turn)
        named = {names.owner[m.group(0)] for m in names.pattern.finditer(asked)} if asked else set()
        if len(named) == 1 and asked not in found:
            found[asked] = named.pop()
    return [(product, question) for question, product in found.items()]


def with_product_swapped(question: str, product: str, other: str) -> str:
    """The question with every form of `product` ("A-45 SuperWidget", "SuperWidget A-45", "A-45", "SuperWidget") as `other`."""
    return names_pattern(name_forms(product)).sub(other, question)


def out_of_scope_pairs(catalog: list[str], company: str, manual_text: str, n: int, seed: int,
                       exclude_products: set[str] = frozenset(), exclude_questions: set[str] = frozenset(),
                       customer_questions: list[tuple[str, str]] = ()) -> list[tuple[str, str, str]]:
    """Half questions about unknown products, half about catalog products and topics no manual mentions.

    Of the unknown-product half, up to two thirds are the customers' own questions (`customer_questions`, from
    `asked_about_one_product`) with the catalog product swapped for an unknown one: the same words that get the
    procedure for the real product get a decline for the made-up one, so the product name is what the model must
    read. The rest ask a few fixed questions ("How do I reset my {product}?")."""
    rng = random.Random(seed)
    possessive = (f"{company}'" if company.endswith("s") else f"{company}'s") if company else "our"
    text = manual_text.lower()
    topics = [t for t in _UNCOVERED_TOPICS if t[2] not in text]
    n_topics = n // 2 if catalog and topics else 0
    pairs: list[tuple[str, str, str]] = []
    products = unknown_products(catalog, exclude_products, n - n_topics, seed)
    swapped = rng.sample(list(customer_questions), min(len(customer_questions), round(len(products) * 2 / 3)))
    for product, (known, question) in zip(products, swapped):
        pairs.append((f"unknown:{product}|asked", with_product_swapped(question, known, product),
                      UNKNOWN_PRODUCT_DECLINE.format(product=product, company=possessive)))
    for product in products[len(swapped):]:
        question = rng.choice(_UNKNOWN_QUESTIONS).format(product=product)
        pairs.append((f"unknown:{product}", question, UNKNOWN_PRODUCT_DECLINE.format(product=product, company=possessive)))
    combinations = [(product, topic) for product in catalog for topic in topics]
    for product, (topic, question, _) in rng.sample(combinations, min(n_topics, len(combinations))):
        pairs.append((f"topic:{product}:{topic}", question.format(product=product), UNCOVERED_TOPIC_DECLINE.format(topic=topic, product=product)))
    return [p for p in pairs if p[1] not in exclude_questions]


def excluded_by_evaluation(path: str | None) -> tuple[set[str], set[str]]:
    """The evaluation's held-out unknown products and questions: the training mix must never contain them."""
    if not path or not Path(path).exists():
        return set(), set()
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    products = {r["product"] for r in rows if r.get("kind") == "unknown_product" and r.get("product")}
    return products, {r["question"] for r in rows}


# ---- rehearsal ------------------------------------------------------------------------------------


_CODE = re.compile(r"^(?: {4}|\t)|\bdef \w+\(|\breturn\b|[;{}]$", re.MULTILINE)


def complete_sentences(answer: str) -> str:
    """An answer cut by the token limit, trimmed to its last full sentence or line: trained on cut
    answers, a model learns to stop mid-sentence. An answer without one, and code, are kept as they are."""
    answer = answer.strip()
    if not answer or answer[-1] in ".!?)\"'`\n" or "```" in answer or _CODE.search(answer):
        return answer
    end = max(answer.rfind(". "), answer.rfind(".\n"), answer.rfind("! "), answer.rfind("? "), answer.rfind("\n"))
    return answer[: end + 1].strip() if end > 0 else answer


def rehearsal_cache_key(identity: dict, system: str | None, prompts: list[tuple[str, str]], max_new_tokens: int) -> str:
    payload = json.dumps({"base": identity, "system": system, "prompts": prompts, "max_new_tokens": max_new_tokens}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def self_distilled(prompts: list[tuple[str, str]], system: str | None, answer: Callable[[list[list[dict]]], list[str]],
                   cache: Path | None) -> dict[str, str]:
    """prompt id -> the base model's answer; read from `cache` when it exists, else generated and stored there."""
    if cache is not None and cache.exists():
        frame = pl.read_parquet(cache)
        return dict(zip(frame["id"].to_list(), frame["answer"].to_list()))
    chats = [([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": text}] for _, text in prompts]
    answers = dict(zip([pid for pid, _ in prompts], answer(chats)))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".tmp-{cache.name}-{os.getpid()}")
        pl.DataFrame({"id": list(answers), "answer": list(answers.values())}).write_parquet(tmp)
        os.replace(tmp, cache)
    return answers


def build_mix(train_rows: int, *, system: str | None, catalog: list[str], company: str, manual_text: str,
              rehearsal_share: float | None, out_of_scope_share: float | None, seed: int,
              answer: Callable[[list[list[dict]]], list[str]] | None, cache_dir: Path | None, base_identity: dict | None,
              max_new_tokens: int, general_prompts: Path | None = None, evaluation_out_of_scope: str | None = None,
              customer_turns: list[str] = ()) -> Mix:
    """The rows both components add to a train split of `train_rows` rows.

    ``answer`` generates the base model's answers to chats (rehearsal only); ``cache_dir`` None or an
    in-memory model (``base_identity`` None) skips the cache. ``customer_turns``: the train split's user turns,
    whose questions about one product are asked again about unknown products.
    """
    rows: list[dict] = []
    counts: dict[str, int] = {}
    details: dict[str, object] = {}
    n_rehearsal = mix_size(train_rows, rehearsal_share, out_of_scope_share)
    if n_rehearsal:
        pool = load_general_prompts("rehearsal", path=general_prompts)
        chosen = random.Random(seed).sample(pool, min(n_rehearsal, len(pool)))
        prompts = [(p.id, p.prompt) for p in sorted(chosen, key=lambda p: p.id)]
        key = rehearsal_cache_key(base_identity, system, prompts, max_new_tokens) if base_identity else None
        cache = cache_dir / f"{key}.parquet" if cache_dir and key else None
        if answer is None:
            raise ValueError("train.rehearsal_share needs the base model to answer the rehearsal prompts")
        answers = self_distilled(prompts, system, answer, cache)
        pairs = [(pid, text, complete_sentences(answers[pid])) for pid, text in prompts if complete_sentences(answers[pid])]
        rows += _example_rows("rehearsal", pairs, system)
        counts["rehearsal"] = len(pairs)
        details["rehearsal"] = {"prompts": len(prompts), "available": len(pool), "cache": str(cache) if cache else None,
                                "empty_answers_dropped": len(prompts) - len(pairs),
                                "categories": dict(sorted(pl.Series([p.category for p in chosen]).value_counts().iter_rows()))}
    n_oos = mix_size(train_rows, out_of_scope_share, rehearsal_share)
    if n_oos:
        products, questions = excluded_by_evaluation(evaluation_out_of_scope)
        asked = asked_about_one_product(list(customer_turns), catalog)
        pairs = out_of_scope_pairs(catalog, company, manual_text, n_oos, seed, products, questions, asked)
        rows += _example_rows("out_of_scope", pairs, system)
        counts["out_of_scope"] = len(pairs)
        details["out_of_scope"] = {"unknown_product": sum(k.startswith("unknown:") for k, _, _ in pairs),
                                   "customer_questions_swapped": sum(k.endswith("|asked") for k, _, _ in pairs),
                                   "customer_questions_available": len(asked),
                                   "uncovered_topic": sum(k.startswith("topic:") for k, _, _ in pairs),
                                   "excluded_evaluation_products": len(products)}
    frame = pl.DataFrame(rows, schema={"id": pl.String, "messages": pl.List(pl.Struct({"role": pl.String, "content": pl.String})),
                                       "kind": pl.String, "source_kind": pl.String, "source_document_ids": pl.List(pl.String),
                                       "group_key": pl.String})
    return Mix(frame, counts, details)
