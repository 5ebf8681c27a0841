"""A reply's greeting keeps a name only when the example itself introduces it."""

from __future__ import annotations

import pytest

from curation.examples.build import email_thread
from curation.examples.config import ExamplesConfig
from curation.examples.greetings import greeting_names_in_context
from schemas import Message
from tests.examples.test_build import COMPANY, _email


@pytest.mark.parametrize(("question", "reply", "trained"), [
    ("How do I reset my A-45?", "Hi Joseph,\n\nHold the blue button.", "Hi,\n\nHold the blue button."),
    ("How do I reset my A-45?", "Dear Mr. Larsen,\n\nHold the blue button.", "Hello,\n\nHold the blue button."),
    ("@AppleSupport my phone is slow", "@105847 Hi Lori! Help's here.", "@105847 Hi! Help's here."),
    # the customer signed with the name: the greeting may use it
    ("How do I reset my A-45?\n\nThanks,\nJoseph", "Hi Joseph,\n\nHold the blue button.", "Hi Joseph,\n\nHold the blue button."),
    ("How do I reset my A-45?", "Hi there,\n\nHold the blue button.", "Hi there,\n\nHold the blue button."),
    ("How do I reset my A-45?", "Hold the blue button, Joseph.", "Hold the blue button, Joseph."),  # only the opening greeting
    # Enron colleagues open with the bare name on its own line: the line goes, unless the customer signed with it
    ("Attached is the first draw request.", "Brianna,\n\nI would rather sign and fax copies.", "I would rather sign and fax copies."),
    ("Attached is the draw request.\n\nBrianna", "Brianna,\n\nI would rather sign.", "Brianna,\n\nI would rather sign."),
    ("Can you check the fax?", "Thanks,\n\nI will look at it today.", "Thanks,\n\nI will look at it today."),  # not a name
])
def test_a_greeting_keeps_only_a_name_the_example_introduces(question, reply, trained):
    messages = greeting_names_in_context([Message(role="user", content=question), Message(role="assistant", content=reply)])
    assert messages[-1].content == trained


def test_the_examples_step_applies_it_unless_configured_to_keep():
    docs = [_email(0, "cust@example.org", "How do I reset my A-45 SuperWidget, please?"),
            _email(1, "lena.fischer@nordlicht.example", "Hi Joseph,\n\nHold the blue button for ten seconds.")]
    [example] = email_thread(docs, COMPANY, ExamplesConfig()).examples
    assert example.messages[-1].content.startswith("Hi,\n\nHold")
    [kept] = email_thread(docs, COMPANY, ExamplesConfig(greeting_names="keep")).examples
    assert kept.messages[-1].content.startswith("Hi Joseph,")


def test_the_evaluation_counts_answers_that_greet_an_invented_name():
    from curation.examples.greetings import invented_name
    from train.eval_metrics import product_sample, variant_metrics

    assert invented_name("How do I reset my A-45?", "Hi Melissa, thanks for contacting us. Hold the button.") == "Melissa"
    assert invented_name("Hi, I'm Melissa. How do I reset my A-45?", "Hi Melissa, hold the button.") is None
    assert invented_name("How do I reset my A-45?", "Hi there, hold the button.") is None
    assert invented_name("How do I reset my A-45?", "Melissa,\n\nhold the button.") == "Melissa"
    question = {"question": "How do I reset my A-45?", "product": "A-45 SuperWidget", "key_facts": ["blue button"]}
    samples = [product_sample(question, {"base": "Hold the blue button.", "tuned": "Hi Melissa,\n\nHold the blue button."},
                              ["A-45 SuperWidget"], [])]
    assert variant_metrics(samples, "tuned")["invented_names"] == {"count": 1, "share": 1.0}
    assert variant_metrics(samples, "base")["invented_names"]["count"] == 0
