from __future__ import annotations

import polars as pl

from train.question_transfer import Grounding, QuestionTransfer

SYSTEM = {"role": "system", "content": "You are the support assistant."}
RESET = {
    "A-45 SuperWidget": "To reset the A-45 SuperWidget, press and hold the blue button for 10 seconds. The light flashes green when the reset is done.",
    "D-90 PowerDock": "To reset the D-90 PowerDock, press the small power button on the side five times. The LED flashes red twice to confirm it.",
}
WARRANTY = "The D-90 PowerDock is covered by a 3-year warranty from the date of purchase. Open a ticket with your proof of purchase to claim it."


def _row(row_id: str, kind: str, *turns: tuple[str, str]) -> dict:
    return {"id": row_id, "kind": kind, "messages": [SYSTEM] + [{"role": r, "content": c} for r, c in turns]}


def _frame() -> pl.DataFrame:
    return pl.DataFrame([
        _row("m1", "instruction", ("user", "How do I reset the A-45 SuperWidget?"), ("assistant", RESET["A-45 SuperWidget"] + "\n\n(Source: A-45 manual, page 12.)")),
        _row("m2", "instruction", ("user", "How do I reset the D-90 PowerDock?"), ("assistant", RESET["D-90 PowerDock"])),
        _row("m3", "instruction", ("user", "What should I know about warranty and replacement for the D-90 PowerDock?"), ("assistant", WARRANTY)),
        _row("c1", "conversation", ("user", "My SuperWidget A-45 froze. How do I wipe my A-45 SuperWidget?"), ("assistant", "Hi! " + RESET["A-45 SuperWidget"])),
        _row("c2", "conversation", ("user", "How can I restore the defaults of my D-90 PowerDock?"), ("assistant", "Hello, " + RESET["D-90 PowerDock"]),
             ("user", "Thanks. Is it still under warranty?"), ("assistant", WARRANTY)),
        _row("c3", "conversation", ("user", "Any news?"), ("assistant", "We will get back to you soon, thanks for waiting so patiently today.")),
    ])


def test_siblings_and_grounding():
    transfer = QuestionTransfer(Grounding(_frame(), ["A-45 SuperWidget", "D-90 PowerDock"]), rate=1.0)
    assert transfer.summary == {"sections": 3, "with_siblings": 2, "grounded_turns": 3, "transferable_turns": 2, "rate": 1.0}
    by_product_topic = {(s.product, s.topic): s for s in transfer.grounding.sections}
    assert by_product_topic[("A-45 SuperWidget", frozenset({"reset"}))].questions == ["My SuperWidget A-45 froze. How do I wipe my A-45 SuperWidget?"]
    # the warranty section has no sibling: its customer turn is never replaced
    assert ("c2", 3) in transfer.grounding.grounded and not transfer.pools[transfer.grounding.grounded[("c2", 3)]]
    assert ("c3", 1) not in transfer.grounding.grounded  # a reply that quotes no section grounds nothing
    # each instruction row's question stands for its section
    assert {transfer.grounding.sections[s].product for s in transfer.grounding.headings.values()} == {"A-45 SuperWidget", "D-90 PowerDock"}
    assert set(transfer.grounding.headings) == {("m1", 1), ("m2", 1), ("m3", 1)}


def test_transferred_questions_name_this_product_and_keep_the_reply():
    frame = _frame()
    transfer = QuestionTransfer(Grounding(frame, ["A-45 SuperWidget", "D-90 PowerDock"]), rate=1.0)
    varied = {row["id"]: row["messages"] for row in transfer.vary(frame, seed=0).iter_rows(named=True)}
    original = {row["id"]: row["messages"] for row in frame.iter_rows(named=True)}
    assert varied["c1"][1]["content"] == "How can I restore the defaults of my D-90 PowerDock?".replace("D-90 PowerDock", "A-45 SuperWidget")
    assert varied["c2"][1]["content"] == "My PowerDock D-90 froze. How do I wipe my D-90 PowerDock?"  # each name form keeps its form
    assert varied["c2"][3] == original["c2"][3]  # no sibling: unchanged
    for row_id in original:  # replies, system prompts and ungrounded turns are never touched
        assert [m for m in varied[row_id] if m["role"] != "user"] == [m for m in original[row_id] if m["role"] != "user"]
    assert varied["m1"] == original["m1"] and varied["c3"] == original["c3"]
    assert transfer.vary(frame, seed=0).equals(transfer.vary(frame, seed=0))
    none = QuestionTransfer(Grounding(frame, ["A-45 SuperWidget", "D-90 PowerDock"]), rate=0.0).vary(frame, seed=0)
    assert none.equals(frame)


def test_a_reply_quoting_two_sections_grounds_nothing_and_names_without_a_code_still_swap():
    frame = _frame()
    both = _row("c4", "conversation", ("user", "Reset and warranty for my D-90 PowerDock?"), ("assistant", RESET["D-90 PowerDock"] + " " + WARRANTY))
    frame = pl.concat([frame, pl.DataFrame([both], schema=frame.schema)])
    transfer = QuestionTransfer(Grounding(frame, ["A-45 SuperWidget", "D-90 PowerDock", "HubStation"]), rate=1.0)
    assert ("c4", 1) not in transfer.grounding.grounded
    # a product named without a model code has one form: every form of the source becomes its name
    assert transfer._swap("My PowerDock D-90, the D-90, the PowerDock", "D-90 PowerDock", "HubStation") == "My HubStation, the HubStation, the HubStation"
