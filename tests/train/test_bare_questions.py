from __future__ import annotations

import polars as pl
import pytest

from train.bare_questions import BareQuestions, questions_of

SYSTEM = {"role": "system", "content": "You are the support assistant."}


def _row(row_id: str, kind: str, *turns: tuple[str, str]) -> dict:
    return {"id": row_id, "kind": kind, "messages": [SYSTEM] + [{"role": r, "content": c} for r, c in turns]}

PRODUCTS = ["A-45 SuperWidget", "D-90 PowerDock", "E-3 SmartTag"]


@pytest.mark.parametrize(("turn", "asked"), [
    ("About my D-90 PowerDock from order NG-449939: Quick question: What warranty period comes with a D-90 PowerDock? This is quite urgent for me. "
     "Thank you for your help.", "What warranty period comes with a D-90 PowerDock?"),
    ("Hello Nordlicht support,\n\nI have a B-12 MiniWidget that I use every day. My B-12 MiniWidget is broken, is it still under warranty? "
     "Nothing has changed since the last update.\n\nPlease call me back on <PHONE>.\n\nAny help is appreciated.", "My B-12 MiniWidget is broken, is it still under warranty?"),
    ("Hey,\n\nI'm writing about my E-3 SmartTag. How do I see where my E-3 SmartTag was last?? I use it mostly at home.\n\nPlease help!\n\n- <PERSON>",
     "How do I see where my E-3 SmartTag was last??"),
    ("Thanks, that worked. One more thing: Is there a software update for my C-7 HubStation?", "Is there a software update for my C-7 HubStation?"),
    ("My A-45 froze. Can I reset it? And will I lose my settings?", "Can I reset it? And will I lose my settings?"),
    ("I tried that but it still does not work.", None),
])
def test_questions_of_keeps_the_sentences_that_ask(turn, asked):
    assert questions_of(turn) == asked


def test_a_turn_keeps_its_wrapping_when_its_question_would_lose_the_product():
    bare = BareQuestions(PRODUCTS, rate=1.0)
    assert bare.bare("Hi, I have a PowerDock D-90 at home. How do I reset it? Thanks!") is None  # "it" alone names nothing
    assert bare.bare("Hi, my PowerDock D-90 broke. Is the D-90 still under warranty? Thanks!") == "Is the D-90 still under warranty?"  # any name form counts
    assert bare.bare("How do I reset the A-45 SuperWidget?") is None  # already bare
    assert bare.bare("My tag is broken. Please call me back.") is None  # asks nothing
    # without a product catalog there is no name to keep
    assert BareQuestions([], rate=1.0).bare("Hi, I have a PowerDock D-90. How do I reset it? Thanks!") == "How do I reset it?"


def test_vary_cuts_customer_turns_down_and_keeps_everything_else():
    frame = pl.DataFrame([
        _row("c1", "conversation", ("user", "Hello, I bought an A-45 SuperWidget in May. How do I reset my A-45 SuperWidget? Best wishes"),
             ("assistant", "Hi! Press and hold the blue button for 10 seconds. Is there anything else?"),
             ("user", "Thanks, that worked. One more thing: how long does the E-3 SmartTag battery last?"), ("assistant", "About a year.")),
        _row("c2", "conversation", ("user", "My E-3 SmartTag beeps. It did that yesterday too."), ("assistant", "That is its low-battery warning.")),
        _row("m1", "instruction", ("user", "How do I reset the A-45 SuperWidget?"), ("assistant", "Press and hold the blue button for 10 seconds.")),
    ])
    bare = BareQuestions(PRODUCTS, rate=1.0)
    assert bare.summary(frame) == {"customer_turns": 4, "with_bare_question": 2, "rate": 1.0}
    varied = {row["id"]: row["messages"] for row in bare.vary(frame, seed=1).iter_rows(named=True)}
    original = {row["id"]: row["messages"] for row in frame.iter_rows(named=True)}
    assert varied["c1"][1]["content"] == "How do I reset my A-45 SuperWidget?"
    assert varied["c1"][3]["content"] == "how long does the E-3 SmartTag battery last?"
    assert varied["c2"] == original["c2"] and varied["m1"] == original["m1"]
    for row_id in original:  # system prompts and replies, questions included, are never touched
        assert [m for m in varied[row_id] if m["role"] != "user"] == [m for m in original[row_id] if m["role"] != "user"]
    assert bare.vary(frame, seed=1).equals(bare.vary(frame, seed=1))
    assert BareQuestions(PRODUCTS, rate=0.0).vary(frame, seed=1).equals(frame)
    half = BareQuestions(PRODUCTS, rate=0.5)
    cuts = sum(half.vary(frame, seed=s)["messages"][0][i]["content"] != original["c1"][i]["content"] for s in range(50) for i in (1, 3))
    assert 25 <= cuts <= 75  # the rate is a probability per turn and seed: about half of the 100 draws cut
