from __future__ import annotations

import random
import re

from tests.train.test_question_transfer import _frame
from train.content_queries import ContentQueries
from train.question_transfer import Grounding

PRODUCTS = ["A-45 SuperWidget", "D-90 PowerDock"]


def test_keywords_are_each_sections_own_distinctive_words():
    queries = ContentQueries(Grounding(_frame(), PRODUCTS), rate=1.0)
    sections = queries.grounding.sections
    keywords = {(s.product, s.topic): k for s, k in zip(sections, queries.keywords)}
    a45_reset = keywords[("A-45 SuperWidget", frozenset({"reset"}))]
    d90_reset = keywords[("D-90 PowerDock", frozenset({"reset"}))]
    # the words only this section uses are kept; "button" and "flashes", in both reset sections, are not
    assert {"blue", "hold", "seconds", "green"} <= set(a45_reset) and {"small", "side", "five", "times", "red"} <= set(d90_reset)
    assert not {"button", "flashes"} & (set(a45_reset) | set(d90_reset))
    for words in queries.keywords:  # no product names, no function words, no source line
        assert not {"superwidget", "powerdock", "the", "for", "when", "source", "manual"} & set(words)
        assert len(words) == len(set(words))


def test_queries_name_the_product_and_use_the_sections_words():
    queries = ContentQueries(Grounding(_frame(), PRODUCTS), rate=1.0)
    rng = random.Random(3)
    for section, keywords in enumerate(queries.keywords):
        product = queries.grounding.sections[section].product
        for _ in range(20):
            query = queries.query(section, rng)
            assert any(form in query for form in queries.grounding.forms[product])
            words = re.findall(r"[a-z-]+", query.lower())
            used = [w for w in words if w in keywords]
            assert 2 <= len(used) <= 4 or len(used) == len(keywords)
            assert used == sorted(used, key=keywords.index)  # in the section's order


def test_vary_replaces_grounded_turns_and_heading_questions_only():
    frame = _frame()
    queries = ContentQueries(Grounding(frame, PRODUCTS), rate=1.0)
    original = {row["id"]: row["messages"] for row in frame.iter_rows(named=True)}
    varied = {row["id"]: row["messages"] for row in queries.vary(frame, seed=1).iter_rows(named=True)}
    for row_id, turn in [("m1", 1), ("m2", 1), ("c1", 1), ("c2", 1), ("c2", 3)]:
        assert varied[row_id][turn]["content"] != original[row_id][turn]["content"]
    assert varied["c3"] == original["c3"]  # not grounded
    for row_id in original:
        assert [m for m in varied[row_id] if m["role"] != "user"] == [m for m in original[row_id] if m["role"] != "user"]
    assert queries.vary(frame, seed=1).equals(queries.vary(frame, seed=1))
    assert not queries.vary(frame, seed=2).equals(queries.vary(frame, seed=1))
    assert ContentQueries(Grounding(frame, PRODUCTS), rate=0.0).vary(frame, seed=1).equals(frame)
