"""Content queries: customers ask with the words of the answer they are looking for.

"My tag beeps twice since I put in the new coin - is that right?" names no manual heading, but it
shares "beeps twice" with the section that answers it. Training only on the questions a section
was asked with binds it to those questions' wording; a 135M model then answers a new wording with
whichever section that wording resembles. Each epoch, a customer turn grounded in a manual section
(train/question_transfer.py), or a section's heading question, is with probability `rate` replaced
by a short query built from that section's distinctive words, the way people type into a support
search box: "PowerDock D-90: charger, centre, pad?" The reply stays, so the section is tied to its
own vocabulary as well as to the questions it was asked with.

A section's distinctive words are its content words weighted by tf-idf over all sections (product
names and function words removed); a query draws two to four of the top ones, in text order.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter

import polars as pl

from train.data import rewrite_messages
from train.question_transfer import Grounding

_WORD = re.compile(r"[A-Za-z][A-Za-z-]*[A-Za-z]")
_FUNCTION_WORDS = set("""
a about above after again all also an and any are as at be because been before being below between both but by can could did
do does doing down during each few for from further had has have having her here hers him his how if in into is it its itself
just let like may me might more most must my no nor not now of off on once only or other our out over own same shall she
should so some such than that the their them then there these they this those through to too under until up upon very was we
were what when where which while who whom why will with within without would you your yours yourself still
""".split())
TOP_WORDS = 8
TEMPLATES = (
    "{name}: {words}?",
    "{words} on my {name}?",
    "Question about the {name} - {words}",
    "{name} {words}",
    "Help with {words}, {name}",
)


class ContentQueries:
    def __init__(self, grounding: Grounding, *, rate: float):
        self.rate = rate
        self.grounding = grounding
        self.names = {w.lower() for forms in grounding.forms.values() for form in forms for w in _WORD.findall(form)}
        words_of = [self._content_words(section.text) for section in grounding.sections]
        df = Counter(w for words in words_of for w in set(words))
        n = len(words_of)
        self.keywords: list[list[str]] = []
        for words in words_of:
            tf = Counter(words)
            ranked = sorted(tf, key=lambda w: (-tf[w] * math.log((1 + n) / df[w]), words.index(w)))[:TOP_WORDS]
            self.keywords.append(sorted(ranked, key=words.index))  # text order reads more like a question
        self.turns = {**grounding.grounded, **grounding.headings}  # (row id, message index) -> section

    def _content_words(self, text: str) -> list[str]:
        words = (w.lower() for w in _WORD.findall(text))
        return [w for w in words if len(w) >= 3 and w not in _FUNCTION_WORDS and w not in self.names]

    def query(self, section: int, rng: random.Random) -> str:
        keywords = self.keywords[section]
        k = min(len(keywords), rng.randint(2, 4))
        picked = sorted(rng.sample(range(len(keywords)), k))
        name = rng.choice(self.grounding.forms[self.grounding.sections[section].product])
        return rng.choice(TEMPLATES).format(name=name, words=", ".join(keywords[i] for i in picked))

    @property
    def summary(self) -> dict:
        return {"sections": len(self.keywords), "turns": len(self.turns), "rate": self.rate}

    def vary(self, frame: pl.DataFrame, seed: int) -> pl.DataFrame:
        """The frame with grounded customer turns and heading questions replaced, at `rate`, by content queries."""
        def queried(row_id: str, i: int, m: dict, rng: random.Random) -> str:
            section = self.turns.get((row_id, i))
            return self.query(section, rng) if section is not None and self.keywords[section] and rng.random() < self.rate else m["content"]

        return rewrite_messages(frame, f"content|{seed}|", queried)
