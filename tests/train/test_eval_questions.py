"""The evaluation's question sets (train/eval_questions.py and data/sample/eval/): dev, test, out of scope."""

from __future__ import annotations

import json
import re

import pytest

from curation.sample.catalog import PRODUCTS
from train.answer_checks import named_products, product_pattern
from train.config import TrainConfig
from train.eval_questions import catalog_products, load_out_of_scope, load_split, question_file

CATALOG = [p.name for p in PRODUCTS]


def _four_grams(text: str) -> set[tuple[str, ...]]:
    """As tests/sample/test_generator.py counts them: punctuation removed ("a45") and split on ("a 45")."""
    grams = set()
    for words in (re.sub(r"[^\w\s]", "", text.lower()).split(), re.sub(r"[^\w\s]", " ", text.lower()).split()):
        grams |= {tuple(words[i:i + 4]) for i in range(len(words) - 3)}
    return grams


def test_every_dev_product_and_topic_has_a_test_question_with_its_facts():
    config = TrainConfig()
    dev, test = load_split(config, "dev"), load_split(config, "test")
    assert len(dev) == 25 and len(test) >= 25
    assert {q["split"] for q in dev} == {"dev"} and {q["split"] for q in test} == {"test"}
    assert {(q["product"], q["topic"]) for q in dev} <= {(q["product"], q["topic"]) for q in test}
    assert len({q["id"] for q in dev + test}) == len(dev) + len(test)
    dev_by_topic = {(q["product"], q["topic"]): q for q in dev}
    for q in test:
        same = dev_by_topic[(q["product"], q["topic"])]
        assert (q["reference_answer"], q["key_facts"], q["manual_page"]) == (same["reference_answer"], same["key_facts"], same["manual_page"])
        assert q["manual_section"] and q["question"] != same["question"]
        assert q["product"] in named_products(q["question"], CATALOG), q["question"]  # the customer says which product
    # the generator's dev rows name no section: they borrow it from the test row of their product and topic
    assert all(q["manual_section"] == next(t["manual_section"] for t in test if t["topic"] == q["topic"] and t["product"] == q["product"]) for q in dev)
    assert question_file(config, "test").name == "test_questions.jsonl" and question_file(config, "dev").name == "heldout_questions.jsonl"
    with pytest.raises(ValueError, match="unknown question split"):
        question_file(config, "train")


def test_test_questions_are_new_phrasings():
    """No four words in a row shared with the topic's training phrasings (the corpus may hold them) or its dev question."""
    topics = {(p.name, t.key): t for p in PRODUCTS for t in p.topics}
    for q in load_split(TrainConfig(), "test"):
        topic = topics[(q["product"], q["topic"])]
        for phrasing in (*topic.training_questions, topic.heldout_question):
            shared = _four_grams(q["question"]) & _four_grams(phrasing)
            assert not shared, (q["id"], phrasing, sorted(shared))


@pytest.mark.parametrize(("split", "at_least"), [("test", (18, 8)), ("dev", (10, 10))])
def test_out_of_scope_questions_name_no_catalog_product_or_an_uncovered_topic(split, at_least):
    rows = load_out_of_scope(TrainConfig(eval_split=split))
    kinds = {kind: [r for r in rows if r["kind"] == kind] for kind in ("unknown_product", "uncovered_topic")}
    assert len(kinds["unknown_product"]) >= at_least[0] and len(kinds["uncovered_topic"]) >= at_least[1]
    assert len(rows) == sum(map(len, kinds.values()))
    other = load_out_of_scope(TrainConfig(eval_split="dev" if split == "test" else "test"))
    assert not {r["product"] for r in kinds["unknown_product"]} & {r["product"] for r in other}, "dev and test name other products"
    assert len({r["id"] for r in rows}) == len(rows)
    codes = {p.code.lower() for p in PRODUCTS}
    for row in kinds["unknown_product"]:
        assert not named_products(row["question"], CATALOG), row  # never collides with the catalog, in any form
        assert not any(product_pattern(p).search(row["product"]) for p in CATALOG) and row["product"].split()[0].lower() not in codes
        assert product_pattern(row["product"]).search(row["question"]), row
    titles = {p.name: {t.title.lower() for t in p.topics} | {t.key for t in p.topics} for p in PRODUCTS}
    for row in kinds["uncovered_topic"]:
        assert named_products(row["question"], CATALOG) == {row["product"]}, row
        assert row["topic"].lower() not in titles[row["product"]]
    assert load_out_of_scope(TrainConfig(out_of_scope_questions=None)) == []


def test_relative_question_paths_resolve_against_the_project_root_and_the_catalog_joins_manifest_and_questions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the project root
    assert len(load_split(TrainConfig(), "test")) >= 25
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "x", "product": "Z-1 Thing", "topic": "t", "question": "Z-1?"}) + "\n")
    assert [q["id"] for q in load_split(TrainConfig(test_questions=str(questions)), "test")] == ["x"]
    assert load_split(TrainConfig(test_questions=str(tmp_path / "missing.jsonl")), "test") == []
    version = tmp_path / "v1"
    version.mkdir()
    (version / "manifest.json").write_text(json.dumps({"products": ["A-45 SuperWidget", "B-12 MiniWidget"]}))
    assert catalog_products(version, [{"product": "Z-1 Thing"}, {"product": "A-45 SuperWidget"}]) == ["A-45 SuperWidget", "B-12 MiniWidget", "Z-1 Thing"]
