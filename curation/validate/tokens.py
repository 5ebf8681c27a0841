"""Token counts for validation, through one small interface resolved here and nowhere else.

``validation.token_counter`` names a factory as ``module:function``; it is called with the
tokenizer spec (``validation.tokenizer``) and returns a function ``messages -> tokens`` that applies
the model's chat template. The default is the training package's (`train.base_model`), so curation
counts exactly what training will see without importing the training code. ``null`` counts an
estimate (characters / 4), and the validation report says so.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

TokenCounter = Callable[[list[dict]], int]
DEFAULT_FACTORY = "train.base_model:chat_token_counter"


class TokenCounterError(RuntimeError):
    """The configured token counter cannot be loaded; the message names the factory and the spec."""


def resolve_token_counter(factory: str | None, spec: str) -> tuple[TokenCounter | None, str]:
    """The counter and a label for reports ("smollm2", or "estimate (chars/4)" when factory is None)."""
    if factory is None:
        return None, "estimate (chars/4)"
    module_name, _, attribute = factory.partition(":")
    try:
        make = getattr(importlib.import_module(module_name), attribute)
        return make(spec), spec
    except Exception as err:  # an import error, a missing attribute or a tokenizer that does not load
        raise TokenCounterError(f"validation.token_counter {factory!r} could not count tokens for {spec!r}: "
                                f"{type(err).__name__}: {err}") from err
