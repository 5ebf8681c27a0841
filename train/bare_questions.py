"""Bare questions: a chat user asks the question an e-mail wraps.

A support e-mail or ticket puts its question among a greeting, the story around it and a sign-off:
"Hello Nordlicht support, I bought the D-90 PowerDock last month. Quick question: Why will my
PowerDock D-90 not charge anything anymore? I already tried switching it off and on again. - Ann".
The tuned model is then asked in a chat, with the question alone. Trained only on the wrapped
form, a 135M model recalled 0.79 of the key facts for the bare questions its own training split
asks; trained with half of the turns bare, 0.90 (seed 42, benchmarks/seen_questions.py). Each
epoch, a customer turn is, with probability `rate`, cut down to its questions: the sentences that
end in a question mark. The reply stays.

A turn keeps its wrapping when it asks nothing with a question mark, or when its questions do not
name a product it names elsewhere ("I have a D-90 PowerDock. How do I reset it?"): cut down, the
question would no longer say which product it is about.
"""

from __future__ import annotations

import random
import re

import polars as pl

from train.data import rewrite_messages
from train.product_names import name_forms, names_pattern

# a sentence ends at . ! ? or a colon ("Quick question: How do I ...?"), or at a line break
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\s*\n\s*")


def questions_of(text: str) -> str | None:
    """The sentences of a customer turn that end in a question mark, joined (None: it has none)."""
    asked = [s.strip() for s in _SENTENCE_END.split(text) if s.strip().endswith("?")]
    return " ".join(asked) if asked else None


class BareQuestions:
    def __init__(self, products: list[str], *, rate: float):
        self.rate = rate
        self.names = names_pattern([form for product in products for form in name_forms(product)])

    def bare(self, text: str) -> str | None:
        """The turn's questions alone, when they still say which product they are about."""
        asked = questions_of(text)
        if asked is None or asked == text.strip():
            return None
        if self.names is not None and self.names.search(text) and not self.names.search(asked):
            return None
        return asked

    def summary(self, frame: pl.DataFrame) -> dict:
        turns = [m["content"] for messages in frame["messages"] for m in messages if m["role"] == "user"]
        return {"customer_turns": len(turns), "with_bare_question": sum(self.bare(t) is not None for t in turns), "rate": self.rate}

    def vary(self, frame: pl.DataFrame, seed: int) -> pl.DataFrame:
        """The frame with customer turns cut down to their questions at `rate` (deterministic for a seed)."""
        def cut(_row: str, _i: int, m: dict, rng: random.Random) -> str:
            return (self.bare(m["content"]) or m["content"]) if m["role"] == "user" and rng.random() < self.rate else m["content"]

        return rewrite_messages(frame, f"bare|{seed}|", cut)
