"""The training mix: rehearsal (the base model's own answers) and out-of-scope declines, counted and browsable."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from train.answer_checks import is_decline
from train.config import TrainConfig
from train.lora import train_adapter
from train.mix import (asked_about_one_product, build_mix, complete_sentences, mix_size, out_of_scope_pairs, self_distilled, unknown_products,
                       with_product_swapped)

CATALOG = ["A-45 SuperWidget", "B-12 MiniWidget", "C-7 HubStation", "D-90 PowerDock", "E-3 SmartTag"]
EVAL_OOS = Path(__file__).parents[2] / "data" / "sample" / "eval" / "out_of_scope.jsonl"


def test_unknown_products_never_name_the_catalog_or_the_evaluation_set():
    held_out = {json.loads(line)["product"] for line in EVAL_OOS.read_text().splitlines() if line.strip() and json.loads(line).get("product")}
    names = unknown_products(CATALOG + ["F-31 GlowLamp"], held_out, 40, seed=1)
    assert len(names) == len(set(names)) == 40
    words = {w.lower() for p in CATALOG + ["F-31 GlowLamp"] for w in p.split()} | {w.lower() for p in held_out for w in p.split()}
    assert not any(w.lower() in words for name in names for w in name.split()), names
    assert unknown_products(CATALOG, held_out, 40, seed=1) != unknown_products(CATALOG, held_out, 40, seed=2)


def test_out_of_scope_questions_are_declined_in_the_personas_voice():
    manual = "To reset the A-45 SuperWidget, hold the blue button. Do not use the SuperWidget in a sauna."
    pairs = out_of_scope_pairs(CATALOG, "Nordlicht Gadgets", manual, 20, seed=3)
    assert len(pairs) == 20 and all(is_decline(answer) for _, _, answer in pairs)
    unknown = [p for p in pairs if p[0].startswith("unknown:")]
    topics = [p for p in pairs if p[0].startswith("topic:")]
    assert len(unknown) == len(topics) == 10
    assert all("Nordlicht Gadgets' products" in answer for _, _, answer in unknown)
    assert not any("sauna" in question for _, question, _ in topics), "a topic the manuals mention is not out of scope"
    assert {q.split(" my ")[-1] for _, q, _ in topics} and all(any(p in q for p in CATALOG) for _, q, _ in topics)
    # without a catalog every question is about an unknown product
    assert all(k.startswith("unknown:") for k, _, _ in out_of_scope_pairs([], "", "", 6, seed=3))


def test_shares_size_the_components_and_cut_answers_end_in_a_sentence():
    assert mix_size(700, 0.2, 0.1) == 200 and mix_size(700, 0.1, 0.2) == 100 and mix_size(700, None, 0.1) == 0
    assert complete_sentences("Paris is the capital. It has about two million inhab") == "Paris is the capital."
    assert complete_sentences("84") == "84" and complete_sentences("def f(s):\n    return s[::-1]\n") == "def f(s):\n    return s[::-1]"


def test_rehearsal_answers_are_generated_once_and_then_read_from_the_cache(tmp_path):
    calls = []

    def answer(chats):
        calls.append(len(chats))
        return [f"Answer to: {chat[-1]['content']}" for chat in chats]

    prompts = [("p1", "What is 2 plus 2?"), ("p2", "Name a colour.")]
    cache = tmp_path / "cache" / "k.parquet"
    first = self_distilled(prompts, "You are support.", answer, cache)
    assert first == {"p1": "Answer to: What is 2 plus 2?", "p2": "Answer to: Name a colour."} and calls == [2]

    def refuse(chats):
        raise AssertionError("the cache should answer")

    assert self_distilled(prompts, "You are support.", refuse, cache) == first


def test_build_mix_counts_its_components_and_leaves_the_evaluation_out(tmp_path):
    mix = build_mix(280, system="You are support.", catalog=CATALOG, company="Nordlicht Gadgets", manual_text="", rehearsal_share=0.2,
                    out_of_scope_share=0.1, seed=5, answer=lambda chats: ["Fine. Thanks." for _ in chats], cache_dir=tmp_path,
                    base_identity={"spec": "x"}, max_new_tokens=32, evaluation_out_of_scope=str(EVAL_OOS))
    assert mix.counts == {"rehearsal": 80, "out_of_scope": 40}
    assert mix.rows.height == 120 and mix.rows["id"].n_unique() == 120
    assert set(mix.rows["source_kind"]) == {"rehearsal", "out_of_scope"}
    eval_questions = {json.loads(line)["question"] for line in EVAL_OOS.read_text().splitlines() if line.strip()}
    asked = {m[1]["content"] for m in mix.rows["messages"].to_list()}
    assert not asked & eval_questions
    assert len(list(tmp_path.glob("*.parquet"))) == 1, "the base model's answers are cached per identity"


def test_training_records_the_mix_and_writes_its_rows(tmp_path, new_tiny_model, tokenizer, version_dir):
    (version_dir / "manifest.json").write_text(json.dumps({"products": ["A-45 SuperWidget", "E-3 SmartTag"], "company": "Nordlicht Gadgets"}))
    config = TrainConfig(adapters_dir=str(tmp_path / "adapters"), max_steps=2, batch_size=2, device="cpu", precision="fp32",
                         target_modules=["q_proj"], rehearsal_share=0.3, out_of_scope_share=0.2, rehearsal_max_new_tokens=8,
                         rehearsal_cache_dir=str(tmp_path / "cache"))
    result = train_adapter(version_dir, config, progress=False, model=new_tiny_model(), tokenizer=tokenizer)
    meta = json.loads((result.path / "meta.json").read_text())
    rows = pl.read_parquet(result.path / "mix.parquet")
    mix = meta["mix"]
    # a random tiny model answers nothing: its empty answers are counted and not trained on
    # (tests/train/test_smollm2_integration.py covers real answers)
    assert mix["rehearsal"] == 0 and mix["details"]["rehearsal"]["empty_answers_dropped"] == mix["details"]["rehearsal"]["prompts"] > 0
    assert mix["out_of_scope"] > 0 and set(rows["source_kind"]) == {"out_of_scope"}
    assert rows.height == mix["rehearsal"] + mix["out_of_scope"]
    assert meta["data"]["examples"] == mix["version_rows"] + rows.height, "every mix row is trained on"
    assert not (tmp_path / "cache").exists(), "an in-memory model has no identity to cache its answers under"
    assert TrainConfig(rehearsal_share=None).config_hash() != TrainConfig().config_hash()


@pytest.mark.parametrize("share", [0.9, -0.1])
def test_shares_are_validated(share):
    with pytest.raises(ValueError):
        TrainConfig(rehearsal_share=share)


def test_customers_questions_are_asked_again_about_unknown_products():
    turns = ["Hello, I bought a PowerDock last month. Why will my PowerDock D-90 not charge anymore? Thanks, Ann",
             "How do I reset the A-45?", "How do I reset the A-45?",  # asked twice, used once
             "Does the A-45 SuperWidget work with the E-3 SmartTag?",  # two products: whose decline would it be?
             "Thanks, that worked!"]  # no question
    asked = asked_about_one_product(turns, CATALOG)
    assert asked == [("D-90 PowerDock", "Why will my PowerDock D-90 not charge anymore?"), ("A-45 SuperWidget", "How do I reset the A-45?")]
    two_models = asked_about_one_product(["Why is my SuperWidget so loud?", "How do I reset the A-50?"], [*CATALOG, "A-50 SuperWidget"])
    assert two_models == [("A-50 SuperWidget", "How do I reset the A-50?")], "a family of two models names neither"
    assert with_product_swapped("Is the D-90 PowerDock like the PowerDock D-90?", "D-90 PowerDock", "K-31 GlowLamp") == \
        "Is the K-31 GlowLamp like the K-31 GlowLamp?"
    pairs = out_of_scope_pairs(CATALOG, "Nordlicht Gadgets", "", 12, seed=3, customer_questions=asked)
    swapped = [(key, question) for key, question, answer in pairs if key.endswith("|asked")]
    assert len(swapped) == 2 and all(is_decline(answer) for _, _, answer in pairs)
    for key, question in swapped:  # the customer's words, the made-up product's name, no catalog name left
        product = key.removeprefix("unknown:").removesuffix("|asked")
        assert product in question and not any(form in question for form in ("PowerDock", "D-90", "A-45"))
        assert question.startswith(("Why will my", "How do I reset the"))
