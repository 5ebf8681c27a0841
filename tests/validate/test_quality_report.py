"""The example-quality report names each defect with a share and the ids behind it."""

from __future__ import annotations

import polars as pl

from curation.validate.quality_report import DEFECTS, example_defects, quality_report

SYSTEM = {"role": "system", "content": "You are the support assistant."}


def _messages(question: str, answer: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def _english(_: str) -> str:
    return "en"


def test_each_defect_is_found_and_a_clean_example_has_none():
    clean = _messages("How do I reset my A-45 SuperWidget?", "Hold the blue button for ten seconds until the light flashes.")
    assert example_defects(clean, 40, 256, _english) == []
    cases = {
        "echo": _messages("Where is my order?", "where is my  order?"),
        "repeated_paragraph": _messages("Hello,\n\nMy order is late.\n\nHello,", "It ships today."),
        "markup_residue": _messages("How do I start?", "See {{< note >}} and [[Getting started]]."),
        "template_residue": _messages("My {product_purchased} broke.", "Please send it in."),
        "cut_by_window": clean,
        "redaction_tag": _messages("Hi, it broke.", "Hi <PERSON>, please send it in."),
        "not_language": _messages("My GoPro Hero broke, please assist.", "Billion speech door despite little find."),
    }
    for defect, messages in cases.items():
        tokens = 300 if defect == "cut_by_window" else 40
        assert defect in example_defects(messages, tokens, 256, _english), defect
    assert example_defects(_messages("Anki's {{c1::cloze}} syntax: what does it do?", "It hides c1 on the first card."), 40, 256, _english) == []
    listing = _messages("Which programmer options exist?", "baudrate = <num> ; # baudrate for avr910-programmer")
    assert example_defects(listing, 40, 256, _english, kind="instruction") == [], "a manual's answer may be a listing"


def test_a_question_answered_in_another_language_is_a_mismatch():
    from curation.clean.quality import detect_language

    messages = _messages("Wie setze ich mein Gerät auf die Werkseinstellungen zurück, bitte?",
                         "Hold the reset button on the back of the device for ten seconds.")
    assert example_defects(messages, 40, 256, lambda text: detect_language(text)[0]) == ["language_mismatch"]


def test_the_report_counts_per_source_and_kind_with_ids():
    frame = pl.DataFrame({
        "id": ["ex_1", "ex_2", "ex_3"], "source_kind": ["email", "email", "manual"], "kind": ["conversation", "conversation", "instruction"],
        "messages": [_messages("Hello?", "Hi <PERSON>, it ships today."), _messages("How do I pair it?", "Open the app and tap Add."),
                     _messages("What is in the box?", "A charger and the A-45 itself.")],
    })
    tokens = pl.DataFrame({"id": ["ex_1", "ex_2", "ex_3"], "tokens": [40, 400, 40]})
    report = quality_report(frame, tokens, 256)
    assert set(report) == {"all", "email/conversation", "manual/instruction"}
    email = report["email/conversation"]
    assert email["examples"] == 2 and set(email["defects"]) == set(DEFECTS)
    assert email["defects"]["redaction_tag"] == {"share": 0.5, "count": 1, "examples": ["ex_1"]}
    assert email["defects"]["cut_by_window"]["examples"] == ["ex_2"]
    assert report["all"]["examples"] == 3 and report["manual/instruction"]["defects"]["redaction_tag"]["count"] == 0
