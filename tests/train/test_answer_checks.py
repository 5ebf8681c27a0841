"""train/answer_checks.py on hand-written answers: declines, leaks, wrong products, citations."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE_ROOT
from train.answer_checks import (Citation, citation_correct, citations, contact_details, has_leak, is_decline, judge_citations, leaks,
                                 named_products, wrong_product)

CATALOG = ["A-45 SuperWidget", "B-12 MiniWidget", "C-7 HubStation", "D-90 PowerDock", "E-3 SmartTag"]

# the two decline templates the training data will teach, filled in
TAUGHT = [
    "I'm sorry, I don't have any information about the Z-99 HyperBlender: it is not one of Nordlicht Gadgets's products, so I can't give you "
    "steps for it. If you think it should be, please contact our support team.",
    "I'm sorry, our manuals don't cover car integration for the A-45 SuperWidget, so I can't give you a reliable answer. "
    "Please contact our support team, who can help.",
]
ORDINARY = [
    "I do not have information on that product.",
    "Sorry, the K-20 AquaKettle is not one of our products.",
    "I'm not familiar with the R-5 RoboMop.",
    "I am not aware of a device called the T-300 ThermoPlug.",
    "I can't find anything about that in our documentation.",
    "There is no information about engraving in the manual.",
    "Unfortunately that is not covered in our manuals. Please contact Nordlicht Gadgets Support for details.",
    "I\u2019m sorry, I\u2019m unable to help with that question.",
    "We don't make a product called the Z-99.",
    "Apologies, please contact our customer support team for this one.",
    "I'm sorry for any confusion, but as a Nordlicht Gadgets support assistant, I'm not equipped to create custom designs.",  # SmolLM2's own wording
]
NOT_DECLINES = [
    "To reset the A-45 SuperWidget, press and hold the blue button on the back for 10 seconds until the light flashes green.",
    "Switch the SuperWidget off, wait 1 minute and switch it on again. If E-17 appears again, contact Nordlicht Gadgets Support with your serial number.",
    "Open the Nordlicht app and tap Add device. If pairing still fails, please contact our support team.",
    "If you can't find the code, look under the battery cover.",
    "The capital of France is Paris.",
    "",
]


@pytest.mark.parametrize("answer", TAUGHT + ORDINARY)
def test_declines_are_recognised(answer):
    assert is_decline(answer)


@pytest.mark.parametrize("answer", NOT_DECLINES)
def test_answers_that_help_are_not_declines(answer):
    assert not is_decline(answer)


def test_the_samples_reference_answers_pass_every_check():
    """A reference answer is what a good answer looks like: no decline, no leak, the right product."""
    rows = [json.loads(line) for name in ("heldout_questions.jsonl", "test_questions.jsonl")
            for line in (SAMPLE_ROOT / "eval" / name).read_text(encoding="utf-8").splitlines()]
    company = contact_details(row["reference_answer"] for row in rows)
    assert company == {"support@nordlicht.example"}
    for row in rows:
        reference = row["reference_answer"]
        assert not is_decline(reference), reference
        assert not has_leak(reference, company), reference
        assert not wrong_product(reference, row["product"], CATALOG) and row["product"] in named_products(reference, CATALOG), reference


def test_leaks_are_redaction_tags_and_contact_details_that_are_not_the_companys():
    company = ["support@nordlicht.example", "+49 30 555 0100"]
    assert leaks("Hello <PERSON>, write to <EMAIL> or call <PHONE>.") == ["<PERSON>", "<EMAIL>", "<PHONE>"]
    assert leaks("Mail jane.doe@example.com or call +44 20 7946 0958.", company) == ["jane.doe@example.com", "+44 20 7946 0958"]
    assert leaks("Call 030 1234567 today.") == ["030 1234567"]
    assert not has_leak("Email support@nordlicht.example or call +49 30 555 0100.", company)
    assert has_leak("Email support@nordlicht.example or call +49 30 555 0100.")  # without the allow-list they are contact details
    # quantities, dates, versions and model codes are not phone numbers
    assert not has_leak("The 1200 mAh battery lasts 18 hours; firmware 3.2 from 2023-03-15; the A-45 and the E-17 code; 68 x 42 x 14 mm.")
    assert contact_details(["Write to support@nordlicht.example or call +49 30 555 0100."]) == set(company)


def test_product_names_in_any_form_and_wrong_product_answers():
    assert named_products("Hold the paperclip in the MiniWidget's reset hole", CATALOG) == {"B-12 MiniWidget"}
    assert named_products("the a45 and the PowerDock D-90", CATALOG) == {"A-45 SuperWidget", "D-90 PowerDock"}
    assert named_products("Error E-17 on a C-70 and 5 V / 2 A", CATALOG) == set()  # no code is a prefix of another
    # an answer about the MiniWidget for a SuperWidget question
    assert wrong_product("Insert a paperclip into the B-12's hole for 5 seconds.", "A-45 SuperWidget", CATALOG)
    # naming the right product too, or no product at all, is not a wrong-product answer
    assert not wrong_product("Unlike the B-12, the A-45 has a blue button.", "A-45 SuperWidget", CATALOG)
    assert not wrong_product("Hold the blue button for 10 seconds.", "A-45 SuperWidget", CATALOG)
    assert not wrong_product("Hold the SuperWidget's blue button.", "A-45 SuperWidget", CATALOG)


def test_citations_are_found_and_judged_against_the_questions_page_and_section():
    found = citations('See page 12 and p. 9 of the manual (Source: B-12 MiniWidget User Manual, section "B-12 MiniWidget User Manual > Resetting the MiniWidget".)')
    assert found == [Citation(page=12), Citation(page=9), Citation(section="B-12 MiniWidget User Manual > Resetting the MiniWidget")]
    assert citation_correct(Citation(page=12), 12, "Resetting the SuperWidget") is True
    assert citation_correct(Citation(page=9), 12, "Resetting the SuperWidget") is False
    assert citation_correct(Citation(page=3), None, "Resetting the MiniWidget") is False  # that manual has no pages
    assert citation_correct(Citation(page=3), None, None) is None  # the question does not say where
    section = Citation(section="B-12 MiniWidget User Manual > Resetting the MiniWidget")
    assert citation_correct(section, None, "Resetting the MiniWidget", "B-12 MiniWidget", CATALOG) is True
    assert citation_correct(section, None, "Replacing the battery", "B-12 MiniWidget", CATALOG) is False
    # the right heading in another product's manual is the wrong place
    other = Citation(section="C-7 HubStation User Manual > Factory reset")
    assert citation_correct(other, None, "Factory reset", "D-90 PowerDock", CATALOG) is False
    assert judge_citations("Hold the blue button (page 12).", 12, None) == {"citations": ["page 12"], "correct": True}
    assert judge_citations("Hold the blue button (page 12, see also page 13).", 12, None)["correct"] is False
    assert judge_citations("Hold the blue button.", 12, None) == {"citations": [], "correct": None}
