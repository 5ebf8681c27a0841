"""Validation counts tokens through the configured factory, and says when it cannot."""

from __future__ import annotations

import pytest

from curation.validate.tokens import DEFAULT_FACTORY, TokenCounterError, resolve_token_counter

MESSAGES = [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "How do I reset my A-45?"},
            {"role": "assistant", "content": "Hold the blue button for 10 seconds."}]


def test_the_default_counts_with_the_models_chat_template():
    from train.base_model import load_tokenizer

    count, name = resolve_token_counter(DEFAULT_FACTORY, "smollm2")
    expected = load_tokenizer("smollm2").apply_chat_template(MESSAGES, tokenize=True)
    expected = expected["input_ids"] if hasattr(expected, "keys") else expected
    assert name == "smollm2" and count(MESSAGES) == len(expected)


def test_null_is_an_estimate_that_says_so():
    count, name = resolve_token_counter(None, "smollm2")
    assert count is None and name == "estimate (chars/4)"


@pytest.mark.parametrize("factory", ["no_such_module:make", "train.base_model:no_such_function"])
def test_a_counter_that_cannot_load_is_an_error_naming_it(factory):
    with pytest.raises(TokenCounterError, match=factory.split(":")[0]):
        resolve_token_counter(factory, "smollm2")
